"""Banks: browse them and their entries, search by hash or entry id, import and export CSV,
and disable or re-enable an entry. Changes are in force for the running engine's next
lookup (entries are learned or refreshed in place, no rebuild)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Annotated, Any, Literal, TextIO, cast

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse

from ombuds.domain import BankEntry
from ombuds.errors import ImportFileError, InputError, NotFoundError, OmbudsError
from ombuds.interfaces.api.bank_files import import_live
from ombuds.interfaces.console.web import (
    PREFIX,
    READERS,
    SECURITY_HEADERS,
    Refused,
    Viewer,
    allow,
    csrf_checked,
    flash,
    go_to,
    is_htmx,
    render,
    runtime,
)
from ombuds.matching.signals import default_registry
from ombuds.records import Store, write_bank_csv
from ombuds.records.repos.keys import Role

router = APIRouter(prefix=PREFIX, include_in_schema=False)
Reader = Annotated[Viewer, Depends(allow(*READERS))]
Admin = Annotated[Viewer, Depends(allow(Role.ADMIN))]
PAGE = 50


def _policies_using(store: Store) -> dict[str, list[str]]:
    using: dict[str, list[str]] = {}
    for policy in store.list_policies():
        for bank in policy.banks:
            using.setdefault(bank, []).append(policy.name)
    return using


def search(store: Store, query: str) -> tuple[list[BankEntry], str]:
    """Entries holding `query` as a signal of any type it parses as, or with that public id;
    and a note when the query is no signal at all."""
    query = query.strip()
    if not query:
        return [], ""
    try:
        by_id = [store.get_entry(query)]
    except NotFoundError:
        by_id = []
    pairs = []
    for signal_type in default_registry():
        try:
            pairs.append((signal_type.name, signal_type.parse(query)))
        except OmbudsError:
            continue
    found = by_id + [e for e in store.entries_with_signal(pairs) if e not in by_id]
    note = "" if pairs or by_id else "not a signal of any known type, nor an entry id"
    return found, note


@router.get("/banks")
def banks_page(
    request: Request, viewer: Reader, q: Annotated[str, Query(max_length=4_096)] = ""
) -> Response:
    store = runtime(request).store
    results, note = search(store, q)
    context = {
        "banks": store.list_banks(),
        "using": _policies_using(store),
        "q": q,
        "results": results,
        "note": note,
    }
    template = "_search_results.html" if is_htmx(request) else "banks.html"
    return render(request, template, context, viewer=viewer)


@router.get("/banks/{name}")
def bank_page(
    request: Request, name: str, viewer: Reader, offset: Annotated[int, Query(ge=0)] = 0
) -> Response:
    store = runtime(request).store
    bank = store.get_bank(name)
    context = {
        "bank": bank,
        "entries": store.list_entries(name, offset=offset, limit=PAGE),
        "total": store.count_entries(name),
        "offset": offset,
        "page": PAGE,
        "using": _policies_using(store).get(name, []),
        "now": datetime.now(UTC),
    }
    return render(request, "bank.html", context, viewer=viewer)


@router.get("/banks/{name}/export.csv")
def export(
    request: Request, name: str, viewer: Reader, shape: Literal["ombuds", "hma"] = "ombuds"
) -> StreamingResponse:
    store = runtime(request).store
    bank = store.get_bank(name)  # a 404 page before the first byte
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", newline="")  # noqa: SIM115
    write_bank_csv(store.iter_entries(bank.name), cast(TextIO, spool), shape)
    spool.seek(0)
    headers = {
        **SECURITY_HEADERS,
        "Content-Disposition": f'attachment; filename="{bank.name}.{shape}.csv"',
    }
    return StreamingResponse(_drain(spool), media_type="text/csv; charset=utf-8", headers=headers)


def _drain(spool: IO[str]) -> Iterator[str]:
    try:
        while chunk := spool.read(1 << 16):
            yield chunk
    finally:
        spool.close()


@router.post("/banks/{name}/import", dependencies=[Depends(csrf_checked)])
def import_csv(
    request: Request, name: str, viewer: Admin, file: Annotated[UploadFile, File()]
) -> Response:
    rt = runtime(request)
    bank = rt.store.get_bank(name)
    filename = Path(file.filename or "upload.csv").name
    with tempfile.TemporaryDirectory(prefix="ombuds-console-") as folder:
        path = Path(folder) / "upload.csv"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out)
        try:
            result = import_live(
                rt,
                bank,
                path,
                category=None,
                author=viewer.name,
                actor=viewer.actor,
                origin=f"file:{filename}",
            )
        except ImportFileError as exc:
            where = f"line {exc.line}" if exc.line is not None else "the file"
            column = f", column {exc.field}" if exc.field else ""
            flash(request, "error", f"{filename} rejected ({where}{column}): {exc.message}")
            return go_to(request, f"{PREFIX}/banks/{name}")
    flash(
        request,
        "ok",
        f"Imported {filename}: {result.added:,} added, {result.skipped:,} already in the "
        f"bank, {result.repeated:,} repeated in the file.",
    )
    return go_to(request, f"{PREFIX}/banks/{name}")


@router.post("/banks/{name}/entries/{public_id}/state", dependencies=[Depends(csrf_checked)])
def set_state(
    request: Request,
    name: str,
    public_id: str,
    viewer: Admin,
    enabled: Annotated[Literal["true", "false"], Form()],
    reason: Annotated[str, Form(max_length=4_000)] = "",
) -> Response:
    rt = runtime(request)
    ref, entry = rt.store.locate_entry(public_id)
    if entry.bank != name:
        raise Refused(404, f"bank '{name}' has no entry '{public_id}'")
    if "\x00" in reason:
        raise InputError("the reason contains a NUL character", field="reason")
    updated = rt.store.set_entry_state(
        public_id, enabled=enabled == "true", actor=viewer.actor, reason=reason
    )
    rt.refresh({ref: updated})
    verb = "enabled" if updated.enabled else "disabled"
    if not is_htmx(request):
        flash(request, "ok", f"Entry {public_id} {verb}.")
        return go_to(request, f"{PREFIX}/banks/{name}")
    context: dict[str, Any] = {"entry": updated, "now": datetime.now(UTC), "bank_name": name}
    return render(request, "_entry_row.html", context, viewer=viewer)
