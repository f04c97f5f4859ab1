"""A real Synapse homeserver with the Ombuds module, in front of a real `ombuds serve`.

Both run as subprocesses on OS-chosen ports on 127.0.0.1, from a fresh workspace and a fresh
Synapse config (SQLite, no federation, no outbound connection). Skipped, with the reason,
when matrix-synapse is not installed (`make` installs it with the dev extra).
"""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

TERM = "zorbcoin giveaway"
CLI = [sys.executable, "-c", "from ombuds.interfaces.cli.app import entry; entry()"]
SYNAPSE = [sys.executable, "-m", "synapse.app.homeserver"]
GENERATE = ["--generate-config", "--report-stats=no"]
LEXICON = {
    "format": "ombuds.lexicon/1",
    "name": "scams",
    "description": "",
    "separator_insensitive": False,
    "rules": [{"id": "s1", "kind": "term", "category": "scam", "term": TERM}],
}
POLICY = {
    "format": "ombuds.policy/1",
    "name": "matrix-rooms",
    "description": "",
    "scope": 'source == "matrix" and community == "example"',
    "banks": ["known-images"],
    "lexicons": ["scams"],
    "actions": {"scam": "block", "abuse": "block"},
    "default_action": "review",
    "ground": "Community rules 3",
    "enabled": True,
}


def banned_image() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 90)).save(out, format="PNG")
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Homeserver:
    url: str
    ombuds_home: Path
    ombuds: subprocess.Popen[bytes]
    synapse: subprocess.Popen[bytes]
    secret: str

    def register(self, user: str) -> str:
        """A new user through the shared-secret admin API; their access token."""
        path = "/_synapse/admin/v1/register"
        nonce = httpx.get(self.url + path).json()["nonce"]
        message = b"\x00".join([nonce.encode(), user.encode(), b"pw-" + user.encode(), b"notadmin"])
        mac = hmac.new(self.secret.encode(), message, hashlib.sha1).hexdigest()
        body = {"nonce": nonce, "username": user, "password": f"pw-{user}", "mac": mac}
        r = httpx.post(self.url + path, json=body, timeout=30)
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])


def _ombuds_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUDS_")}
    env.update(OMBUDS_HOME=str(home), OMBUDS_OCR="false", OMBUDS_QUEUE="sync")
    return env


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _seed_ombuds(root: Path, env: dict[str, str]) -> str:
    (root / "lexicon.json").write_text(json.dumps(LEXICON))
    (root / "policy.json").write_text(json.dumps(POLICY))
    _cli(env, "init")
    _cli(env, "lexicon", "import", str(root / "lexicon.json"))
    _cli(env, "bank", "create", "known-images", "--category", "abuse")
    md5 = hashlib.md5(banned_image()).hexdigest()
    _cli(env, "bank", "add", "known-images", "--signal", f"md5:{md5}", "--reason", "test")
    _cli(env, "policy", "import", str(root / "policy.json"))
    return _cli(env, "key", "create", "synapse", "--role", "platform")


def _synapse_config(root: Path, port: int, module: dict[str, Any]) -> tuple[Path, str]:
    import yaml  # a dependency of matrix-synapse

    path = root / "homeserver.yaml"
    subprocess.run(
        [*SYNAPSE, "--server-name", "localhost", "--config-path", str(path), *GENERATE],
        cwd=root,
        check=True,
        capture_output=True,
    )
    config = yaml.safe_load(path.read_text())
    config.update(
        listeners=[
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        database={"name": "sqlite3", "args": {"database": str(root / "synapse.db")}},
        federation_domain_whitelist=[],
        trusted_key_servers=[],
        suppress_key_server_warning=True,
        url_preview_enabled=False,
        enable_registration=False,
        rc_message={"per_second": 1000, "burst_count": 1000},
        rc_login={"address": {"per_second": 1000, "burst_count": 1000}},
        rc_registration={"per_second": 1000, "burst_count": 1000},
        modules=[{"module": "ombuds.interfaces.matrix.OmbudsSpamChecker", "config": module}],
    )
    path.write_text(yaml.safe_dump(config))
    return path, str(config["registration_shared_secret"])


def _wait(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}: see its .out file")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} not ready within 120 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def homeserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    if importlib.util.find_spec("synapse") is None:
        pytest.skip("matrix-synapse is not installed (pip install 'ombuds[dev]')")
    root = tmp_path_factory.mktemp("matrix")
    env = _ombuds_env(root / "ombuds")
    key = _seed_ombuds(root, env)
    (root / "ombuds.key").write_text(key + "\n")
    ombuds_port, synapse_port = free_port(), free_port()
    # Output to files: a pipe nobody reads could fill and stall a server.
    ombuds_log = (root / "ombuds.out").open("wb")
    ombuds = subprocess.Popen(
        [*CLI, "serve", "--host", "127.0.0.1", "--port", str(ombuds_port)],
        env=env,
        stdout=ombuds_log,
        stderr=subprocess.STDOUT,
    )
    synapse: subprocess.Popen[bytes] | None = None
    try:
        _wait(f"http://127.0.0.1:{ombuds_port}/v1/health/ready", ombuds, "ombuds serve")
        module = {
            "url": f"http://127.0.0.1:{ombuds_port}",
            "api_key_file": str(root / "ombuds.key"),
            "attributes": {"community": "example"},
        }
        config, secret = _synapse_config(root, synapse_port, module)
        synapse_env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUDS_")}
        with (root / "synapse.out").open("wb") as synapse_log:
            synapse = subprocess.Popen(
                [*SYNAPSE, "-c", str(config)],
                cwd=root,
                env=synapse_env,
                stdout=synapse_log,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{synapse_port}"
        _wait(f"{url}/_matrix/client/versions", synapse, "synapse")
        yield Homeserver(url, root / "ombuds", ombuds, synapse, secret)
    finally:
        for process in (synapse, ombuds):
            if process is not None:
                _stop(process)
        ombuds_log.close()
    logs = [root / "homeserver.log", root / "synapse.out", root / "ombuds.out"]
    text = "".join(p.read_text(errors="replace") for p in logs if p.exists())
    assert key.split("_", 2)[2] not in text  # neither server logs the key's secret
