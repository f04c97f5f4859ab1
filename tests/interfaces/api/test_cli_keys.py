from pathlib import Path

from sqlalchemy import text

from ombuds.errors import ExitCode
from ombuds.records import Store

from ..conftest import Run


def test_key_create_list_revoke(run: Run, tmp_path: Path) -> None:
    created = run("key", "create", "chat-app", "--role", "platform")
    assert created.code == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("omb_") and "not kept" in created.stderr
    listed = run("key", "list")
    assert "chat-app" in listed.stdout and "platform" in listed.stdout
    assert token.split("_", 2)[2] not in listed.stdout
    assert run("key", "revoke", "chat-app").code == 0
    assert "revoked" in run("key", "list").stdout
    assert run("key", "revoke", "chat-app").code == ExitCode.CONFLICT
    assert run("key", "revoke", "nobody").code == ExitCode.NOT_FOUND
    assert run("key", "create", "x", "--role", "root").code == ExitCode.INVALID_INPUT
    bad_expiry = run("key", "create", "y", "--role", "admin", "--expires", "soon")
    assert bad_expiry.code == ExitCode.INVALID_INPUT


def test_expiring_key_and_no_plain_secret_in_the_database(run: Run, tmp_path: Path) -> None:
    created = run("key", "create", "temp", "--role", "auditor", "--expires", "2030-01-01")
    assert created.code == 0
    assert "2030-01-01" in run("key", "list").stdout
    token = created.stdout.strip()

    with Store.open(f"sqlite:///{tmp_path / 'ws' / 'ombuds.db'}") as store:
        with store.engine.connect() as conn:
            dump = repr(conn.execute(text("SELECT * FROM api_keys")).all())
        assert token.split("_", 2)[2] not in dump
        assert store.authenticate_api_key(token) is not None
