"""Value objects: plain slotted dataclasses when run, frozen ones to the type checker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from mypy import api

from ombuds.domain import Content, ContentKind

SNIPPET = """
from ombuds.domain import Content, Decision, Evidence, Notice
from ombuds.engine.verdict import Verdict

def change(c: Content, d: Decision, e: Evidence, n: Notice, v: Verdict) -> None:
    c.text = "x"
    d.action = d.action
    e.name = "x"
    n.ground = "x"
    v.category = "x"
"""


def test_values_compare_by_value_and_are_replaced_not_changed() -> None:
    a = Content.of_text("m1", "hi", attributes={"region": "EU"})
    b = Content.of_text("m1", "hi", attributes={"region": "EU"})
    assert a == b and a is not b
    assert replace(a, text="bye").text == "bye" and a.text == "hi"
    assert a.kind is ContentKind.TEXT


@pytest.mark.slow
def test_the_type_checker_refuses_every_assignment_to_a_field(tmp_path: Path) -> None:
    source = tmp_path / "change.py"
    source.write_text(SNIPPET)
    out, _err, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(source)]
    )
    assert status == 1
    assert out.count("is read-only") == 5, out
