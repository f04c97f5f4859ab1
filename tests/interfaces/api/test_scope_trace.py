"""Content outside every policy's scope leaves no trace: no row in any table, no log line
with its ids, no metric, no ledger entry (key use included). The same items sent in scope
leave all of those, which shows the checks can see a trace when there is one."""

from __future__ import annotations

import base64
import logging
import re

import pytest
from sqlalchemy import MetaData, select
from tests.interfaces.api.conftest import BAD_BYTES, Api

MARK = "tracecanary"


def _items(region: str) -> list[dict[str, object]]:
    attrs = {"region": region}
    return [
        {
            "content_id": f"{MARK}-text-{region}",
            "kind": "text",
            "text": "zorbcoin giveaway today",
            "author_id": f"{MARK}-author",
            "conversation_id": f"{MARK}-chat",
            "attributes": attrs,
        },
        {
            "content_id": f"{MARK}-image-{region}",
            "kind": "image",
            "data_base64": base64.b64encode(BAD_BYTES).decode(),
            "author_id": f"{MARK}-author",
            "attributes": attrs,
        },
    ]


def _send(api: Api, region: str) -> None:
    headers = api.as_("platform")
    text, image = _items(region)
    assert api.client.post("/v1/content", json=text, headers=headers).status_code == 200
    assert api.client.post("/v1/content", json=image, headers=headers).status_code == 200
    batch = {"items": [{**i, "content_id": f"{i['content_id']}-b"} for i in (text, image)]}
    assert api.client.post("/v1/content/batch", json=batch, headers=headers).status_code == 200
    upload = api.client.post(
        "/v1/content/upload",
        data={"content_id": f"{MARK}-upload-{region}", "attributes": f'{{"region": "{region}"}}'},
        files={"file": ("x.bin", BAD_BYTES, "application/octet-stream")},
        headers=headers,
    )
    assert upload.status_code == 200, upload.text


def _database(api: Api) -> str:
    """Every row of every table, as one text to search."""
    meta = MetaData()
    meta.reflect(api.store.engine)
    rows: list[str] = []
    with api.store.engine.connect() as conn:
        for table in meta.sorted_tables:
            rows.extend(f"{table.name}: {tuple(r)}" for r in conn.execute(select(table)))
    return "\n".join(rows)


def _metrics(api: Api) -> list[str]:
    """Sample lines that could move with content: not process stats, not the scrapes."""
    text = api.client.get("/metrics", headers=api.as_("auditor")).text
    return [
        line
        for line in text.splitlines()
        if not line.startswith(("#", "ombuds_process_", "ombuds_ready"))
        and 'route="/metrics"' not in line
    ]


def _traces(api: Api, caplog: pytest.LogCaptureFixture, region: str) -> tuple[str, str, bool]:
    before_metrics = _metrics(api)
    api.runtime.key_use.flush()  # the scrape's own key use, before the database is read
    before_db = _database(api)
    with caplog.at_level(logging.DEBUG):
        _send(api, region)
        api.runtime.key_use.flush()
    after_db, after_metrics = _database(api), _metrics(api)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    new_rows = "\n".join(set(after_db.splitlines()) - set(before_db.splitlines()))
    return new_rows, logged, before_metrics != after_metrics


def test_out_of_scope_content_leaves_no_trace(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    new_rows, logged, metrics_moved = _traces(api, caplog, "US")
    assert new_rows == ""  # no decision, notice, case, ledger or key-use row
    assert MARK not in logged
    assert not metrics_moved


def test_the_same_content_in_scope_leaves_its_trace(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    new_rows, _logged, metrics_moved = _traces(api, caplog, "EU")
    assert re.search(rf"decisions: .*{MARK}-text-EU", new_rows)
    assert re.search(r"ledger\w*: .*key_use", new_rows)
    assert metrics_moved
