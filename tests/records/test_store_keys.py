from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from ombuds.errors import ConflictError, InputError, NotFoundError
from ombuds.records import Store
from ombuds.records.repos.keys import Role


def test_created_key_authenticates_with_its_role(store: Store) -> None:
    key, token = store.create_api_key("chat-app", "platform", actor="test")
    assert token.startswith(f"omb_{key.key_id}_")
    found = store.authenticate_api_key(token)
    assert found is not None
    assert (found.name, found.role) == ("chat-app", Role.PLATFORM)


def test_secret_is_stored_only_as_a_hash(store: Store) -> None:
    _, token = store.create_api_key("chat-app", "admin", actor="test")
    secret = token.split("_", 2)[2]
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_keys")).all()
    dumped = repr(rows)
    assert secret not in dumped and token not in dumped
    assert len(rows[0]._mapping["secret_hash"]) == 64


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: "omb_0000000000000000_" + t.split("_", 2)[2],
        lambda t: t.replace("omb_", "xyz_"),
        lambda _t: "",
        lambda t: t.split("_", 2)[0] + "_" + t.split("_", 2)[1],
    ],
)
def test_wrong_tokens_are_refused(store: Store, mangle: object) -> None:
    _, token = store.create_api_key("k", "platform", actor="test")
    assert callable(mangle)
    assert store.authenticate_api_key(mangle(token)) is None


def test_revoked_and_expired_keys_are_refused(store: Store) -> None:
    _, token = store.create_api_key("old", "platform", actor="test")
    store.revoke_api_key("old", actor="test")
    assert store.authenticate_api_key(token) is None
    with pytest.raises(ConflictError):
        store.revoke_api_key("old", actor="test")
    with pytest.raises(ConflictError):
        store.create_api_key("old", "platform", actor="test")
    expiry = datetime.now(UTC) + timedelta(hours=1)
    _, token2 = store.create_api_key("temp", "auditor", expires_at=expiry, actor="test")
    assert store.authenticate_api_key(token2) is not None
    assert store.authenticate_api_key(token2, now=expiry + timedelta(seconds=1)) is None


def test_list_and_bad_input(store: Store) -> None:
    store.create_api_key("b", "moderator", actor="test")
    store.create_api_key("a", "auditor", actor="test")
    assert [k.name for k in store.list_api_keys()] == ["a", "b"]
    with pytest.raises(InputError) as info:
        store.create_api_key("c", "superuser", actor="test")
    assert info.value.field == "role"
    with pytest.raises(InputError):
        store.create_api_key("has space", "admin", actor="test")
    with pytest.raises(NotFoundError):
        store.revoke_api_key("nobody", actor="test")
