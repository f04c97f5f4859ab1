"""Bank CSV import (Ombuds' and HMA's shapes) and streamed export, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ombuds.records import Store
from ombuds.records.files.bank_csv import HMA_COLUMNS, OMBUDS_COLUMNS

from .backends import running_api, submit
from .conftest import BAD_BYTES, Api


@pytest.fixture
def api(store: Store, tmp_path: Path) -> Iterator[Api]:
    with running_api(store, tmp_path) as running:
        yield running


def md5(n: int) -> str:
    return hashlib.md5(f"file {n}".encode()).hexdigest()


def upload(api: Api, bank: str, text: str, **params: str) -> tuple[int, dict[str, object]]:
    files = {"file": ("list.csv", text.encode(), "text/csv")}
    r = api.client.post(
        f"/v1/banks/{bank}/import", files=files, params=params, headers=api.as_("admin")
    )
    return r.status_code, r.json()


def test_ombuds_csv_import_is_matched_at_once(api: Api) -> None:
    api.store.remove_entry("known", "md5", hashlib.md5(BAD_BYTES).hexdigest(), actor="test")
    assert submit(api) == "allow"
    bad = hashlib.md5(BAD_BYTES).hexdigest()
    text = (
        "signal_type,signal_str,reason,enabled\r\n"
        f"md5,{bad.upper()},seen in the wild,true\r\n"
        f"md5,{md5(1)},parked,false\r\n"
        f"md5,{bad},repeated row,true\r\n"
    )
    status, body = upload(api, "known", text)
    assert (status, body) == (200, {"shape": "ombuds", "added": 2, "skipped": 0, "repeated": 1})
    assert submit(api) == "block"
    assert submit(api, b"file 1") == "allow"  # imported disabled
    status, body = upload(api, "known", text)
    assert body == {"shape": "ombuds", "added": 0, "skipped": 2, "repeated": 1}
    page = api.client.get("/v1/banks/known/entries", headers=api.as_("auditor")).json()
    assert [(e["reason"], e["author"], e["active"]) for e in page["entries"]] == [
        ("seen in the wild", "admin-key", True),
        ("parked", "admin-key", False),
    ]


def test_hma_csv_import_keeps_collab_as_provenance(api: Api) -> None:
    admin = api.as_("admin")
    api.client.post("/v1/banks", json={"name": "HMA_LIST", "category": "spam"}, headers=admin)
    text = "signal_type,signal_str,collab,category,tags\n" + "".join(
        f"md5,{md5(n)},SHARED_LIST,,a b\n" for n in range(3)
    )
    status, body = upload(api, "HMA_LIST", text, category="imported")
    assert (status, body["shape"], body["added"]) == (200, "hma", 3)
    entries = api.client.get("/v1/banks/HMA_LIST/entries", headers=admin).json()["entries"]
    assert {(e["provenance"], e["category"], tuple(e["tags"])) for e in entries} == {
        ("SHARED_LIST", "imported", ("a", "b"))
    }


def test_a_bad_row_rejects_the_file_with_its_line(api: Api) -> None:
    text = f"signal_type,signal_str\nmd5,{md5(1)}\nmd5,not-hex\n"
    status, body = upload(api, "known", text)
    assert status == 422
    error = body["error"]
    assert error["field"] == "signal_str" and error["message"].startswith("line 3: ")  # type: ignore[index]
    assert api.store.count_entries("known") == 1  # the good row before it is not kept
    status, body = upload(api, "known", "signal_type,signal_str,colour\nmd5,aa,red\n")
    assert status == 422 and body["error"]["field"] == "colour"  # type: ignore[index]
    status, body = upload(api, "missing", text)
    assert status == 404


def test_export_streams_every_shape(api: Api) -> None:
    rows = "".join(f"md5,{md5(n)},r{n}\n" for n in range(2_500))
    status, _ = upload(api, "known", "signal_type,signal_str,reason\n" + rows)
    assert status == 200
    reader = api.as_("auditor")
    r = api.client.get("/v1/banks/known/export", headers=reader)
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="known.csv"'
    table = list(csv.reader(io.StringIO(r.text)))
    assert tuple(table[0]) == OMBUDS_COLUMNS
    assert len(table) == 1 + 2_501 and table[2][5] == "r0"
    # What was exported reads back: a fresh bank takes the same rows.
    api.client.post("/v1/banks", json={"name": "copy", "category": "x"}, headers=api.as_("admin"))
    status, body = upload(api, "copy", r.text)
    assert (status, body["added"]) == (200, 2_501)

    r = api.client.get("/v1/banks/known/export?format=hma", headers=reader)
    table = list(csv.reader(io.StringIO(r.text)))
    assert tuple(table[0]) == HMA_COLUMNS and len(table) == 2_502

    r = api.client.get("/v1/banks/known/export", params={"format": "jsonl"}, headers=reader)
    assert r.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in r.text.splitlines()]
    page = api.client.get("/v1/banks/known/entries?offset=1&limit=3", headers=reader).json()
    assert page["total"] == 2_501 and page["entries"] == lines[1:4]

    assert api.client.get("/v1/banks/nope/export", headers=reader).status_code == 404
    bad = api.client.get("/v1/banks/known/export?format=xml", headers=reader)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "format"
    assert api.client.get("/v1/banks/known/export", headers=api.as_("platform")).status_code == 403
