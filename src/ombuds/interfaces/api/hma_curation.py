"""HMA's curation routes (`/c/...`): banks, banked content, signal and content types, and the
exchange routes answered as "none configured" (Ombuds fetches nothing from the internet).

A bank's content id is an Ombuds bank entry's store id. Every change is in force for the
next lookup (the live indexes change in place). Differences: docs/hma.md.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.errors import NotFoundError
from ombuds.interfaces.api.auth import Caller, allow, runtime_of
from ombuds.interfaces.api.banks import delete_bank_live, learn_added, remove_live
from ombuds.interfaces.api.hma_core import (
    ERRORS,
    UPLOAD_KINDS,
    BankConfigOut,
    BankContentOut,
    BankListOut,
    ContentDetailOut,
    ContentTypesOut,
    DeletedOut,
    MessageOut,
    SignalTypeIndexOut,
    SignalTypesOut,
    Upload,
    bad_request,
    index_sizes,
    ok,
    parse_signal,
    refuse_url,
    signal_type_of,
    the_upload,
)
from ombuds.interfaces.api.runtime import Runtime
from ombuds.matching.signals import default_registry
from ombuds.records.repos.keys import Role

router = APIRouter(prefix="/c", tags=["hma"])

Admin = Annotated[Caller, Depends(allow(Role.ADMIN))]
Readers = Annotated[Caller, Depends(allow(Role.ADMIN, Role.MODERATOR, Role.AUDITOR))]
JsonBody = Annotated[dict[str, Any], Body()]

# HMA's rule for bank names: UPPER_WITH_UNDERSCORE, not starting with a digit.
_BANK_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_FIVE_YEARS = timedelta(days=5 * 365)
_CREATE_FIELDS = {"name", "enabled", "enabled_ratio", "category", "description", "threshold"}
NO_RATIO = (
    "Ombuds banks match in full or not at all: enabled_ratio must be 1.0 (to stop a bank "
    "matching, take it out of the policies that use it, or disable its entries)"
)
NO_EXCHANGES = (
    "Ombuds fetches nothing from the internet, so it has no exchanges: export the list "
    "with HMA or pytx and import the CSV (POST /v1/banks/{name}/import)"
)


def _bank_config(name: str) -> dict[str, Any]:
    # Ombuds banks have no sampling ratio: a bank always matches in full.
    return {"name": name, "matching_enabled_ratio": 1.0}


def _check_name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not _BANK_NAME.fullmatch(name):
        raise bad_request("Bank names must be UPPER_WITH_UNDERSCORE, not starting with a digit")
    return name


def _check_full(body: dict[str, Any]) -> None:
    """HMA's `enabled` / `enabled_ratio`; only "match in full" exists here."""
    if "enabled_ratio" in body:
        ratio = body["enabled_ratio"]
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or ratio != 1:
            raise bad_request(NO_RATIO, "enabled_ratio")
    if "enabled" in body and body["enabled"] is not True:
        raise bad_request(NO_RATIO, "enabled")


# -- banks --------------------------------------------------------------------------------


@router.get("/banks", responses=ok(BankListOut), summary="HMA: list banks")
def list_banks(request: Request, _caller: Readers) -> list[dict[str, Any]]:
    return [_bank_config(bank.name) for bank, _count in runtime_of(request).store.list_banks()]


@router.post(
    "/banks",
    status_code=201,
    responses={201: {"model": BankConfigOut}, **ERRORS},
    summary="HMA: create a bank",
)
def create_bank(request: Request, body: JsonBody, caller: Admin) -> dict[str, Any]:
    """HMA's `{"name": "MY_BANK"}`; Ombuds' `category` (default: the name in lower case),
    `description` and `threshold` may be given too."""
    name = _check_name(body)
    _check_full(body)
    unknown = sorted(set(body) - _CREATE_FIELDS)
    if unknown:
        raise bad_request(f"unknown field '{unknown[0]}'", unknown[0])
    category, description = body.get("category", name.lower()), body.get("description", "")
    threshold = body.get("threshold")
    if not isinstance(category, str) or not category.strip():
        raise bad_request("category must be non-empty text", "category")
    if not isinstance(description, str):
        raise bad_request("description must be text", "description")
    if threshold is not None and (type(threshold) is not int or threshold < 0):
        raise bad_request("threshold must be a whole number, at least 0", "threshold")
    bank = Bank(name, category, description, threshold)
    runtime = runtime_of(request)
    runtime.store.create_bank(bank, actor=caller.actor)
    runtime.set_bank(bank)
    return _bank_config(name)


@router.get("/bank/{bank_name}", responses=ok(BankConfigOut), summary="HMA: one bank")
def get_bank(request: Request, bank_name: str, _caller: Readers) -> dict[str, Any]:
    return _bank_config(runtime_of(request).store.get_bank(bank_name).name)


