"""Audits that cannot run: an unreachable server, something that is not Ombuds, bad options.
Each gets its fixed exit code and a message naming what is wrong; no report is written."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ..conftest import Run
from .conftest import audit_args, free_port


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMBUDS_AUDIT_KEY", "omb_0123456789abcdef_secret-part")
    monkeypatch.setenv("OMBUDS_AUDIT_ADMIN_KEY", "omb_0123456789abcdef_admin-part")


@pytest.fixture
def not_ombuds() -> Iterator[str]:
    """An HTTP server that answers 404 to everything."""

    class NotFound(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_error(404)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.usefixtures("keyed")
def test_an_unreachable_server_exits_7_with_the_address(run: Run, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    report = tmp_path / "report.json"
    result = run(*audit_args(url, report))
    assert result.code == 7
    assert f"cannot reach the Ombuds server at {url}" in result.stderr
    assert "secret-part" not in result.stderr + result.stdout
    assert not report.exists()
    assert list(tmp_path.glob("*.partial")) == []


@pytest.mark.usefixtures("keyed")
def test_a_server_that_is_not_ombuds_exits_7(run: Run, tmp_path: Path, not_ombuds: str) -> None:
    result = run(*audit_args(not_ombuds, tmp_path / "report.json"))
    assert result.code == 7
    assert "is " + not_ombuds + " an Ombuds server?" in result.stderr


@pytest.mark.usefixtures("keyed")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        (["--inside", "conversation_type=private"], "--inside"),  # the same as --outside
        (["--listen", "nowhere"], "--listen"),
        (["--documents", "0", "--images", "0"], "--documents"),
        (["--alpha", "2"], "--alpha"),
        (["--report", "no/such/folder/r.json"], "--report"),
    ],
)
def test_bad_options_exit_3_naming_the_option(
    run: Run, tmp_path: Path, change: list[str], field: str
) -> None:
    args = audit_args(f"http://127.0.0.1:{free_port()}", tmp_path / "r.json")
    if change[0] == "--inside":
        args[args.index("--inside") + 1] = change[1]
    else:
        args += change
    result = run(*args)
    assert result.code == 3, result.stderr
    assert f"field '{field}'" in result.stderr


def test_no_key_exits_6_naming_the_variable(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OMBUDS_AUDIT_KEY", raising=False)
    result = run(*audit_args("http://127.0.0.1:9", tmp_path / "r.json"))
    assert result.code == 6
    assert "OMBUDS_AUDIT_KEY" in result.stderr


@pytest.mark.usefixtures("keyed")
def test_credentials_in_the_url_are_refused(run: Run, tmp_path: Path) -> None:
    result = run(*audit_args("http://user:pw@127.0.0.1:9", tmp_path / "r.json"))
    assert result.code == 3
    assert "user name or password" in result.stderr
