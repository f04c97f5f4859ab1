"""The deferred tier: perceptual matching after delivery, decisions that supersede."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Collection, Mapping
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ombuds.domain import (
    Action,
    Bank,
    BankEntry,
    Content,
    ContentKind,
    Decision,
    Policy,
    Reason,
    Signal,
    Tier,
)
from ombuds.domain.scope import Scope
from ombuds.engine import Engine, MemorySink
from ombuds.engine.banks import BankMatcher
from ombuds.engine.deferred.analysis import DIHEDRAL, OCR, PDQ
from ombuds.engine.deferred.matchers import PerceptualMatcher
from ombuds.engine.deferred.tier import DeferredTier, analyses_for
from ombuds.matching.exact_index import ExactIndex
from ombuds.matching.perceptual import PDQIndex
from ombuds.matching.signals import default_registry
from ombuds.matching.signals.pdq import PDQSignal
from ombuds.matching.text import compile_lexicons
from ombuds.queue import queue_backend
from ombuds.settings import Settings

from .conftest import NOW


def photo(seed: int, size: tuple[int, int] = (480, 360)) -> Image.Image:
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        box = (x, y, x + rng.randint(30, 200), y + rng.randint(30, 150))
        draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    return image


def encode(image: Image.Image, fmt: str = "PNG", **kw: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **kw)
    return out.getvalue()


ORIGINAL = photo(1)
BANKED = encode(ORIGINAL)


def pdq_of(data: bytes) -> str:
    signal = PDQSignal().compute(Content("x", ContentKind.IMAGE, data=data))
    assert signal is not None
    return signal.value


def setup(
    *, dihedral: bool = False, threshold: int | None = None, queue: str = "sync"
) -> tuple[Engine, MemorySink, list[Decision]]:
    entry = BankEntry("photos", Signal("pdq", pdq_of(BANKED)), "abuse", public_id="be_pdq")
    index = PDQIndex()
    index.add(entry.signal.value, 1)

    def resolve(ids: Collection[int]) -> Mapping[int, BankEntry]:
        return {1: entry} if 1 in ids else {}

    policy = Policy(
        "eu",
        Scope.parse('region == "EU"'),
        banks=("photos",),
        actions={"abuse": Action.BLOCK, "unscannable": Action.REVIEW},
        dihedral=dihedral,
    )
    settings = Settings(ocr=False, queue=queue)  # type: ignore[arg-type]
    sink, pushed = MemorySink(), []
    tier = DeferredTier(
        queue_factory=lambda handler, done: queue_backend(queue, handler, done),
        perceptual=PerceptualMatcher(
            index, resolve, {"photos": Bank("photos", "abuse", threshold=threshold)}
        ),
        text=compile_lexicons([]),
        settings=settings,
        clock=lambda: NOW,
        sink=sink,
        on_decision=pushed.append,
    )
    engine = Engine(
        [policy],
        text=compile_lexicons([]),
        banks=BankMatcher(ExactIndex(), resolve, default_registry()),
        settings=settings,
        sink=sink,
        clock=lambda: NOW,
        deferred=tier,
    )
    return engine, sink, pushed


def submit(engine: Engine, data: bytes, region: str = "EU") -> Decision:
    return engine.submit(
        Content("c1", ContentKind.IMAGE, data=data, author_id="u1", attributes={"region": region})
    )


def test_a_reencoded_copy_is_allowed_inline_then_blocked_after_delivery() -> None:
    engine, sink, pushed = setup()
    inline = submit(engine, encode(ORIGINAL, "JPEG", quality=70))
    assert inline.action is Action.ALLOW and inline.tier is Tier.INLINE
    assert [s.signal_type for s in inline.signals] == ["md5", "sha256"]
    (later,) = pushed
    assert later.tier is Tier.DEFERRED and later.supersedes == inline.decision_id
    assert later.action is Action.BLOCK and later.reason is Reason.MATCHED
    hit = later.evidence[0]
    assert (hit.signal_type, hit.rule_id, hit.transform) == ("pdq", "be_pdq", "original")
    assert hit.distance is not None and 0 <= hit.distance <= 31
    assert "pdq" in later.signal_types and later.notice is not None
    assert sink.decisions == [inline, later]


def test_an_unrelated_image_stays_allowed_and_the_deferred_decision_says_so() -> None:
    engine, _, pushed = setup()
    submit(engine, encode(photo(2)))
    assert pushed[0].action is Action.ALLOW and pushed[0].reason is Reason.NO_MATCH


def test_rotations_match_only_where_the_policy_asks() -> None:
    rotated = encode(ORIGINAL.transpose(Image.Transpose.ROTATE_90))
    plain, _, pushed_plain = setup(dihedral=False)
    submit(plain, rotated)
    assert pushed_plain[0].action is Action.ALLOW
    turning, _, pushed = setup(dihedral=True)
    submit(turning, rotated)
    assert pushed[0].action is Action.BLOCK
    assert pushed[0].evidence[0].transform == "rotate270"


def test_a_bank_threshold_narrows_matches() -> None:
    copy = encode(ORIGINAL.resize((240, 180)).resize((480, 360)), "JPEG", quality=40)
    distance = (
        PDQIndex.build(
            np.frombuffer(bytes.fromhex(pdq_of(BANKED)), np.uint8).reshape(1, 32),
            np.array([1], dtype=np.int64),
        )
        .query(pdq_of(copy), threshold=256)[0]
        .distance
    )
    assert distance > 0
    strict, _, pushed = setup(threshold=distance - 1)
    submit(strict, copy)
    assert pushed[0].action is Action.ALLOW


def test_corrupt_image_is_unscannable_and_the_policy_decides() -> None:
    engine, _, pushed = setup()
    inline = submit(engine, BANKED[: len(BANKED) // 3])
    assert inline.action is Action.ALLOW
    assert pushed[0].reason is Reason.UNSCANNABLE and pushed[0].action is Action.REVIEW
    assert pushed[0].detail


def test_out_of_scope_and_blocked_content_is_not_scheduled() -> None:
    engine, _, pushed = setup()
    submit(engine, BANKED, region="US")
    assert pushed == []


def test_analyses_follow_the_policies() -> None:
    image = Content("i", ContentKind.IMAGE, data=b"x")
    doc = Content("f", ContentKind.FILE, data=b"x")
    banks_only = Policy("a", Scope.parse("true"), banks=("b",))
    with_words = replace(banks_only, lexicons=("l",))
    turning = replace(banks_only, dihedral=True)
    assert analyses_for(image, [banks_only], ocr=True) == {PDQ}
    assert analyses_for(image, [with_words], ocr=True) == {PDQ, OCR}
    assert analyses_for(image, [with_words], ocr=False) == {PDQ}
    assert analyses_for(image, [turning], ocr=True) == {DIHEDRAL}
    assert analyses_for(doc, [Policy("n", Scope.parse("true"))], ocr=True) == frozenset()


def test_worker_processes_decide_while_submit_returns_at_once() -> None:
    engine, _, pushed = setup(queue="process")
    try:
        inline = submit(engine, encode(ORIGINAL, "JPEG", quality=80))
        assert inline.action is Action.ALLOW
        deferred = engine.deferred
        assert deferred is not None and deferred.drain(timeout=60)
        assert pushed[0].action is Action.BLOCK and pushed[0].supersedes == inline.decision_id
    finally:
        engine.close()


def png_declaring(width: int, height: int) -> bytes:
    """A decompression bomb's header: a huge canvas, almost no data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b"<svg/>",
        bytes(range(256)),
        png_declaring(100_000, 100_000),
        b"%PDF-1.4 a document, sent as an image",
    ],
    ids=["truncated-png", "svg", "noise", "pixel-bomb", "pdf-called-image"],
)
def test_garbage_never_reaches_a_block(garbage: bytes) -> None:
    engine, _, pushed = setup()
    submit(engine, garbage)
    assert pushed[0].reason is Reason.UNSCANNABLE and pushed[0].action is Action.REVIEW


def test_inline_signals_are_kept_on_decisions_for_banking_later() -> None:
    engine, _, pushed = setup()
    inline = submit(engine, encode(photo(3)))
    assert {s.signal_type for s in pushed[0].signals} == {"md5", "sha256", "pdq"}
    assert pushed[0].signals[:2] == inline.signals
