"""The Synapse module against an in-memory stand-in for Synapse's module API: what it sends
to Ombuds, what it answers Synapse, and its settings' errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ombuds.errors import ConfigError
from ombuds.interfaces.matrix.config import parse
from ombuds.interfaces.matrix.module import OmbudsSpamChecker, SynapseNames

NAMES = SynapseNames(not_spam=object(), forbidden="M_FORBIDDEN")
KEY = "omb_k1_" + "s" * 43
BLOCK = {
    "decision_id": "dcs_1",
    "action": "block",
    "category": "scam",
    "policy": "rooms",
    "notice": {"notice_id": "ntc_1", "how_to_appeal": "https://example.invalid/appeal/ntc_1"},
}


class FakeHttp:
    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer
        self.calls: list[tuple[str, dict[str, Any], dict[str, list[str]]]] = []

    async def post_json_get_json(
        self, uri: str, post_json: dict[str, Any], headers: dict[str, list[str]]
    ) -> dict[str, Any]:
        self.calls.append((uri, post_json, headers))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class FakeApi:
    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.http_client = FakeHttp(answer)
        self.callbacks: dict[str, Callable[..., Any]] = {}

    def register_spam_checker_callbacks(self, **callbacks: Callable[..., Any]) -> None:
        self.callbacks = callbacks


def checker(answer: dict[str, Any] | Exception, **config: Any) -> tuple[OmbudsSpamChecker, FakeApi]:
    api = FakeApi(answer)
    raw = {"url": "http://127.0.0.1:8000/", "api_key": KEY, **config}
    return OmbudsSpamChecker(parse(raw), api, synapse=NAMES), api


def message(body: Any = "hello", msgtype: str = "m.text", kind: str = "m.room.message") -> Any:
    return SimpleNamespace(
        type=kind,
        content={"msgtype": msgtype, "body": body},
        sender="@alice:example.org",
        room_id="!room:example.org",
        event_id="$event1",
    )


class Upload:
    def __init__(self, data: bytes) -> None:
        self.data = data

    async def write_chunks_to(self, callback: Callable[[bytes], object]) -> None:
        for start in range(0, len(self.data), 4):
            callback(self.data[start : start + 4])


def media(thumbnail: object = None, server_name: str | None = None) -> Any:
    return SimpleNamespace(file_id="abc", thumbnail=thumbnail, server_name=server_name)


def test_a_message_goes_to_ombuds_as_text_with_its_scope_attributes() -> None:
    module, api = checker({"action": "allow"}, attributes={"community": "example"})
    assert api.callbacks == {
        "check_event_for_spam": module.check_event_for_spam,
        "check_media_file_for_spam": module.check_media_file_for_spam,
    }
    assert asyncio.run(module.check_event_for_spam(message())) is NAMES.not_spam
    ((uri, item, headers),) = api.http_client.calls
    assert uri == "http://127.0.0.1:8000/v1/content"
    assert headers == {"Authorization": [f"Bearer {KEY}"]}
    assert item == {
        "content_id": "$event1",
        "text": "hello",
        "author_id": "@alice:example.org",
        "conversation_id": "!room:example.org",
        "attributes": {
            "source": "matrix",
            "community": "example",
            "room_id": "!room:example.org",
            "sender_domain": "example.org",
            "msgtype": "m.text",
        },
    }


@pytest.mark.parametrize(
    "event",
    [message(kind="m.reaction"), message(msgtype="m.image"), message(body=""), message(body=5)],
)
def test_events_without_a_text_body_are_not_sent(event: Any) -> None:
    module, api = checker({"action": "block"})
    assert asyncio.run(module.check_event_for_spam(event)) is NAMES.not_spam
    assert api.http_client.calls == []


def test_a_block_refuses_with_the_decision_and_how_to_appeal() -> None:
    module, _ = checker(BLOCK)
    assert asyncio.run(module.check_event_for_spam(message())) == (
        "M_FORBIDDEN",
        {
            "error": "Refused under the rooms policy: scam.",
            "org.ombuds.decision_id": "dcs_1",
            "org.ombuds.action": "block",
            "org.ombuds.notice_id": "ntc_1",
            "org.ombuds.how_to_appeal": "https://example.invalid/appeal/ntc_1",
        },
    )


def test_review_is_delivered_unless_configured_to_be_refused() -> None:
    review = {**BLOCK, "action": "review"}
    delivered, _ = checker(review)
    assert asyncio.run(delivered.check_event_for_spam(message())) is NAMES.not_spam
    held, _ = checker(review, reject=["block", "review"])
    assert asyncio.run(held.check_event_for_spam(message()))[0] == "M_FORBIDDEN"


@pytest.mark.parametrize("answer", [ConnectionRefusedError(), {"no": "decision"}])
def test_when_ombuds_cannot_answer_on_error_decides(
    answer: dict[str, Any] | Exception, caplog: pytest.LogCaptureFixture
) -> None:
    open_, _ = checker(answer)
    assert asyncio.run(open_.check_event_for_spam(message())) is NAMES.not_spam
    closed, _ = checker(answer, on_error="reject")
    verdict = asyncio.run(closed.check_event_for_spam(message()))
    assert verdict == ("M_FORBIDDEN", {"error": "Could not be checked; try again later."})
    assert "$event1" in caplog.text and KEY not in caplog.text


def test_uploads_are_sent_by_their_bytes_and_thumbnails_are_not() -> None:
    module, api = checker(BLOCK)
    png = b"\x89PNG\r\n\x1a\n" + b"x" * 30
    assert asyncio.run(module.check_media_file_for_spam(Upload(png), media()))[0] == "M_FORBIDDEN"
    ((_, item, _),) = api.http_client.calls
    assert (item["content_id"], item["kind"]) == ("mxc-media:abc", "image")
    assert item["attributes"] == {"source": "matrix"}
    for info in (media(thumbnail=object()), media(server_name="other.org")):
        verdict = asyncio.run(module.check_media_file_for_spam(Upload(png), info))
        assert verdict is NAMES.not_spam
    assert len(api.http_client.calls) == 1


def test_an_upload_over_the_limit_is_not_sent_and_on_error_decides() -> None:
    module, api = checker(BLOCK, max_media_bytes=8, on_error="reject")
    verdict = asyncio.run(module.check_media_file_for_spam(Upload(b"y" * 9), media()))
    assert verdict[0] == "M_FORBIDDEN" and api.http_client.calls == []


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"api_key": KEY}, "url"),
        ({"url": "ftp://x", "api_key": KEY}, "url"),
        ({"url": "http://x"}, "api_key"),
        ({"url": "http://x", "api_key": "secret"}, "api_key"),
        ({"url": "http://x", "api_key": KEY, "api_key_file": "/k"}, "api_key"),
        ({"url": "http://x", "api_key_file": "/nonexistent/key"}, "api_key_file"),
        ({"url": "http://x", "api_key": KEY, "reject": ["delete"]}, "reject"),
        ({"url": "http://x", "api_key": KEY, "on_error": "maybe"}, "on_error"),
        ({"url": "http://x", "api_key": KEY, "attributes": {"a": [1]}}, "attributes"),
        ({"url": "http://x", "api_key": KEY, "max_media_bytes": 0}, "max_media_bytes"),
        ({"url": "http://x", "api_key": KEY, "colour": "red"}, "colour"),
    ],
)
def test_bad_settings_name_the_setting(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse(raw)
    assert refused.value.field == f"modules.ombuds.config.{field}"


def test_the_key_is_read_from_a_file_and_never_shown(tmp_path: Path) -> None:
    (tmp_path / "key").write_text(KEY + "\n")
    config = parse({"url": "http://x", "api_key_file": str(tmp_path / "key")})
    assert config.api_key == KEY
    assert KEY not in repr(config)
