"""Banks and their entries. Reading is for admins, moderators and auditors; changing, admins.

Every change is in force for the next lookup of the running engine, with no rebuild: added
and re-enabled entries go into the live indexes, removed ones and ones disabled for good come
out, and an entry disabled until a time stays in, skipped until the time passes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.engine.banks import indexable
from ombuds.errors import InputError, NotFoundError, UnknownSignalTypeError
from ombuds.interfaces.api.auth import Caller, allow, media_type, runtime_of
from ombuds.interfaces.api.bank_models import (
    AddedOut,
    BankIn,
    BankOut,
    BankPatch,
    BanksOut,
    EntriesIn,
    EntriesOut,
    EntryOut,
    EntryStateIn,
)
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.interfaces.api.runtime import Runtime
from ombuds.matching.signals import default_registry
from ombuds.records.repos.keys import Role

router = APIRouter(prefix="/v1/banks", tags=["banks"])

Admin = Annotated[Caller, Depends(allow(Role.ADMIN))]
Readers = Annotated[Caller, Depends(allow(Role.ADMIN, Role.MODERATOR, Role.AUDITOR))]
_JSON = [Depends(media_type("application/json"))]


def entry_out(entry: BankEntry) -> dict[str, Any]:
    return {
        "public_id": entry.public_id,
        "signal_type": entry.signal.signal_type,
        "value": entry.signal.value,
        "category": entry.category,
        "provenance": entry.provenance,
        "author": entry.author,
        "reason": entry.reason,
        "tags": list(entry.tags),
        "expires_at": entry.expires_at.isoformat() if entry.expires_at else None,
        "enabled": entry.enabled,
        "disabled_until": entry.disabled_until.isoformat() if entry.disabled_until else None,
        "active": entry.active(datetime.now(UTC)),
    }


def _bank_out(bank: Bank, count: int) -> dict[str, Any]:
    return {
        "name": bank.name,
        "category": bank.category,
        "description": bank.description,
        "threshold": bank.threshold,
        "entries": count,
    }


def _signal(signal_type: str, value: str, where: str) -> Signal:
    """The signal in canonical form; InputError naming the entry's field."""
    try:
        return Signal(signal_type, default_registry().get(signal_type).parse(value))
    except UnknownSignalTypeError as exc:
        raise InputError(exc.message, field=f"{where}.signal_type") from None
    except InputError as exc:
        raise InputError(exc.message, field=f"{where}.value") from None


def learn_added(runtime: Runtime, added: list[BankEntry]) -> dict[str, int]:
    """Store ids (by public id) of those of `added` that are stored; the running engine
    learns the indexable ones."""
    ids = runtime.store.entry_ids([e.public_id for e in added])
    now = datetime.now(UTC)
    runtime.learn({ids[e.public_id]: e for e in added if e.public_id in ids and indexable(e, now)})
    return ids


def _entry_in(runtime: Runtime, bank: str, public_id: str) -> tuple[int, BankEntry]:
    ref, entry = runtime.store.locate_entry(public_id)
    if entry.bank != bank:
        raise NotFoundError(f"bank '{bank}' has no entry '{public_id}'", field="public_id")
    return ref, entry


# -- banks --------------------------------------------------------------------------------


@router.get("", responses={200: {"model": BanksOut}, **ERROR_RESPONSES}, summary="List banks")
def list_banks(request: Request, _caller: Readers) -> dict[str, Any]:
    banks = runtime_of(request).store.list_banks()
    return {"banks": [_bank_out(bank, count) for bank, count in banks]}


@router.post(
    "",
    status_code=201,
    dependencies=_JSON,
    responses={201: {"model": BankOut}, **ERROR_RESPONSES},
    summary="Create an empty bank",
)
def create_bank(request: Request, body: BankIn, caller: Admin) -> dict[str, Any]:
    runtime = runtime_of(request)
    bank = Bank(body.name, body.category, body.description, body.threshold)
    runtime.store.create_bank(bank, actor=caller.actor)
    runtime.set_bank(bank)
    return _bank_out(bank, 0)


@router.get("/{name}", responses={200: {"model": BankOut}, **ERROR_RESPONSES}, summary="One bank")
def get_bank(request: Request, name: str, _caller: Readers) -> dict[str, Any]:
    store = runtime_of(request).store
    return _bank_out(store.get_bank(name), store.count_entries(name))


@router.patch(
    "/{name}",
    dependencies=_JSON,
    responses={200: {"model": BankOut}, **ERROR_RESPONSES},
    summary="Change a bank's name, category, description or threshold",
)
def update_bank(request: Request, name: str, body: BankPatch, caller: Admin) -> dict[str, Any]:
    """A rename is refused (409) while a policy names the bank."""
    runtime = runtime_of(request)
    changes = body.model_dump(include=body.model_fields_set)
    for key in ("name", "category", "description"):
        if key in changes and changes[key] is None:
            raise InputError(f"{key} cannot be null", field=key)
    bank = runtime.store.update_bank(name, changes, actor=caller.actor)
    runtime.set_bank(bank, renamed_from=name if bank.name != name else None)
    return _bank_out(bank, runtime.store.count_entries(bank.name))


