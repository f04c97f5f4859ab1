"""Routes in the shapes of Meta's Hasher-Matcher-Actioner (HMA 2.0), so an HMA client switches
to Ombuds by changing its base URL and adding an API key. Differences: README, "HMA
compatibility". Errors keep Ombuds' shape; their statuses follow HMA's (400 for bad input)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Request, UploadFile

from ombuds.domain import BankEntry, Signal
from ombuds.interfaces.api.auth import Caller, allow, runtime_of
from ombuds.interfaces.api.errors import ERROR_RESPONSES, ErrorOut
from ombuds.interfaces.api.hma_core import (
    NO_URL,
    UPLOAD_KINDS,
    BankConfigOut,
    BankContentOut,
    BankListOut,
    CompareOut,
    HashOut,
    LookupByTypeOut,
    LookupOut,
    RawLookupOut,
    bad_request,
    by_bank,
    find,
    hash_upload,
    parse_banks,
    parse_signal,
    parse_types,
    signal_type_of,
)
from ombuds.matching.signals import IndexKind
from ombuds.matching.signals.pdq import DEFAULT_THRESHOLD, hamming
from ombuds.records.repos.keys import Role

router = APIRouter(tags=["hma"])

Platform = Annotated[Caller, Depends(allow(Role.PLATFORM))]
Admin = Annotated[Caller, Depends(allow(Role.ADMIN))]
Readers = Annotated[Caller, Depends(allow(Role.ADMIN, Role.MODERATOR, Role.AUDITOR))]
Upload = Annotated[UploadFile | None, File(description="HMA's field name: the content type")]

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A missing or malformed parameter (as HMA)."},
    **ERROR_RESPONSES,
}


def _ok(model: type[Any]) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model}, **ERRORS}


def _required(value: str | None, name: str) -> str:
    if value is None or value == "":
        raise bad_request(f"{name} is required", name)
    return value


def _refuse_url(url: str | None) -> None:
    if url is not None:
        raise bad_request(NO_URL, "url")


def _bool(raw: str, name: str) -> bool:
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise bad_request("invalid boolean parameter - prefer true/false", name)


def _the_upload(
    photo: UploadFile | None,
    video: UploadFile | None,
    image: UploadFile | None,
    file: UploadFile | None,
    types: str | None,
) -> dict[str, str]:
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


# -- hashing ------------------------------------------------------------------------------


@router.get("/h/hash", responses=ERRORS, summary="HMA: hash a URL (refused: upload instead)")
def hash_url(_caller: Platform, url: str | None = None) -> dict[str, str]:
    """Ombuds never fetches content from the internet: always 400, pointing at POST."""
    raise bad_request(NO_URL, "url")


@router.post("/h/hash", responses=_ok(HashOut), summary="HMA: hash an uploaded file")
def hash_file(
    _caller: Platform,
    photo: Upload = None,
    video: Upload = None,
    image: Upload = None,
    file: Upload = None,
    types: str | None = None,
) -> dict[str, str]:
    """`{"pdq": "<hex>", "md5": ..., "sha256": ...}`: every registered type that applies."""
    return _the_upload(photo, video, image, file, types)


# -- matching -----------------------------------------------------------------------------


@router.get("/m/lookup", responses=_ok(LookupOut), summary="HMA: look a hash up, by bank")
def lookup(
    request: Request,
    _caller: Platform,
    signal_type: str | None = None,
    signal: str | None = None,
    banks: str | None = None,
    url: str | None = None,
    seed: str | None = None,
    bypass_coinflip: str | None = None,
) -> dict[str, Any]:
    """`{"BANK": [{"bank_content_id": 1, "distance": "4"}]}`; distance "-" for exact types.
    `seed` and `bypass_coinflip` are accepted and ignored (Ombuds banks match fully)."""
    _refuse_url(url)
    chosen = signal_type_of(_required(signal_type, "signal_type"))
    value = parse_signal(chosen, _required(signal, "signal"), "signal")
    return by_bank(find(runtime_of(request), chosen, value, parse_banks(banks)))


@router.post(
    "/m/lookup", responses=_ok(LookupByTypeOut), summary="HMA: hash an upload and look it up"
)
def lookup_upload(
    request: Request,
    _caller: Platform,
    photo: Upload = None,
    video: Upload = None,
    image: Upload = None,
    file: Upload = None,
    types: str | None = None,
    banks: str | None = None,
) -> dict[str, Any]:
    """`{"pdq": {"BANK": [...]}, "md5": {...}}`, one lookup per signal type of the upload."""
    runtime, wanted = runtime_of(request), parse_banks(banks)
    found: dict[str, Any] = {}
    for name, value in _the_upload(photo, video, image, file, types).items():
        chosen = signal_type_of(name)
        if chosen.index_kind in (IndexKind.EXACT, IndexKind.PERCEPTUAL):
            found[name] = by_bank(find(runtime, chosen, value, wanted))
    return found


@router.get("/m/raw_lookup", responses=_ok(RawLookupOut), summary="HMA: matching entry ids")
def raw_lookup(
    request: Request,
    _caller: Platform,
    signal_type: str | None = None,
    signal: str | None = None,
    banks: str | None = None,
    include_distance: str = "false",
) -> dict[str, Any]:
    """`{"matches": [ids]}`, or `[{"bank_content_id", "distance"}]` with include_distance."""
    with_distance = _bool(include_distance, "include_distance")
    chosen = signal_type_of(_required(signal_type, "signal_type"))
    value = parse_signal(chosen, _required(signal, "signal"), "signal")
    hits = find(runtime_of(request), chosen, value, parse_banks(banks))
    if with_distance:
        return {"matches": [hit.as_match() for hit in hits]}
    return {"matches": [hit.entry_id for hit in hits]}


@router.post("/m/compare", responses=_ok(CompareOut), summary="HMA: compare pairs of hashes")
def compare(
    _caller: Platform, body: Annotated[dict[str, Any], Body(examples=[{"pdq": ["a...", "b..."]}])]
) -> dict[str, Any]:
    """`{"pdq": [true, {"distance": 9}], "md5": [false, {}]}` (PDQ matches within 31 bits)."""
    results: dict[str, Any] = {}
    for name, pair in body.items():
        if not isinstance(pair, list):
            raise bad_request(f"Comparison hashes for {name} was not a list", name)
        if len(pair) != 2:
            raise bad_request("Comparison hash list length must be exactly 2", name)
        chosen = signal_type_of(name, name)
        left, right = (parse_signal(chosen, v, f"{name}[{i}]") for i, v in enumerate(pair))
        if chosen.name == "pdq":
            distance = hamming(left, right)
            results[name] = [distance <= DEFAULT_THRESHOLD, {"distance": distance}]
        elif chosen.index_kind is IndexKind.EXACT:
            results[name] = [left == right, {}]
        else:
            raise bad_request(f"{name} does not support hash comparison", name)
    return results


# -- curation -----------------------------------------------------------------------------


def _bank_config(name: str) -> dict[str, Any]:
    # Ombuds banks have no sampling ratio: a bank always matches in full.
    return {"name": name, "matching_enabled_ratio": 1.0}


@router.get("/c/banks", responses=_ok(BankListOut), summary="HMA: list banks")
def list_banks(request: Request, _caller: Readers) -> list[dict[str, Any]]:
    return [_bank_config(bank.name) for bank, _count in runtime_of(request).store.list_banks()]


@router.get("/c/bank/{bank_name}", responses=_ok(BankConfigOut), summary="HMA: one bank")
def get_bank(request: Request, bank_name: str, _caller: Readers) -> dict[str, Any]:
    return _bank_config(runtime_of(request).store.get_bank(bank_name).name)


def _bank_signals(
    request: Request, bank_name: str, caller: Caller, signals: dict[str, Any], provenance: str
) -> dict[str, Any]:
    """Bank each signal as an entry; `id` is the first entry's (the pdq one when present)."""
    runtime = runtime_of(request)
    bank = runtime.store.get_bank(bank_name)
    if not signals:
        raise bad_request("No signals given")
    parsed: dict[str, str] = {}
    for name, value in signals.items():
        chosen = signal_type_of(name, name)
        parsed[chosen.name] = parse_signal(chosen, value, name)
    entries = [
        BankEntry(bank.name, Signal(name, value), bank.category, provenance, author=caller.name)
        for name, value in parsed.items()
    ]
    added = runtime.store.add_entries(entries)
    ids = runtime.store.entry_ids([e.public_id for e in added])
    runtime.learn({ids[e.public_id]: e for e in added if e.public_id in ids})
    return {"id": ids[added[0].public_id], "signals": parsed}


@router.post(
    "/c/bank/{bank_name}/signal",
    responses=_ok(BankContentOut),
    summary="HMA: bank signals given as {type: hash}",
)
def add_signal(
    request: Request,
    bank_name: str,
    caller: Admin,
    body: Annotated[dict[str, Any], Body(examples=[{"pdq": "<64 hex characters>"}])],
) -> dict[str, Any]:
    return _bank_signals(request, bank_name, caller, body, "hma-api")


@router.post(
    "/c/bank/{bank_name}/content",
    responses=_ok(BankContentOut),
    summary="HMA: hash an uploaded file and bank its signals",
)
def add_content(
    request: Request,
    bank_name: str,
    caller: Admin,
    photo: Upload = None,
    video: Upload = None,
    image: Upload = None,
    file: Upload = None,
    url: str | None = None,
) -> dict[str, Any]:
    runtime_of(request).store.get_bank(bank_name)  # an unknown bank is a 404 before hashing
    _refuse_url(url)
    hashes = _the_upload(photo, video, image, file, None)
    return _bank_signals(request, bank_name, caller, hashes, "hma-api upload")
