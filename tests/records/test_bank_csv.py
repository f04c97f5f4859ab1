"""Bank CSV import and export, in Ombuds' and HMA's shapes."""

from __future__ import annotations

import io
import string
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.errors import ImportFileError, NotFoundError
from ombuds.records import (
    Store,
    export_bank_csv,
    import_bank_csv,
    read_bank_csv,
    write_bank_csv,
)

HEADER = "signal_type,signal_str,category,provenance,author,reason,expires_at,enabled,tags"


def md5(n: int) -> str:
    return f"{n:032x}"


@pytest.fixture
def bank(store: Store) -> Bank:
    b = Bank("B", "spam")
    store.create_bank(b, actor="test")
    return b


def write(tmp_path: Path, text: str, name: str = "bank.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_ombuds_shape_import(store: Store, bank: Bank, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{HEADER}\n"
        f'md5,{md5(1).upper()},scam,partner,bob,"reported, twice",2030-01-01T00:00:00Z,false,a b\n'
        f"sha256,{'ab' * 32},,,,,,,\n",
    )
    result = import_bank_csv(store, "B", path, author="importer", actor="test")
    assert (result.added, result.skipped, result.repeated) == (2, 0, 0)
    first, second = store.list_entries("B")
    assert first == BankEntry(
        "B",
        Signal("md5", md5(1)),
        "scam",
        provenance="partner",
        author="bob",
        reason="reported, twice",
        expires_at=datetime(2030, 1, 1, tzinfo=UTC),
        enabled=False,
        tags=("a", "b"),
        public_id=first.public_id,
    )
    assert (second.category, second.author, second.enabled) == ("spam", "importer", True)


def test_only_the_signal_columns_are_required(store: Store, bank: Bank, tmp_path: Path) -> None:
    path = write(tmp_path, f"signal_str,signal_type\n{md5(1)},md5\n")
    result = import_bank_csv(store, "B", path, default_category="other", actor="test")
    assert result.added == 1
    assert store.list_entries("B")[0].category == "other"


def test_hma_shape_import(store: Store, bank: Bank, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"signal_type,signal_str,collab,category,tags\nmd5,{md5(5)},NCMEC,csam,hash verified\n",
    )
    import_bank_csv(store, "B", path, actor="test")
    [entry] = store.list_entries("B")
    assert (entry.provenance, entry.category, entry.tags) == ("NCMEC", "csam", ("hash", "verified"))


def _bad_row_at(tmp_path: Path, n_rows: int, bad_line: int, bad: str) -> Path:
    lines = [HEADER] + [f"md5,{md5(i)},,,,,,," for i in range(n_rows)]
    lines[bad_line - 1] = bad
    return write(tmp_path, "\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        ("nosuch,abc,,,,,,,", "signal_type", "unknown signal type"),
        (f"md5,{md5(1)[:-1]}z,,,,,,,", "signal_str", "malformed md5"),
        (f"md5,{md5(1)},,,,,2030-01-01,,", "expires_at", "offset"),
        (f"md5,{md5(1)},,,,,soon,,", "expires_at", "ISO 8601"),
        (f"md5,{md5(1)},,,,,,maybe,", "enabled", "true or false"),
        (f"md5,{md5(1)},,,,,,", None, "8 fields"),
        (f"md5,{md5(1)},,,,bad\x00,,,", "reason", "NUL"),
    ],
)
def test_one_bad_row_rejects_the_file(
    store: Store, bank: Bank, tmp_path: Path, bad: str, field: str | None, message: str
) -> None:
    store.add_entries([BankEntry("B", Signal("md5", "f" * 32), "spam")], actor="test")
    path = _bad_row_at(tmp_path, 300, 201, bad)
    with pytest.raises(ImportFileError) as info:
        import_bank_csv(store, "B", path, actor="test")
    assert (info.value.file, info.value.line, info.value.field) == (str(path), 201, field)
    assert message in info.value.message
    assert store.count_entries("B") == 1


def test_a_bad_row_after_written_batches_rolls_them_back(
    store: Store, bank: Bank, tmp_path: Path
) -> None:
    # Rows are written in batches of 5,000 as they stream in; line 12,001 comes after two.
    path = _bad_row_at(tmp_path, 12_000, 12_001, "md5,xyz,,,,,,,")
    with pytest.raises(ImportFileError) as info:
        import_bank_csv(store, "B", path, actor="test")
    assert (info.value.line, info.value.field) == (12_001, "signal_str")
    assert store.count_entries("B") == 0


def test_line_numbers_count_quoted_newlines(store: Store, bank: Bank, tmp_path: Path) -> None:
    path = write(tmp_path, f'{HEADER}\n\nmd5,{md5(1)},,,,"two\nlines",,,\nmd5,nothex,,,,,,,\n')
    with pytest.raises(ImportFileError) as info:
        import_bank_csv(store, "B", path, actor="test")
    assert info.value.line == 5


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"", 1, "empty"),
        (b"signal_type,signal_str,colour\n", 1, "unknown"),
        (b"signal_type,signal_type,signal_str\n", 1, "repeated"),
        (b"signal_type,category\n", 1, "missing required column 'signal_str'"),
        (HEADER.encode() + b"\nmd5,00000000000000000000000000000000,caf\xe9,,,,,,\n", 2, "UTF-8"),
    ],
)
def test_file_level_errors(
    store: Store, bank: Bank, tmp_path: Path, content: bytes, line: int, message: str
) -> None:
    path = tmp_path / "bank.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as info:
        import_bank_csv(store, "B", path, actor="test")
    assert info.value.line == line
    assert message in info.value.message
    assert store.count_entries("B") == 0


