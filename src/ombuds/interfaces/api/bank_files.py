"""Bank files over HTTP: import a CSV (Ombuds' shape or HMA's), export as CSV or JSON lines.

An import is all or nothing, like `ombuds bank import`: a bad row rejects the file with its
line. Its new entries are in force for the next lookup. An export streams from the store
in batches, so a bank of millions costs the server no more memory than one of ten.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import StreamingResponse

from ombuds.domain import Bank, BankEntry
from ombuds.errors import ImportFileError, InputError
from ombuds.interfaces.api.auth import Caller, allow, runtime_of
from ombuds.interfaces.api.bank_models import ImportOut
from ombuds.interfaces.api.banks import entry_out, learn_added
from ombuds.interfaces.api.errors import ERROR_RESPONSES
from ombuds.interfaces.api.runtime import Runtime
from ombuds.records.files.bank_csv import (
    ImportResult,
    RowCounts,
    Shape,
    csv_rows,
    read_bank_csv,
)
from ombuds.records.ids import new_public_id
from ombuds.records.repos.keys import Role

router = APIRouter(prefix="/v1/banks", tags=["banks"])

Admin = Annotated[Caller, Depends(allow(Role.ADMIN))]
Readers = Annotated[Caller, Depends(allow(Role.ADMIN, Role.MODERATOR, Role.AUDITOR))]

_ROWS_PER_CHUNK = 1_000


class ExportFormat(StrEnum):
    CSV = "csv"  # Ombuds' CSV shape: every field, reads back with `ombuds bank import`
    HMA = "hma"  # HMA's CSV shape (pytx): signal_type,signal_str,collab,category,tags
    JSONL = "jsonl"  # one entry per line, as GET .../entries shows it


_MEDIA = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.HMA: "text/csv; charset=utf-8",
    ExportFormat.JSONL: "application/x-ndjson",
}


def _located(exc: ImportFileError) -> InputError:
    """The file's problem as an API error: the line in the message, the column as field."""
    where = f"line {exc.line}: " if exc.line is not None else ""
    return InputError(f"{where}{exc.message}", field=exc.field or "file")


@router.post(
    "/{name}/import",
    responses={200: {"model": ImportOut}, **ERROR_RESPONSES},
    summary="Import a bank CSV (Ombuds' or HMA's shape), all rows or none",
)
def import_file(
    request: Request,
    name: str,
    caller: Admin,
    file: Annotated[UploadFile, File(description="The CSV; its header says the shape.")],
    category: Annotated[
        str | None, Query(min_length=1, description="For rows without one (default: bank's)")
    ] = None,
) -> dict[str, Any]:
    runtime = runtime_of(request)
    bank = runtime.store.get_bank(name)
    origin = f"file:{Path(file.filename or 'upload.csv').name}"
    with tempfile.TemporaryDirectory(prefix="ombuds-import-") as folder:
        # Read from a file, as the CLI does: errors then carry the line they are on.
        path = Path(folder) / "upload.csv"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out)
        shape = "hma" if "collab" in _header(path) else "ombuds"
        try:
            result = import_live(
                runtime,
                bank,
                path,
                category=category,
                author=caller.name,
                actor=caller.actor,
                origin=origin,
            )
        except ImportFileError as exc:
            raise _located(exc) from None
    return {"shape": shape, **asdict(result)}


def import_live(
    runtime: Runtime,
    bank: Bank,
    path: Path,
    *,
    category: str | None,
    author: str,
    actor: str,
    origin: str,
) -> ImportResult:
    """Import a bank CSV, all rows or none (ImportFileError), and have the running engine
    learn the entries it added."""
    fresh: list[BankEntry] = []

    def numbered(entries: Iterable[BankEntry]) -> Iterator[BankEntry]:
        # Public ids given here tell which rows the store added and which it skipped.
        for entry in entries:
            fresh.append(replace(entry, public_id=new_public_id("be")))
            yield fresh[-1]

    counts = RowCounts()
    rows = read_bank_csv(
        path, bank.name, category=category or bank.category, author=author, counter=counts
    )
    added, skipped = runtime.store.import_entries(
        bank.name, numbered(rows), actor=actor, origin=origin
    )
    if added:
        learn_added(runtime, fresh)  # the skipped rows' ids were never stored
    return ImportResult(added=added, skipped=skipped, repeated=counts.repeated)


def _header(path: Path) -> str:
    with path.open("rb") as fh:
        return fh.readline().decode("utf-8", errors="replace")


@router.get(
    "/{name}/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The bank's entries, oldest first, streamed.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        },
        **ERROR_RESPONSES,
    },
    summary="Export a bank as CSV (Ombuds' or HMA's shape) or JSON lines",
)
def export(
    request: Request,
    name: str,
    _caller: Readers,
    format: Annotated[ExportFormat, Query(description="csv, hma or jsonl")] = ExportFormat.CSV,
) -> StreamingResponse:
    store = runtime_of(request).store
    bank = store.get_bank(name)  # a 404 before the first byte, not in the middle
    entries = store.iter_entries(bank.name)
    if format is ExportFormat.JSONL:
        body = _json_lines(entries)
    else:
        body = _csv_text(entries, "hma" if format is ExportFormat.HMA else "ombuds")
    suffix = "jsonl" if format is ExportFormat.JSONL else "csv"
    disposition = f'attachment; filename="{bank.name}.{suffix}"'
    return StreamingResponse(
        body, media_type=_MEDIA[format], headers={"Content-Disposition": disposition}
    )


def _csv_text(entries: Iterable[BankEntry], shape: Shape) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for count, row in enumerate(csv_rows(entries, shape), 1):
        writer.writerow(row)
        if count % _ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_lines(entries: Iterable[BankEntry]) -> Iterator[str]:
    lines: list[str] = []
    for entry in entries:
        lines.append(json.dumps(entry_out(entry), ensure_ascii=False) + "\n")
        if len(lines) == _ROWS_PER_CHUNK:
            yield "".join(lines)
            lines.clear()
    yield "".join(lines)
