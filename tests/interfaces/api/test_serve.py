"""`ombuds serve` as a real process: start, become ready, decide a message, stop cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest

from ombuds.records import Store

from .conftest import make_settings, seed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
@pytest.mark.parametrize("access_log", [False, True], ids=["quiet", "access-log"])
def test_serve_answers_and_shuts_down_cleanly(tmp_path: Path, access_log: bool) -> None:
    home = tmp_path / "ws"
    with Store.open(make_settings(home).resolved_database_url()) as store:
        token = seed(store)["platform"]
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUDS_")}
    env.update(OMBUDS_HOME=str(home), OMBUDS_OCR="false")
    cli = [sys.executable, "-c", "from ombuds.interfaces.cli.app import entry; entry()"]
    proc = subprocess.Popen(
        [
            *(*cli, "serve", "--host", "127.0.0.1", "--port", str(port)),
            *(["--access-log"] if access_log else []),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[0].decode()
            try:
                if httpx.get(f"{base}/v1/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "not ready within 60 s"
            time.sleep(0.2)
        r = httpx.post(
            f"{base}/v1/content",
            json={"content_id": "m", "text": "zorbcoin giveaway", "attributes": {"region": "EU"}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        assert r.json()["action"] == "block"
    finally:
        proc.send_signal(signal.SIGTERM)
        output = proc.communicate(timeout=60)[0].decode()
    # Uvicorn finishes the lifespan, then re-raises the signal it caught, as it should.
    assert proc.returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
    # Off by default: a line per request costs throughput.
    assert ('"POST /v1/content HTTP/1.1" 200' in output) is access_log
    assert token.split("_", 2)[2] not in output  # the secret never reaches the log
    with Store.open(make_settings(home).resolved_database_url()) as store:
        assert store.count_decisions() == 1
