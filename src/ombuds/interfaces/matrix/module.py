"""The Synapse module: each text message and each upload is decided by Ombuds first.

Synapse builds it as `OmbudsSpamChecker(config, api)` after `parse_config(config)`, and it
registers two spam-checker callbacks:

- `check_event_for_spam`: a room message with a text body (`m.text`, `m.notice`,
  `m.emote`) is sent to `POST /v1/content` as text, with the sender as author, the room as
  conversation, and the scope attributes `source: matrix`, `room_id`, `sender_domain` and
  `msgtype` besides the configured ones. Content outside every policy's scope is not analysed
  by Ombuds (it answers allow and keeps nothing).
- `check_media_file_for_spam`: an upload is sent as an image or file (by its bytes). Synapse
  tells the callback neither uploader nor room, so only the configured attributes (and
  `source: matrix`) scope it. Thumbnails and remote media are not checked again.

An action in `reject` refuses the event (403 `M_FORBIDDEN`; an upload: 400) with the
decision and notice ids and where to appeal, under `org.ombuds.*` keys of the error. When
Ombuds cannot answer, `on_error` decides, and the log says why without the key.
"""

from __future__ import annotations

import base64
import importlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ombuds.domain import AttributeValue
from ombuds.errors import OmbudsError
from ombuds.extraction.sniff import kind_of
from ombuds.interfaces.matrix.config import MatrixConfig, parse

log = logging.getLogger("ombuds.matrix")
TEXT_MSGTYPES = frozenset({"m.text", "m.notice", "m.emote"})


@dataclass(frozen=True)
class SynapseNames:
    """What the callbacks return, from Synapse itself (the media check compares `NOT_SPAM`
    with `is`, so a look-alike string would refuse every upload)."""

    not_spam: Any
    forbidden: Any

    @classmethod
    def load(cls) -> SynapseNames:
        module_api = importlib.import_module("synapse.module_api")
        errors = importlib.import_module("synapse.api.errors")
        return cls(module_api.NOT_SPAM, errors.Codes.FORBIDDEN)


def _attributes(config: MatrixConfig, **derived: AttributeValue) -> dict[str, AttributeValue]:
    return {"source": "matrix", **config.attributes, **derived}


def message_item(event: Any, config: MatrixConfig) -> dict[str, Any] | None:
    """The Ombuds item for a room message with a text body; None for anything else."""
    content = event.content if isinstance(event.content, Mapping) else {}
    body, msgtype = content.get("body"), content.get("msgtype")
    if event.type != "m.room.message" or msgtype not in TEXT_MSGTYPES:
        return None
    if not isinstance(body, str) or not body:
        return None
    sender = str(event.sender)
    attributes = _attributes(
        config,
        room_id=str(event.room_id),
        sender_domain=sender.partition(":")[2],
        msgtype=str(msgtype),
    )
    return {
        "content_id": str(event.event_id),
        "text": body,
        "author_id": sender,
        "conversation_id": str(event.room_id),
        "attributes": attributes,
    }


def media_item(media_id: str, data: bytes, config: MatrixConfig) -> dict[str, Any]:
    return {
        "content_id": f"mxc-media:{media_id}",
        "kind": kind_of(data).value,
        "data_base64": base64.b64encode(data).decode("ascii"),
        "attributes": _attributes(config),
    }


def refusal(decision: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of the error the sender sees: what was decided and how to appeal."""
    notice = decision.get("notice") or {}
    category = decision.get("category") or "restricted content"
    fields = {
        "error": f"Refused under the {decision.get('policy')} policy: {category}.",
        "org.ombuds.decision_id": decision.get("decision_id"),
        "org.ombuds.action": decision.get("action"),
    }
    if notice:
        fields["org.ombuds.notice_id"] = notice.get("notice_id")
        fields["org.ombuds.how_to_appeal"] = notice.get("how_to_appeal")
    return fields


class OmbudsSpamChecker:
    def __init__(
        self, config: MatrixConfig, api: Any, *, synapse: SynapseNames | None = None
    ) -> None:
        self._config = config
        self._api = api
        self._names = synapse if synapse is not None else SynapseNames.load()
        self._headers = {"Authorization": [f"Bearer {config.api_key}"]}
        api.register_spam_checker_callbacks(
            check_event_for_spam=self.check_event_for_spam,
            check_media_file_for_spam=self.check_media_file_for_spam,
        )

    @staticmethod
    def parse_config(config: Mapping[str, Any] | None) -> MatrixConfig:
        """Synapse's own ConfigError when running inside Synapse: it stops the homeserver
        with the message (which names the setting) instead of a traceback."""
        try:
            return parse(config)
        except OmbudsError as exc:
            try:
                synapse_config = importlib.import_module("synapse.config")
            except ImportError:
                raise exc from None
            raise synapse_config.ConfigError(str(exc)) from None

    async def check_event_for_spam(self, event: Any) -> Any:
        item = message_item(event, self._config)
        if item is None:
            return self._names.not_spam
        return await self._verdict(item)

    async def check_media_file_for_spam(self, file_wrapper: Any, file_info: Any) -> Any:
        if file_info.thumbnail is not None or file_info.server_name:
            return self._names.not_spam  # a thumbnail of checked media, or another server's
        chunks: list[bytes] = []
        await file_wrapper.write_chunks_to(chunks.append)
        data = b"".join(chunks)
        if not data:
            return self._names.not_spam
        if len(data) > self._config.max_media_bytes:
            log.warning("upload %s not checked: over max_media_bytes", file_info.file_id)
            return self._on_error()
        return await self._verdict(media_item(str(file_info.file_id), data, self._config))

    async def _verdict(self, item: dict[str, Any]) -> Any:
        url = f"{self._config.url}/v1/content"
        try:
            decision = await self._api.http_client.post_json_get_json(
                url, item, headers=self._headers
            )
        except Exception as exc:  # an exception here would be Synapse's 500 to the sender
            detail = getattr(exc, "msg", "") or type(exc).__name__
            log.warning("Ombuds could not decide %s (%s)", item["content_id"], detail)
            return self._on_error()
        if not isinstance(decision, Mapping) or "action" not in decision:
            log.warning("Ombuds answered %s without a decision", item["content_id"])
            return self._on_error()
        if decision["action"] in {a.value for a in self._config.reject}:
            return (self._names.forbidden, refusal(decision))
        return self._names.not_spam

    def _on_error(self) -> Any:
        if self._config.fail_open:
            return self._names.not_spam
        return (self._names.forbidden, {"error": "Could not be checked; try again later."})