@router.delete(
    "/{name}",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES,
    summary="Delete a bank and its entries (409 while a policy names it)",
)
def delete_bank(request: Request, name: str, caller: Admin) -> Response:
    delete_bank_live(runtime_of(request), name, caller.actor)
    return Response(status_code=204)


def delete_bank_live(runtime: Runtime, name: str, actor: str) -> None:
    """Delete the bank, then take its entries out of the running engine's indexes."""
    store = runtime.store
    names = default_registry().names()
    rows = [
        *store.iter_index_rows(names, banks=[name]),
        *store.iter_suspended_rows(names, banks=[name]),
    ]
    store.delete_bank(name, actor=actor)
    held = {ref: BankEntry(name, Signal(kind, value), "") for ref, kind, value in rows}
    runtime.forget(held)


# -- entries ------------------------------------------------------------------------------


@router.get(
    "/{name}/entries",
    responses={200: {"model": EntriesOut}, **ERROR_RESPONSES},
    summary="A page of a bank's entries (oldest first)",
)
def list_entries(
    request: Request,
    name: str,
    _caller: Readers,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> dict[str, Any]:
    store = runtime_of(request).store
    entries = store.list_entries(name, offset=offset, limit=limit)
    return {
        "entries": [entry_out(e) for e in entries],
        "offset": offset,
        "limit": limit,
        "total": store.count_entries(name),
    }


@router.post(
    "/{name}/entries",
    status_code=201,
    dependencies=_JSON,
    responses={201: {"model": AddedOut}, **ERROR_RESPONSES},
    summary="Bank signals (all or none; a signal already in the bank is a 409)",
)
def add_entries(request: Request, name: str, body: EntriesIn, caller: Admin) -> dict[str, Any]:
    runtime = runtime_of(request)
    bank = runtime.store.get_bank(name)
    entries = [
        BankEntry(
            bank=name,
            signal=_signal(e.signal_type, e.value, f"entries[{i}]"),
            category=e.category or bank.category,
            provenance=e.provenance,
            author=caller.name,
            reason=e.reason,
            tags=tuple(e.tags),
            expires_at=e.expires_at,
            enabled=e.enabled,
            disabled_until=e.disabled_until,
        )
        for i, e in enumerate(body.entries)
    ]
    added = runtime.store.add_entries(entries, actor=caller.actor, origin="api")
    learn_added(runtime, added)
    return {"added": [entry_out(e) for e in added]}


@router.get(
    "/{name}/entries/{public_id}",
    responses={200: {"model": EntryOut}, **ERROR_RESPONSES},
    summary="One entry, by the public id notices cite",
)
def get_entry(request: Request, name: str, public_id: str, _caller: Readers) -> dict[str, Any]:
    return entry_out(_entry_in(runtime_of(request), name, public_id)[1])


@router.patch(
    "/{name}/entries/{public_id}",
    dependencies=_JSON,
    responses={200: {"model": EntryOut}, **ERROR_RESPONSES},
    summary="Enable or disable an entry, for good or until a time",
)
def set_entry_state(
    request: Request, name: str, public_id: str, body: EntryStateIn, caller: Admin
) -> dict[str, Any]:
    """In force for the next lookup. `{"enabled": false}` disables for good,
    `{"disabled_until": "2030-01-01T00:00:00Z"}` until then, `{"enabled": true}` re-enables."""
    given = body.model_fields_set
    if "enabled" not in given and "disabled_until" not in given:
        raise InputError("give `enabled`, `disabled_until` or both", field="enabled")
    if "enabled" in given and body.enabled is None:
        raise InputError("enabled must be true or false", field="enabled")
    runtime = runtime_of(request)
    ref, entry = _entry_in(runtime, name, public_id)
    enabled = entry.enabled if body.enabled is None else body.enabled
    updated = runtime.store.set_entry_state(
        public_id,
        enabled=enabled,
        disabled_until=body.disabled_until,
        actor=caller.actor,
        reason=body.reason,
    )
    runtime.refresh({ref: updated})
    return entry_out(updated)


@router.delete(
    "/{name}/entries/{public_id}",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES,
    summary="Remove an entry, by public id",
)
def remove_entry_by_id(request: Request, name: str, public_id: str, caller: Admin) -> Response:
    runtime = runtime_of(request)
    remove_live(runtime, *_entry_in(runtime, name, public_id), caller.actor)
    return Response(status_code=204)


@router.delete(
    "/{name}/entries/{signal_type}/{value}",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES,
    summary="Remove a signal from a bank",
)
def remove_entry(
    request: Request, name: str, signal_type: str, value: str, caller: Admin
) -> Response:
    runtime = runtime_of(request)
    signal = _signal(signal_type, value, "path")
    ref, entry = runtime.store.find_entry(name, signal.signal_type, signal.value)
    remove_live(runtime, ref, entry, caller.actor)
    return Response(status_code=204)


def remove_live(runtime: Runtime, ref: int, entry: BankEntry, actor: str) -> None:
    """Delete the entry from the store, then from the running engine's indexes."""
    signal = entry.signal
    runtime.store.remove_entry(entry.bank, signal.signal_type, signal.value, actor=actor)
    runtime.forget({ref: entry})