def test_header_only_and_bom(store: Store, bank: Bank, tmp_path: Path) -> None:
    path = tmp_path / "bank.csv"
    path.write_bytes(b"\xef\xbb\xbfsignal_type,signal_str\r\n")
    assert import_bank_csv(store, "B", path, actor="test").added == 0
    path.write_bytes(b"\xef\xbb\xbfsignal_type,signal_str\r\nmd5," + md5(3).encode() + b"\r\n")
    assert import_bank_csv(store, "B", path, actor="test").added == 1
    assert store.list_entries("B")[0].signal.value == md5(3)


def test_duplicates_are_skipped_and_counted(store: Store, bank: Bank, tmp_path: Path) -> None:
    store.add_entries([BankEntry("B", Signal("md5", md5(1)), "spam", reason="first")], actor="test")
    rows = [md5(1), md5(2), md5(2).upper(), md5(3)] + [md5(n) for n in range(10, 6010)]
    path = write(
        tmp_path,
        "signal_type,signal_str,reason\n" + "".join(f"md5,{v},r{i}\n" for i, v in enumerate(rows)),
    )
    result = import_bank_csv(store, "B", path, actor="test")
    assert (result.added, result.skipped, result.repeated) == (6002, 1, 1)
    entries = {e.signal.value: e for e in store.iter_entries("B")}
    assert entries[md5(1)].reason == "first"
    assert entries[md5(2)].reason == "r1"


def test_unknown_bank(store: Store, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        import_bank_csv(store, "nope", write(tmp_path, "signal_type,signal_str\n"), actor="test")


@pytest.mark.parametrize("shape", ["ombuds", "hma"])
def test_export_then_import_round_trip(
    store: Store, bank: Bank, tmp_path: Path, shape: str
) -> None:
    entries = [
        BankEntry(
            "B",
            Signal("md5", md5(n)),
            f"cat{n % 3}",
            provenance=f"p,{n}",
            author="a",
            reason='say "hi"\nbye',
            expires_at=datetime(2030, 1, 1, tzinfo=timezone(timedelta(hours=2))) if n else None,
            enabled=n % 2 == 0,
            disabled_until=datetime(2029, 5, 1, 1, 2, 3, tzinfo=UTC) if n == 3 else None,
            tags=("x", f"t{n}"),
        )
        for n in range(5)
    ]
    store.add_entries(entries, actor="test")
    out = io.StringIO()
    assert export_bank_csv(store, "B", out, shape=shape) == 5  # type: ignore[arg-type]
    store.create_bank(Bank("C", "spam"), actor="test")
    path = write(tmp_path, out.getvalue())
    assert import_bank_csv(store, "C", path, author="a", actor="test").added == 5
    got = [replace(e, public_id="") for e in store.iter_entries("C")]
    if shape == "ombuds":
        assert got == [replace(e, bank="C") for e in entries]
    else:
        assert got == [
            BankEntry("C", e.signal, e.category, provenance=e.provenance, author="a", tags=e.tags)
            for e in entries
        ]


_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
_tags = st.lists(st.text(string.ascii_letters + string.digits + "-_:", min_size=1), max_size=3)
_times = st.none() | st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@st.composite
def _entries(draw: st.DrawFn) -> list[BankEntry]:
    values = draw(st.lists(st.integers(0, 2**128 - 1), unique=True, max_size=8))
    return [
        BankEntry(
            "B",
            Signal("md5", f"{v:032x}"),
            draw(st.text(string.ascii_letters, min_size=1, max_size=8)),
            provenance=draw(_text),
            author=draw(_text.filter(bool)),
            reason=draw(_text),
            expires_at=draw(_times),
            enabled=draw(st.booleans()),
            disabled_until=draw(_times),
            tags=tuple(draw(_tags)),
        )
        for v in values
    ]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(entries=_entries())
def test_csv_write_read_round_trip(tmp_path: Path, entries: list[BankEntry]) -> None:
    out = io.StringIO(newline="")
    write_bank_csv(entries, out)
    path = tmp_path / "rt.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    assert list(read_bank_csv(path, "B", category="unused")) == entries


@pytest.mark.slow
def test_importing_100k_rows_is_quick(store: Store, bank: Bank, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + "\n" + "".join(f"md5,{md5(n)},spam,feed,,,,true,t\n" for n in range(100_000)),
    )
    started = time.perf_counter()
    assert import_bank_csv(store, "B", path, actor="test").added == 100_000
    seconds = time.perf_counter() - started
    assert store.count_entries("B") == 100_000
    assert seconds < 30, f"100k rows took {seconds:.1f} s"
