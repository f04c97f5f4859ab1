"""Banks and their entries. Reading is for admins, moderators and auditors; changing, admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.errors import InputError, UnknownSignalTypeError
from ombuds.interfaces.api.auth import Caller, allow, media_type, runtime_of
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.interfaces.api.models import (
    AddedOut,
    BankIn,
    BankOut,
    BanksOut,
    EntriesIn,
    EntriesOut,
)
from ombuds.matching.signals import default_registry
from ombuds.records.repos.keys import Role

router = APIRouter(prefix="/v1/banks", tags=["banks"])

Admin = Annotated[Caller, Depends(allow(Role.ADMIN))]
Readers = Annotated[Caller, Depends(allow(Role.ADMIN, Role.MODERATOR, Role.AUDITOR))]
_JSON = [Depends(media_type("application/json"))]


def _entry_out(entry: BankEntry) -> dict[str, Any]:
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
def create_bank(request: Request, body: BankIn, _caller: Admin) -> dict[str, Any]:
    bank = Bank(body.name, body.category, body.description, body.threshold)
    runtime_of(request).store.create_bank(bank)
    return _bank_out(bank, 0)


@router.get(
    "/{name}/entries",
    responses={200: {"model": EntriesOut}, **ERROR_RESPONSES},
    summary="A page of a bank's entries",
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
        "entries": [_entry_out(e) for e in entries],
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
        )
        for i, e in enumerate(body.entries)
    ]
    added = runtime.store.add_entries(entries)
    ids = runtime.store.entry_ids([e.public_id for e in added])
    runtime.learn({ids[e.public_id]: e for e in added if e.public_id in ids})
    return {"added": [_entry_out(e) for e in added]}


@router.delete(
    "/{name}/entries/{signal_type}/{value}",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES,
    summary="Remove a signal from a bank",
)
def remove_entry(
    request: Request, name: str, signal_type: str, value: str, _caller: Admin
) -> Response:
    runtime = runtime_of(request)
    signal = _signal(signal_type, value, "path")
    runtime.store.remove_entry(name, signal.signal_type, signal.value)
    runtime.reload()
    return Response(status_code=204)
