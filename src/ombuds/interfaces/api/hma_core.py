"""What the HMA-compatible routes share: HMA's bodies, signal parsing, hashing and lookups.

Lookups read the running engine's indexes (exact for md5/sha256, the PDQ multi-index for
pdq, the near-duplicate index for minhash) and report only enabled, unexpired entries,
within each bank's own threshold.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import File, UploadFile
from pydantic import BaseModel, Field, RootModel

from ombuds.domain import BankEntry, Content, ContentKind
from ombuds.engine import Engine
from ombuds.engine.deferred.matchers import DEFAULT_SIMILARITY
from ombuds.engine.deferred.tier import DeferredTier
from ombuds.errors import InputError, UnknownSignalTypeError
from ombuds.extraction.sniff import media_type_of
from ombuds.interfaces.api.errors import ERROR_RESPONSES, ApiError, ErrorOut
from ombuds.interfaces.api.runtime import Runtime
from ombuds.matching.perceptual.hashes import HASH_BITS
from ombuds.matching.signals import IndexKind, SignalType, default_registry
from ombuds.matching.signals.minhash import NUM_PERM
from ombuds.matching.signals.pdq import DEFAULT_THRESHOLD

# HMA's multipart field names are content types; Ombuds' own kinds are accepted as well.
UPLOAD_KINDS = {
    "photo": ContentKind.IMAGE,
    "image": ContentKind.IMAGE,
    "video": ContentKind.FILE,
    "file": ContentKind.FILE,
}
HMA_ALIASES = {"video_md5": "md5"}
Upload = Annotated[UploadFile | None, File(description="HMA's field name: the content type")]
NO_URL = (
    "Ombuds never fetches URLs; upload the bytes instead "
    "(multipart/form-data, field 'photo' for images or 'video'/'file' for other files)"
)


class MatchOut(BaseModel):
    bank_content_id: int
    distance: str


class LookupOut(RootModel[dict[str, list[MatchOut]]]):
    """Bank name -> matches; banks without a match are absent."""


class LookupByTypeOut(RootModel[dict[str, dict[str, list[MatchOut]]]]):
    """Signal type -> bank name -> matches (lookup of an upload)."""


class RawLookupOut(BaseModel):
    matches: list[int | MatchOut]


class HashOut(RootModel[dict[str, str]]):
    """Signal type -> hash."""


class CompareOut(RootModel[dict[str, tuple[bool, dict[str, int]]]]):
    """Signal type -> [match, {"distance": bits}] (`{}` for exact types)."""


class BankConfigOut(BaseModel):
    name: str
    matching_enabled_ratio: float


class BankListOut(RootModel[list[BankConfigOut]]):
    pass


class BankContentOut(BaseModel):
    id: int
    signals: dict[str, str]


class BankRefOut(BaseModel):
    name: str
    matching_enabled_ratio: float


class ContentDetailOut(BaseModel):
    """HMA's BankContentConfig; `signals` only when asked for."""

    id: int
    disable_until_ts: int = Field(description="1 enabled, 0 disabled, else disabled until then")
    collab_metadata: dict[str, list[str]]
    original_media_uri: str | None
    bank: BankRefOut
    signals: dict[str, str] | None = None


class DeletedOut(BaseModel):
    deleted: int


class MessageOut(BaseModel):
    message: str


class SignalTypeOut(BaseModel):
    name: str
    enabled_ratio: float


class SignalTypesOut(RootModel[list[SignalTypeOut]]):
    pass


class ContentTypeOut(BaseModel):
    name: str
    enabled: bool


class ContentTypesOut(RootModel[list[ContentTypeOut]]):
    pass


class SignalTypeIndexEntryOut(BaseModel):
    db_size: int
    index_size: int
    index_out_of_date: bool
    newest_db_item: int
    index_built_to: int


class SignalTypeIndexOut(RootModel[dict[str, SignalTypeIndexEntryOut]]):
    """Signal type -> how its index stands against the store."""


class IndexOut(BaseModel):
    present: bool
    built_to: int = Field(description="Unix time of the index's latest change.")
    size: int