@router.put("/bank/{bank_name}", responses=ok(BankConfigOut), summary="HMA: rename a bank")
def update_bank(request: Request, bank_name: str, body: JsonBody, caller: Admin) -> dict[str, Any]:
    """`{"name": "NEW_NAME"}` renames (409 while a policy names the bank)."""
    runtime = runtime_of(request)
    runtime.store.get_bank(bank_name)
    _check_full(body)
    if "name" not in body:
        return _bank_config(bank_name)
    bank = runtime.store.update_bank(bank_name, {"name": _check_name(body)}, actor=caller.actor)
    runtime.set_bank(bank, renamed_from=bank_name if bank.name != bank_name else None)
    return _bank_config(bank.name)


@router.delete("/bank/{bank_name}", responses=ok(MessageOut), summary="HMA: delete a bank")
def delete_bank(request: Request, bank_name: str, caller: Admin) -> dict[str, str]:
    """As HMA, deleting a bank that does not exist succeeds; one a policy uses is a 409."""
    with contextlib.suppress(NotFoundError):
        delete_bank_live(runtime_of(request), bank_name, caller.actor)
    return {"message": "Done"}


# -- banked content -----------------------------------------------------------------------


def _bank_signals(
    runtime: Runtime, bank_name: str, caller: Caller, signals: dict[str, Any], provenance: str
) -> dict[str, Any]:
    """Bank each signal as an entry; `id` is the first entry's (the pdq one when present)."""
    bank = runtime.store.get_bank(bank_name)
    if not signals:
        raise bad_request("No signals given")
    parsed: dict[str, str] = {}  # by Ombuds' names, to store
    shown: dict[str, str] = {}  # by the names given, to answer
    for name, value in signals.items():
        chosen = signal_type_of(name, name)
        parsed[chosen.name] = shown[name] = parse_signal(chosen, value, name)
    entries = [
        BankEntry(bank.name, Signal(name, value), bank.category, provenance, author=caller.name)
        for name, value in parsed.items()
    ]
    added = runtime.store.add_entries(entries, actor=caller.actor, origin=provenance)
    ids = learn_added(runtime, added)
    return {"id": ids[added[0].public_id], "signals": shown}


@router.post(
    "/bank/{bank_name}/signal",
    responses=ok(BankContentOut),
    summary="HMA: bank signals given as {type: hash}",
)
def add_signal(
    request: Request,
    bank_name: str,
    caller: Admin,
    body: Annotated[dict[str, Any], Body(examples=[{"pdq": "<64 hex characters>"}])],
) -> dict[str, Any]:
    return _bank_signals(runtime_of(request), bank_name, caller, body, "hma-api")


@router.post(
    "/bank/{bank_name}/content",
    responses=ok(BankContentOut),
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
    types: str | None = None,
) -> dict[str, Any]:
    """Every signal type that applies to the file, or those `types` names (`pdq,md5`)."""
    runtime = runtime_of(request)
    runtime.store.get_bank(bank_name)  # an unknown bank is a 404 before hashing
    refuse_url(url)
    hashes = the_upload(photo, video, image, file, types)
    return _bank_signals(runtime, bank_name, caller, hashes, "hma-api upload")


def _content(runtime: Runtime, bank_name: str, content_id: int) -> tuple[Bank, BankEntry]:
    bank = runtime.store.get_bank(bank_name)
    entry = runtime.store.get_entries_by_id([content_id]).get(content_id)
    if entry is None or entry.bank != bank.name:
        raise NotFoundError(f"content '{content_id}' not found", field="content_id")
    return bank, entry


def disable_until_ts(entry: BankEntry) -> int:
    """HMA's encoding: 1 enabled, 0 disabled, otherwise disabled until that Unix time."""
    if entry.disabled_until is not None:
        return int(entry.disabled_until.timestamp())
    return 1 if entry.enabled else 0


def _content_out(content_id: int, entry: BankEntry) -> dict[str, Any]:
    return {
        "id": content_id,
        "disable_until_ts": disable_until_ts(entry),
        "collab_metadata": {},
        "original_media_uri": None,
        "bank": _bank_config(entry.bank),
    }


@router.get(
    "/bank/{bank_name}/content/{content_id}",
    responses=ok(ContentDetailOut),
    summary="HMA: one banked content item",
)
def get_content(
    request: Request,
    bank_name: str,
    content_id: int,
    _caller: Readers,
    include_signals: str = "false",
    signal_type: str | None = None,
) -> dict[str, Any]:
    """With `include_signals=true` (or `signal_type`), its signals as `{type: hash}`."""
    _bank, entry = _content(runtime_of(request), bank_name, content_id)
    out = _content_out(content_id, entry)
    if signal_type is not None:
        wanted = signal_type_of(signal_type).name
        signal = entry.signal
        out["signals"] = {signal.signal_type: signal.value} if signal.signal_type == wanted else {}
    elif include_signals.lower() == "true":
        out["signals"] = {entry.signal.signal_type: entry.signal.value}
    return out


