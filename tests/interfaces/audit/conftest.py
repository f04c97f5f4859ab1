"""Real deployments to audit: `ombuds serve`, or the leaky test wrapper, as subprocesses on
OS-chosen ports over a fresh SQLite workspace (or a fresh PostgreSQL database), seeded
through the CLI with a lexicon, a bank and a policy whose scope is public conversations
(with `confirm_bank`)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ombuds.interfaces.cli import app as cli_app

from ...conftest import PG_HOST, PG_PORT, _admin_connection

TERM = "zorbcoin giveaway"
LEXICON = {
    "format": "ombuds.lexicon/1",
    "name": "audit-scams",
    "description": "",
    "separator_insensitive": False,
    "rules": [{"id": "s1", "kind": "term", "category": "scam", "term": TERM}],
}
POLICY = {
    "format": "ombuds.policy/1",
    "name": "public-groups",
    "description": "",
    "scope": 'conversation_type == "public"',
    "banks": ["confirmed-scams"],
    "lexicons": ["audit-scams"],
    "actions": {"scam": "block"},
    "default_action": "review",
    "ground": "Terms of Service 4",
    "enabled": True,
    "confirm_bank": "confirmed-scams",
}
CLI = [sys.executable, "-c", "from ombuds.interfaces.cli.app import entry; entry()"]
SERVE = [*CLI, "serve"]
LEAKY = [sys.executable, "-m", "ombuds.testing.leaky"]


@dataclass
class Deployment:
    url: str
    home: Path
    database_url: str | None
    platform_key: str
    admin_key: str
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(home: Path, database_url: str | None) -> dict[str, str]:
    env = {"OMBUDS_HOME": str(home)}
    if database_url:
        env["OMBUDS_DATABASE_URL"] = database_url
    return env


def _cli(env: dict[str, str], *args: str) -> str:
    """`ombuds ARGS` in process with these OMBUDS_ variables; its standard output."""
    stdout = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(stdout):
        for name in [n for n in os.environ if n.startswith("OMBUDS_")]:
            mp.delenv(name)
        for name, value in env.items():
            mp.setenv(name, value)
        code = cli_app.main(list(args))
    assert code == 0, (args, stdout.getvalue())
    return stdout.getvalue()


def seed(root: Path, env: dict[str, str]) -> tuple[str, str]:
    """The policy set and two keys; returns the platform and the admin key."""
    (root / "lexicon.json").write_text(json.dumps(LEXICON))
    (root / "policy.json").write_text(json.dumps(POLICY))
    _cli(env, "init")
    _cli(env, "lexicon", "import", str(root / "lexicon.json"))
    _cli(env, "bank", "create", "confirmed-scams", "--category", "scam")
    _cli(env, "policy", "import", str(root / "policy.json"))
    platform = _cli(env, "key", "create", "auditor-platform", "--role", "platform")
    admin = _cli(env, "key", "create", "auditor-admin", "--role", "admin")
    return platform.split()[-1], admin.split()[-1]


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, process.communicate()[0].decode()
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/v1/health/ready", timeout=2).status_code == 200:
                return
        assert time.monotonic() < deadline, "not ready within 90 s"
        time.sleep(0.2)


@contextlib.contextmanager
def deployment(
    root: Path, command: list[str], database_url: str | None = None
) -> Iterator[Deployment]:
    home = root / "ws"
    settings = _env(home, database_url)
    platform, admin = seed(root, settings)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUDS_")}
    env.update(settings, OMBUDS_WEBHOOK_BACKOFF_S="0.1")
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    output = ""
    try:
        _wait_ready(url, process)
        yield Deployment(url, home, database_url, platform, admin, process)
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0].decode()
    assert process.returncode in (0, -signal.SIGTERM), output
    for key in (platform, admin):
        assert key.split("_", 2)[2] not in output  # secrets never reach the server's log


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database of its own (the server runs in another process)."""
    found = _admin_connection()
    if isinstance(found, str):
        pytest.skip(found)
    conn, user = found
    name = f"ombuds_audit_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    try:
        yield f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]
        conn.close()  # type: ignore[attr-defined]


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ],
)
def clean(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("clean")
    if request.param == "sqlite":
        with deployment(root, SERVE) as served:
            yield served
        return
    with postgres_database() as url, deployment(root, SERVE, url) as served:
        yield served


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with deployment(tmp_path_factory.mktemp("leaky"), LEAKY) as served:
        yield served


@pytest.fixture(scope="module")
def leaky_perceptual(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The leak that banks PDQ hashes and MinHashes: found by the deferred tier, not inline."""
    root = tmp_path_factory.mktemp("leaky-perceptual")
    with deployment(root, [*LEAKY, "--signals", "perceptual"]) as served:
        yield served


def audit_args(url: str, report: Path, *extra: str, wait: int = 6) -> list[str]:
    """An audit small enough for a test: three documents and one image per set."""
    return [
        "audit",
        url,
        "--outside",
        "conversation_type=private",
        "--inside",
        "conversation_type=public",
        "--term",
        TERM,
        "--documents",
        "3",
        "--images",
        "1",
        "--wait",
        str(wait),
        "--deferred-timeout",
        "90",
        "--report",
        str(report),
        *extra,
    ]