class IndexStatusOut(RootModel[dict[str, IndexOut]]):
    """Signal type -> the state of its index."""


def index_sizes(engine: Engine) -> tuple[dict[str, int], int]:
    """Entries per signal type in the running engine's indexes, and when they last changed."""
    exact = engine.bank_matcher.index
    sizes = {name: exact.count(name) for name in sorted(engine.bank_matcher.signal_type_names)}
    tier = engine.deferred
    if tier is not None:
        sizes["pdq"] = len(tier.perceptual.index)
        if tier.neartext is not None:
            sizes["minhash"] = len(tier.neartext.index)
    return dict(sorted(sizes.items())), int(engine.indexes_changed_at)


def bad_request(message: str, field: str | None = None) -> ApiError:
    """HMA answers 400 to bad parameters; the body keeps Ombuds' error shape."""
    return ApiError(400, "invalid_input", message, field=field)


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A missing or malformed parameter (as HMA)."},
    **ERROR_RESPONSES,
}


def ok(model: type[Any]) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model}, **ERRORS}


def required(value: str | None, name: str) -> str:
    if value is None or value == "":
        raise bad_request(f"{name} is required", name)
    return value


def refuse_url(url: str | None) -> None:
    if url is not None:
        raise bad_request(NO_URL, "url")


def hma_bool(raw: str, name: str) -> bool:
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise bad_request("invalid boolean parameter - prefer true/false", name)


def the_upload(
    photo: UploadFile | None,
    video: UploadFile | None,
    image: UploadFile | None,
    file: UploadFile | None,
    types: str | None,
) -> dict[str, str]:
    """The hashes of the one file uploaded, under any of HMA's (or Ombuds') field names."""
    given = {
        name: upload
        for name, upload in (("photo", photo), ("video", video), ("image", image), ("file", file))
        if upload is not None
    }
    if not given:
        raise bad_request("Missing multipart/form-data file upload (field 'photo')", "photo")
    if len(given) > 1:
        raise bad_request("Only one file allowed per request", "photo")
    ((name, upload),) = given.items()
    return hash_upload(upload.file.read(), UPLOAD_KINDS[name], parse_types(types))


def signal_type_of(name: str, field: str = "signal_type") -> SignalType:
    """The signal type HMA's name means (its `video_md5` is the MD5 of the file's bytes)."""
    try:
        return default_registry().get(HMA_ALIASES.get(name, name))
    except UnknownSignalTypeError as exc:
        raise bad_request(exc.message, field) from None


def parse_signal(signal_type: SignalType, value: object, field: str) -> str:
    if not isinstance(value, str):
        raise bad_request(f"the {signal_type.name} signal must be a string", field)
    try:
        return signal_type.parse(value)
    except InputError as exc:
        raise bad_request(f"invalid signal: {exc.message}", field) from None


def hash_upload(data: bytes, kind: ContentKind, types: Collection[str] | None) -> dict[str, str]:
    """Every registered signal type that applies to the bytes, perceptual types first."""
    if not data:
        raise bad_request("the uploaded file is empty", "file")
    content = Content("hma-upload", kind, data=data, media_type=media_type_of(data))
    wanted = sorted(
        (t for t in default_registry() if types is None or t.name in types),
        key=lambda t: (t.index_kind is not IndexKind.PERCEPTUAL, t.name),
    )
    hashes: dict[str, str] = {}
    for signal_type in wanted:
        if not signal_type.applies_to(content):
            continue
        try:
            signal = signal_type.compute(content)
        except InputError as exc:
            raise bad_request(exc.message, "file") from None
        if signal is not None:
            hashes[signal_type.name] = signal.value
    return hashes


def parse_types(raw: str | None) -> list[str] | None:
    """HMA's `types=pdq,md5`: known names only, not empty."""
    if raw is None:
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names:
        raise bad_request("empty signal type selection", "types")
    for name in names:
        signal_type_of(name, "types")
    return names


def parse_banks(raw: str | None) -> set[str] | None:
    return None if not raw else {b.strip() for b in raw.split(",") if b.strip()}


