"""The module's settings, from the `config:` block under it in Synapse's homeserver.yaml.

    modules:
      - module: ombuds.interfaces.matrix.OmbudsSpamChecker
        config:
          url: http://127.0.0.1:8000          # the Ombuds service
          api_key_file: /etc/ombuds/synapse.key  # a platform key (or api_key: ...)
          attributes: {platform: matrix}       # scope attributes for every item
          reject: [block]                      # actions that refuse the event or upload
          on_error: allow                      # when Ombuds cannot answer: allow or reject
          max_media_bytes: 20971520

Synapse calls `parse_config` once at start: a bad value stops the homeserver with an error
that names it, rather than a module that silently allows everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ombuds.domain import Action, AttributeValue
from ombuds.errors import ConfigError

_KEYS = frozenset(
    {"url", "api_key", "api_key_file", "attributes", "reject", "on_error", "max_media_bytes"}
)


@dataclass(frozen=True)
class MatrixConfig:
    url: str
    api_key: str = field(repr=False)
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)
    reject: frozenset[Action] = frozenset({Action.BLOCK})
    fail_open: bool = True
    max_media_bytes: int = 20 * 1024 * 1024


def _where(name: str) -> str:
    return f"modules.ombuds.config.{name}"


def _url(raw: Mapping[str, Any]) -> str:
    url = raw.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigError("must be the Ombuds service's http(s) URL", field=_where("url"))
    return url.rstrip("/")


def _api_key(raw: Mapping[str, Any]) -> str:
    key, path = raw.get("api_key"), raw.get("api_key_file")
    if (key is None) == (path is None):
        raise ConfigError("give one of api_key or api_key_file", field=_where("api_key"))
    if path is not None:
        try:
            key = Path(str(path)).read_text(encoding="utf-8").strip()
        except OSError as exc:
            message = f"cannot read it: {exc.strerror}"
            raise ConfigError(message, field=_where("api_key_file")) from None
    if not isinstance(key, str) or not key.startswith("omb_"):
        raise ConfigError("not an Ombuds API key (omb_...)", field=_where("api_key"))
    return key


def _attributes(raw: Mapping[str, Any]) -> dict[str, AttributeValue]:
    attributes = raw.get("attributes", {})
    if not isinstance(attributes, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str | int | float | bool))
        for k, v in attributes.items()
    ):
        message = "must map names to strings, numbers, booleans or null"
        raise ConfigError(message, field=_where("attributes"))
    return dict(attributes)


def _reject(raw: Mapping[str, Any]) -> frozenset[Action]:
    names = raw.get("reject", ["block"])
    allowed = {a.value for a in Action if a is not Action.ALLOW}
    if not isinstance(names, list) or not all(n in allowed for n in names):
        raise ConfigError(f"must list actions of {sorted(allowed)}", field=_where("reject"))
    return frozenset(Action(n) for n in names)


def parse(raw: Mapping[str, Any] | None) -> MatrixConfig:
    raw = raw or {}
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise ConfigError(f"unknown setting '{unknown[0]}'", field=_where(unknown[0]))
    on_error = raw.get("on_error", "allow")
    if on_error not in ("allow", "reject"):
        raise ConfigError("must be allow or reject", field=_where("on_error"))
    limit = raw.get("max_media_bytes", MatrixConfig.max_media_bytes)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ConfigError("must be a positive number of bytes", field=_where("max_media_bytes"))
    return MatrixConfig(
        url=_url(raw),
        api_key=_api_key(raw),
        attributes=_attributes(raw),
        reject=_reject(raw),
        fail_open=on_error == "allow",
        max_media_bytes=limit,
    )
