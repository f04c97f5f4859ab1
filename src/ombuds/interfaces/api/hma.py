"""Hashing and matching routes in the shapes of Meta's Hasher-Matcher-Actioner (HMA 2.0), so
an HMA client switches to Ombuds by changing its base URL and adding an API key (curation:
hma_curation.py). Differences: docs/hma.md. Errors keep Ombuds' shape; their statuses follow
HMA's (400 for bad input)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import PlainTextResponse

from ombuds.interfaces.api.auth import Caller, allow, runtime_of
from ombuds.interfaces.api.hma_core import (
    ERRORS,
    NO_URL,
    CompareOut,
    HashOut,
    IndexStatusOut,
    LookupByTypeOut,
    LookupOut,
    RawLookupOut,
    Upload,
    bad_request,
    by_bank,
    find,
    hma_bool,
    index_sizes,
    ok,
    parse_banks,
    parse_signal,
    refuse_url,
    required,
    signal_type_of,
    the_upload,
)
from ombuds.matching.signals import IndexKind
from ombuds.matching.signals.pdq import DEFAULT_THRESHOLD, hamming
from ombuds.records.repos.keys import Role

router = APIRouter(tags=["hma"])

Platform = Annotated[Caller, Depends(allow(Role.PLATFORM))]
Lookers = Annotated[Caller, Depends(allow(Role.PLATFORM, Role.ADMIN, Role.AUDITOR))]


# -- hashing ------------------------------------------------------------------------------


@router.get("/h/hash", responses=ERRORS, summary="HMA: hash a URL (refused: upload instead)")
def hash_url(_caller: Platform, url: str | None = None) -> dict[str, str]:
    """Ombuds never fetches content from the internet: always 400, pointing at POST."""
    raise bad_request(NO_URL, "url")


@router.post("/h/hash", responses=ok(HashOut), summary="HMA: hash an uploaded file")
def hash_file(
    _caller: Platform,
    photo: Upload = None,
    video: Upload = None,
    image: Upload = None,
    file: Upload = None,
    types: str | None = None,
) -> dict[str, str]:
    """`{"pdq": "<hex>", "md5": ..., "sha256": ...}`: every registered type that applies."""
    return the_upload(photo, video, image, file, types)


# -- matching -----------------------------------------------------------------------------


@router.get("/m/lookup", responses=ok(LookupOut), summary="HMA: look a hash up, by bank")
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
    refuse_url(url)
    chosen = signal_type_of(required(signal_type, "signal_type"))
    value = parse_signal(chosen, required(signal, "signal"), "signal")
    return by_bank(find(runtime_of(request), chosen, value, parse_banks(banks)))


@router.post(
    "/m/lookup", responses=ok(LookupByTypeOut), summary="HMA: hash an upload and look it up"
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
    for name, value in the_upload(photo, video, image, file, types).items():
        chosen = signal_type_of(name)
        if chosen.index_kind in (IndexKind.EXACT, IndexKind.PERCEPTUAL):
            found[name] = by_bank(find(runtime, chosen, value, wanted))
    return found


@router.get("/m/raw_lookup", responses=ok(RawLookupOut), summary="HMA: matching entry ids")
def raw_lookup(
    request: Request,
    _caller: Platform,
    signal_type: str | None = None,
    signal: str | None = None,
    banks: str | None = None,
    include_distance: str = "false",
) -> dict[str, Any]:
    """`{"matches": [ids]}`, or `[{"bank_content_id", "distance"}]` with include_distance."""
    with_distance = hma_bool(include_distance, "include_distance")
    chosen = signal_type_of(required(signal_type, "signal_type"))
    value = parse_signal(chosen, required(signal, "signal"), "signal")
    hits = find(runtime_of(request), chosen, value, parse_banks(banks))
    if with_distance:
        return {"matches": [hit.as_match() for hit in hits]}
    return {"matches": [hit.entry_id for hit in hits]}


@router.post("/m/compare", responses=ok(CompareOut), summary="HMA: compare pairs of hashes")
def compare(
    _caller: Platform, body: Annotated[Any, Body(examples=[{"pdq": ["a...", "b..."]}])]
) -> dict[str, Any]:
    """`{"pdq": [true, {"distance": 9}], "md5": [false, {}]}` (PDQ matches within 31 bits)."""
    if not isinstance(body, dict):
        raise bad_request("Request input was not a dict")
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


@router.get(
    "/m/index/status", responses=ok(IndexStatusOut), summary="HMA: the matching indexes' state"
)
def index_status(
    request: Request, _caller: Lookers, signal_type: str | None = None
) -> dict[str, Any]:
    """`{"pdq": {"present": true, "built_to": <unix time>, "size": n}}`. Ombuds' indexes are
    changed in place as banks change: `built_to` is the time of the latest change."""
    wanted = None if signal_type is None else signal_type_of(signal_type).name
    runtime = runtime_of(request)
    sizes, changed_at = runtime.inspect(index_sizes)
    return {
        name: {"present": True, "built_to": changed_at, "size": size}
        for name, size in sizes.items()
        if wanted is None or name == wanted
    }


@router.get(
    "/status",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        503: {"content": {"text/plain": {"schema": {"type": "string"}}}},
    },
    summary="HMA: liveness and readiness, for load balancers (no key needed)",
)
def status(request: Request) -> PlainTextResponse:
    """`I-AM-ALIVE` once the engine and its indexes are loaded, else 503 `INDEX-LOADING`."""
    if runtime_of(request).ready:
        return PlainTextResponse("I-AM-ALIVE")
    return PlainTextResponse("INDEX-LOADING", status_code=503)
