import pytest

from ombuds.errors import InputError, NotFoundError
from ombuds.records import Store


def test_webhooks_are_created_listed_and_deleted(store: Store) -> None:
    first, secret = store.create_webhook("http://127.0.0.1:9/a", "admin-key", actor="test")
    second, other = store.create_webhook(
        "https://hooks.example.com/b?t=1", "admin-key", actor="test"
    )
    assert secret.startswith("whsec_") and len(secret) > 40 and secret != other
    assert first.webhook_id.startswith("wh_") and first.created_at.tzinfo is not None
    listed = store.list_webhooks()
    assert [w.webhook_id for w in listed] == [first.webhook_id, second.webhook_id]
    assert secret not in repr(listed)
    targets = store.webhook_targets()
    assert [(t.url, t.secret) for t in targets] == [
        ("http://127.0.0.1:9/a", secret),
        ("https://hooks.example.com/b?t=1", other),
    ]
    assert secret not in repr(targets)  # the secret stays out of logs and tracebacks
    store.delete_webhook(first.webhook_id, actor="test")
    assert [w.webhook_id for w in store.list_webhooks()] == [second.webhook_id]


def test_unknown_webhook_and_empty_url(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.delete_webhook("wh_nope", actor="test")
    with pytest.raises(InputError):
        store.create_webhook(" ", "admin-key", actor="test")
