"""Matrix end to end: a real Synapse with the Ombuds module refuses a scam message and a
banked image, lets the rest through, and Ombuds records who sent what where."""

from __future__ import annotations

import uuid

import httpx
import pytest

from ombuds.records import Store
from ombuds.settings import Settings

from .conftest import TERM, Homeserver, banned_image

pytestmark = pytest.mark.slow


def _room(server: Homeserver, token: str) -> str:
    r = httpx.post(
        f"{server.url}/_matrix/client/v3/createRoom",
        json={"preset": "private_chat"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["room_id"])


def _say(server: Homeserver, token: str, room: str, body: str) -> httpx.Response:
    url = f"{server.url}/_matrix/client/v3/rooms/{room}/send/m.room.message/{uuid.uuid4().hex}"
    return httpx.put(
        url,
        json={"msgtype": "m.text", "body": body},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def _upload(server: Homeserver, token: str, data: bytes) -> httpx.Response:
    return httpx.post(
        f"{server.url}/_matrix/media/v3/upload",
        content=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "image/png"},
        timeout=30,
    )


def test_a_scam_message_is_refused_with_its_notice_and_a_plain_one_is_sent(
    homeserver: Homeserver,
) -> None:
    token = homeserver.register("alice")
    room = _room(homeserver, token)

    refused = _say(homeserver, token, room, f"win big: {TERM} today")
    assert refused.status_code == 403, refused.text
    error = refused.json()
    assert error["errcode"] == "M_FORBIDDEN"
    assert error["error"] == "Refused under the matrix-rooms policy: scam."
    assert error["org.ombuds.action"] == "block"
    notice_id = error["org.ombuds.notice_id"]
    assert error["org.ombuds.how_to_appeal"].endswith(notice_id)

    sent = _say(homeserver, token, room, "see you at lunch")
    assert sent.status_code == 200, sent.text

    settings = Settings(home=homeserver.ombuds_home)
    with Store.open(settings.resolved_database_url()) as store:
        blocked = store.get_decision(error["org.ombuds.decision_id"])
        assert (blocked.author_id, blocked.conversation_id) == ("@alice:localhost", room)
        assert blocked.notice is not None and blocked.notice.notice_id == notice_id
        recent = {d.content_id: d for d in store.recent_decisions(limit=20)}
        allowed = recent[sent.json()["event_id"]]
        assert (allowed.action.value, allowed.author_id) == ("allow", "@alice:localhost")


def test_a_banked_image_upload_is_refused_and_another_is_stored(homeserver: Homeserver) -> None:
    token = homeserver.register("bob")
    refused = _upload(homeserver, token, banned_image())
    assert refused.status_code == 400, refused.text
    other = banned_image().replace(b"IDAT", b"IDAT", 1) + b"\x00"  # other bytes, same picture
    stored = _upload(homeserver, token, other)
    assert stored.status_code == 200, stored.text
    assert stored.json()["content_uri"].startswith("mxc://localhost/")