@router.put(
    "/bank/{bank_name}/content/{content_id}",
    responses=ok(ContentDetailOut),
    summary="HMA: disable banked content, for good or until a time",
)
def update_content(
    request: Request, bank_name: str, content_id: int, body: JsonBody, caller: Admin
) -> dict[str, Any]:
    """`{"disable_until_ts": 0}` disables, `1` enables, a Unix time disables until then."""
    runtime = runtime_of(request)
    _bank, entry = _content(runtime, bank_name, content_id)
    if "disable_until_ts" in body:
        enabled, until = _parse_disable(body["disable_until_ts"])
        entry = runtime.store.set_entry_state(
            entry.public_id, enabled=enabled, disabled_until=until, actor=caller.actor
        )
        runtime.refresh({content_id: entry})
    return _content_out(content_id, entry)


def _parse_disable(raw: object) -> tuple[bool, datetime | None]:
    try:
        value = int(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else None
    except ValueError:
        value = None
    if value is None or value < 0:
        raise bad_request("disable_until_ts must be a non-negative integer", "disable_until_ts")
    if value in (0, 1):
        return value == 1, None
    now = datetime.now(UTC)
    if value > (now + _FIVE_YEARS).timestamp():
        message = "disable_until_ts must be less than 5 years in the future"
        raise bad_request(message, "disable_until_ts")
    return False, datetime.fromtimestamp(value, UTC)


@router.delete(
    "/bank/{bank_name}/content/{content_id}",
    responses=ok(DeletedOut),
    summary="HMA: remove banked content",
)
def delete_content(
    request: Request, bank_name: str, content_id: int, caller: Admin
) -> dict[str, int]:
    """`{"deleted": 1}`, or `{"deleted": 0}` when the bank holds no such content (as HMA)."""
    runtime = runtime_of(request)
    runtime.store.get_bank(bank_name)  # an unknown bank is a 404
    try:
        _bank, entry = _content(runtime, bank_name, content_id)
        remove_live(runtime, content_id, entry, caller.actor)
    except NotFoundError:
        return {"deleted": 0}
    return {"deleted": 1}


# -- configuration ------------------------------------------------------------------------


@router.get("/signal_type", responses=ok(SignalTypesOut), summary="HMA: signal types")
def signal_types(_caller: Readers) -> list[dict[str, Any]]:
    return [{"name": name, "enabled_ratio": 1.0} for name in default_registry().names()]


@router.get(
    "/signal_type/index", responses=ok(SignalTypeIndexOut), summary="HMA: index build state"
)
def signal_type_index(
    request: Request, _caller: Readers, signal_type: str | None = None
) -> dict[str, Any]:
    """Ombuds' indexes change in place as banks do, so they are never out of date."""
    wanted = None if signal_type is None else signal_type_of(signal_type).name
    sizes, changed_at = runtime_of(request).inspect(index_sizes)
    return {
        name: {
            "db_size": size,
            "index_size": size,
            "index_out_of_date": False,
            "newest_db_item": changed_at,
            "index_built_to": changed_at,
        }
        for name, size in sizes.items()
        if wanted is None or name == wanted
    }


@router.get("/content_type", responses=ok(ContentTypesOut), summary="HMA: content types")
def content_types(_caller: Readers) -> list[dict[str, Any]]:
    """The upload field names Ombuds hashes: HMA's `photo` and `video`, and its own."""
    return [{"name": name, "enabled": True} for name in UPLOAD_KINDS]


@router.get("/exchanges", responses=ok(list[str]), summary="HMA: exchanges (none)")
def exchanges(_caller: Readers) -> list[str]:
    return []


@router.get("/exchanges/apis", responses=ok(list[str]), summary="HMA: exchange APIs (none)")
def exchange_apis(_caller: Readers) -> list[str]:
    return []


@router.post("/exchanges", responses=ERRORS, summary="HMA: create an exchange (refused)")
def create_exchange(_caller: Admin, _body: JsonBody) -> None:
    raise bad_request(NO_EXCHANGES)


@router.get("/exchange/{exchange_name}", responses=ERRORS, summary="HMA: one exchange (none)")
def get_exchange(exchange_name: str, _caller: Readers) -> None:
    raise NotFoundError(f"Exchange '{exchange_name}' not found: {NO_EXCHANGES}", field="name")