@dataclass(frozen=True, slots=True)
class Hit:
    entry_id: int
    entry: BankEntry
    distance: int | None  # None: an exact type, reported as "-"

    def as_match(self) -> dict[str, int | str]:
        shown = "-" if self.distance is None else str(self.distance)
        return {"bank_content_id": self.entry_id, "distance": shown}


def find(
    runtime: Runtime, signal_type: SignalType, value: str, banks: set[str] | None
) -> list[Hit]:
    """Active entries matching the signal within their bank's threshold, nearest first
    (then by id)."""
    if signal_type.index_kind is IndexKind.EXACT:
        found: dict[int, int | None] = dict.fromkeys(
            runtime.inspect(
                lambda engine: engine.bank_matcher.index.lookup(signal_type.name, value)
            )
        )
        widest: dict[str, int] = {}
    elif signal_type.index_kind is IndexKind.PERCEPTUAL and signal_type.name == "pdq":
        found, widest = _perceptual(runtime, value)
    elif signal_type.index_kind is IndexKind.TEXT and signal_type.name == "minhash":
        found, widest = _near_text(runtime, value)
    else:
        raise bad_request(
            f"signal type '{signal_type.name}' cannot be looked up here", "signal_type"
        )
    entries = runtime.store.get_entries_by_id(list(found)) if found else {}
    now = datetime.now(UTC)
    hits = []
    for ref in sorted(found, key=lambda r: (found[r] or 0, r)):
        entry, distance = entries.get(ref), found[ref]
        if (
            entry is None
            or not entry.active(now)
            or (banks is not None and entry.bank not in banks)
        ):
            continue
        if distance is not None and distance > widest.get(entry.bank, -1):
            continue
        hits.append(Hit(ref, entry, distance))
    return hits


def _deferred(runtime: Runtime) -> DeferredTier:
    tier = runtime.inspect(lambda engine: engine.deferred)
    if tier is None:
        raise ApiError(503, "not_ready", "the perceptual and document indexes are not loaded")
    return tier


def _perceptual(runtime: Runtime, value: str) -> tuple[dict[int, int | None], dict[str, int]]:
    """PDQ matches by entry id with their Hamming distance; each bank's own threshold."""
    tier = _deferred(runtime)
    thresholds = {
        bank.name: DEFAULT_THRESHOLD if bank.threshold is None else bank.threshold
        for bank, _count in runtime.store.list_banks()
    }
    widest = min(max(thresholds.values(), default=DEFAULT_THRESHOLD), HASH_BITS)
    matches = tier.perceptual.index.query(value, threshold=widest)
    return {m.ref: m.distance for m in matches}, thresholds


def _near_text(runtime: Runtime, value: str) -> tuple[dict[int, int | None], dict[str, int]]:
    """MinHash matches by entry id; the distance is the number of the signature's
    positions that differ (of 128), and a bank's threshold (a percentage of similarity, as
    the deferred tier reads it) becomes the most positions that may differ."""
    tier = _deferred(runtime)
    if tier.neartext is None:
        raise ApiError(503, "not_ready", "the document index is not loaded")
    similarity = {
        bank.name: DEFAULT_SIMILARITY if bank.threshold is None else bank.threshold / 100
        for bank, _count in runtime.store.list_banks()
    }
    lowest = max(0.0, min(min(similarity.values(), default=DEFAULT_SIMILARITY), 1.0))
    matches = tier.neartext.index.query(value, threshold=lowest)
    found: dict[int, int | None] = {m.ref: round((1 - m.similarity) * NUM_PERM) for m in matches}
    # Equal positions needed, as the index counts them (0.8 * 128 = 102.4 needs 103).
    most = {
        name: NUM_PERM - math.ceil(min(max(t, 0.0), 1.0) * NUM_PERM - 1e-9)
        for name, t in similarity.items()
    }
    return found, most


def by_bank(hits: list[Hit]) -> dict[str, list[dict[str, int | str]]]:
    grouped: dict[str, list[dict[str, int | str]]] = {}
    for hit in hits:
        grouped.setdefault(hit.entry.bank, []).append(hit.as_match())
    return grouped
