"""Bank entries as CSV, in Ombuds' shape and in HMA's, so lists move between the two.

Ombuds' shape (only the first two columns are required; any subset, in any order):

    signal_type,signal_str,category,provenance,author,reason,expires_at,enabled,tags,disabled_until

HMA's shape (recognised by its `collab` column; `collab` becomes `provenance`):

    signal_type,signal_str,collab,category,tags

`tags` are space-separated in both. Times are ISO 8601 with an offset
(`2030-01-01T00:00:00+00:00` or `...Z`). `enabled` is true/false (also 1/0, yes/no),
default true. An empty category falls back to the importer's default, then the bank's.

Import is all or nothing: every row is validated (signal type known, signal well formed,
times and flags parse) and one bad row rejects the file with its line number. A signal
already in the bank is skipped and counted; a signal repeated within the file is skipped
after its first row (first row wins) and counted separately.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol, TextIO

from ombuds.domain import BankEntry, Signal
from ombuds.errors import ImportFileError, SignalFormatError, UnknownSignalTypeError
from ombuds.records.files.text import not_utf8, text_problem

if TYPE_CHECKING:
    from ombuds.records.store import Store

Shape = Literal["ombuds", "hma"]
OMBUDS_COLUMNS = (
    "signal_type",
    "signal_str",
    "category",
    "provenance",
    "author",
    "reason",
    "expires_at",
    "enabled",
    "tags",
    "disabled_until",
)
HMA_COLUMNS = ("signal_type", "signal_str", "collab", "category", "tags")
REQUIRED_COLUMNS = ("signal_type", "signal_str")
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}


class _SignalParser(Protocol):
    def parse(self, value: str) -> str: ...


class SignalRegistry(Protocol):
    """What the importer needs of `ombuds.matching.signals.SignalTypeRegistry`."""

    def get(self, name: str) -> _SignalParser: ...


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int  # new entries written
    skipped: int  # rows whose signal was already in the bank
    repeated: int = 0  # rows whose signal appeared earlier in the same file


@dataclass
class RowCounts:
    """Filled in by read_bank_csv as it goes."""

    repeated: int = 0


def _default_registry() -> SignalRegistry:
    # Imported late: records sits below matching, and only imports need signal parsing.
    from ombuds.matching.signals import default_registry

    return default_registry()


def _lines(path: str | os.PathLike[str]) -> Iterator[str]:
    """The file's lines decoded one by one, so a bad byte is reported with its line."""
    file = str(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the generator's with
    except OSError as exc:
        raise ImportFileError(f"cannot read the file: {exc.strerror}", file=file) from exc
    with handle:
        empty = True
        for number, raw in enumerate(handle, 1):
            if raw.strip():
                empty = False
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise not_utf8(exc, raw, file, number) from exc
            yield text
        if empty:
            raise ImportFileError("the file is empty", file=file, line=1)


def _time(value: str, line: int, file: str, column: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.utcoffset() is None:
        raise ImportFileError(
            f"expected an ISO 8601 time with an offset (e.g. 2030-01-01T00:00:00Z), got {value!r}",
            file=file,
            line=line,
            field=column,
        )
    return parsed


def read_bank_csv(
    path: str | os.PathLike[str],
    bank: str,
    *,
    category: str,
    author: str = "",
    registry: SignalRegistry | None = None,
    counter: RowCounts | None = None,
) -> Iterator[BankEntry]:
    """Entries of `bank` from a CSV file, validated row by row; raises ImportFileError.

    `category` fills rows with an empty category; `author` rows without an author. Signals
    repeated within the file are dropped after their first row (counted in `counter`).
    """
    file = str(path)
    registry = registry or _default_registry()
    parsers: dict[str, _SignalParser] = {}
    counter = counter or RowCounts()
    reader = csv.reader(_lines(path), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        raise ImportFileError(f"malformed CSV: {exc}", file=file, line=1) from exc
    hma = "collab" in header
    allowed = HMA_COLUMNS if hma else OMBUDS_COLUMNS
    for name in header:
        if name not in allowed or header.count(name) > 1:
            problem = "repeated" if name in allowed else f"unknown (expected {', '.join(allowed)})"
            raise ImportFileError(f"column {name!r} is {problem}", file=file, line=1, field=name)
    for name in REQUIRED_COLUMNS:
        if name not in header:
            raise ImportFileError(f"missing required column {name!r}", file=file, line=1)
    seen: set[tuple[str, str]] = set()
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(f"malformed CSV: {exc}", file=file, line=line) from exc
        if not cells or cells == [""]:
            continue
        if len(cells) != len(header):
            raise ImportFileError(
                f"the row has {len(cells)} fields, the header {len(header)}", file=file, line=line
            )
        row = dict(zip(header, cells, strict=True))
        for column, value in row.items():
            issue = text_problem(value)
            if issue:
                raise ImportFileError(f"the value {issue}", file=file, line=line, field=column)
        signal_type = row["signal_type"].strip()
        try:
            parser = parsers.get(signal_type) or registry.get(signal_type)
            parsers[signal_type] = parser
            value = parser.parse(row["signal_str"])
        except (UnknownSignalTypeError, SignalFormatError) as exc:
            raise ImportFileError(exc.message, file=file, line=line, field=exc.field) from exc
        # Built before the repeat check, so a repeated row is validated like any other.
        entry = _entry(row, bank, Signal(signal_type, value), line, file, category, author, hma)
        if (signal_type, value) in seen:
            counter.repeated += 1
            continue
        seen.add((signal_type, value))
        yield entry


def _entry(
    row: dict[str, str],
    bank: str,
    signal: Signal,
    line: int,
    file: str,
    category: str,
    author: str,
    hma: bool,
) -> BankEntry:
    enabled_text = row.get("enabled", "").strip().lower()
    if enabled_text and enabled_text not in _TRUE | _FALSE:
        raise ImportFileError(
            f"expected true or false, got {row['enabled']!r}", file=file, line=line, field="enabled"
        )
    return BankEntry(
        bank=bank,
        signal=signal,
        category=row.get("category", "").strip() or category,
        provenance=row.get("collab" if hma else "provenance", ""),
        author=row.get("author", "") or author,
        reason=row.get("reason", ""),
        expires_at=_time(row.get("expires_at", "").strip(), line, file, "expires_at"),
        enabled=enabled_text not in _FALSE,
        disabled_until=_time(row.get("disabled_until", "").strip(), line, file, "disabled_until"),
        tags=tuple(row.get("tags", "").split()),
    )


def import_bank_csv(
    store: Store,
    bank_name: str,
    path: str | os.PathLike[str],
    *,
    actor: str,
    default_category: str | None = None,
    author: str = "",
    registry: SignalRegistry | None = None,
) -> ImportResult:
    """Import a bank CSV into an existing bank: all rows or none (one transaction).

    The ledger records `actor` importing the file (by name) and what it added.
    """
    bank = store.get_bank(bank_name)
    counter = RowCounts()
    rows = read_bank_csv(
        path,
        bank.name,
        category=default_category or bank.category,
        author=author,
        registry=registry,
        counter=counter,
    )
    origin = f"file:{os.path.basename(os.fspath(path))}"
    added, skipped = store.import_entries(bank.name, rows, actor=actor, origin=origin)
    return ImportResult(added=added, skipped=skipped, repeated=counter.repeated)


def _time_text(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


def csv_rows(entries: Iterable[BankEntry], shape: Shape = "ombuds") -> Iterator[list[str]]:
    """The header, then one row per entry, in either shape (for writers that stream)."""
    if shape not in ("ombuds", "hma"):
        raise ValueError(f"unknown bank CSV shape {shape!r} (use 'ombuds' or 'hma')")
    yield list(OMBUDS_COLUMNS if shape == "ombuds" else HMA_COLUMNS)
    for e in entries:
        if shape == "hma":
            yield [e.signal.signal_type, e.signal.value, e.provenance, e.category, " ".join(e.tags)]
        else:
            yield [
                e.signal.signal_type,
                e.signal.value,
                e.category,
                e.provenance,
                e.author,
                e.reason,
                _time_text(e.expires_at),
                "true" if e.enabled else "false",
                " ".join(e.tags),
                _time_text(e.disabled_until),
            ]


def write_bank_csv(entries: Iterable[BankEntry], out: TextIO, shape: Shape = "ombuds") -> int:
    """Write entries in either shape; returns the number of rows written.

    Open `out` with `newline=""` (as the csv module asks) so line ends are written as is.
    """
    rows = csv_rows(entries, shape)
    # CRLF as RFC 4180 says; with "\n" the csv module would leave a lone "\r" in a field
    # unquoted, and the file would not read back.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(next(rows))
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def export_bank_csv(store: Store, bank_name: str, out: TextIO, shape: Shape = "ombuds") -> int:
    """Stream a bank's entries to `out`; returns the number of rows written."""
    return write_bank_csv(store.iter_entries(bank_name), out, shape)
