"""OCR: the fake engine, the registry, locate(), the model cache, and a few real reads.

Real RapidOCR reads cost ~0.3-0.6 s each plus ~0.5 s to load the models once; they are
skipped when the `ocr` extra is missing, and the CJK ones when no CJK font is installed
(Debian: fonts-wqy-zenhei).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ombuds.domain import Lexicon, LexiconRule, RuleKind
from ombuds.errors import ConfigError, MissingExtraError
from ombuds.extraction.ocr import (
    MIN_SIDE,
    FakeOcrEngine,
    OcrResult,
    OcrWord,
    RapidOcrEngine,
    locate,
    ocr_engine,
    prepare,
    rapid,
    reading_order,
)
from ombuds.matching.text import compile_lexicons, normalize

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

_LATIN_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)


def _fc_list(pattern: str) -> list[str]:
    if shutil.which("fc-list") is None:
        return []
    out = subprocess.run(
        ["fc-list", pattern, "file"], capture_output=True, text=True, check=False, timeout=30
    ).stdout
    return sorted(line.split(":")[0].strip() for line in out.splitlines() if line.strip())


def latin_font(size: int) -> Font:
    for path in _LATIN_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def cjk_font(size: int) -> Font:
    paths = _fc_list(":lang=zh")
    if not paths:
        pytest.skip("no CJK font installed (Debian: apt-get install fonts-wqy-zenhei)")
    return ImageFont.truetype(paths[0], size)


def render(lines: list[tuple[str, Font]], size: tuple[int, int] = (720, 240)) -> Image.Image:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    y = 24
    for text, font in lines:
        draw.text((24, y), text, font=font, fill=(20, 20, 20))
        y += 72
    return image


def word(text: str, left: int, top: int, right: int, bottom: int) -> OcrWord:
    return OcrWord(text, ((left, top), (right, top), (right, bottom), (left, bottom)), 0.9)


def result_of(*words: OcrWord) -> OcrResult:
    return OcrResult.from_words(words, 1.0)


@pytest.fixture
def fresh_models(monkeypatch: pytest.MonkeyPatch) -> dict[rapid.ModelSettings, Any]:
    """An empty model cache for one test; the process's loaded models come back afterwards."""
    models: dict[rapid.ModelSettings, Any] = {}
    monkeypatch.setattr(rapid, "_models", models)
    return models


def stub_model(
    monkeypatch: pytest.MonkeyPatch, lines: list[Any] | None, calls: list[tuple[int, int]]
) -> None:
    """Replace RapidOCR with a function returning `lines` in its raw output format."""

    def ocr(bgr: np.ndarray) -> tuple[list[Any] | None, list[float] | None]:
        calls.append((bgr.shape[1], bgr.shape[0]))
        return lines, None if lines is None else [0.0, 0.0, 0.0]

    monkeypatch.setattr(rapid, "_load", lambda settings: ocr)


# --- the fake engine and the registry -------------------------------------------------------


def test_fake_reads_canned_text_by_size_then_by_fingerprint() -> None:
    plain = Image.new("RGB", (200, 100), "white")
    marked = plain.copy()
    marked.putpixel((0, 0), (0, 0, 0))
    engine = FakeOcrEngine(
        {(200, 100): "buy now\nlimited offer", FakeOcrEngine.fingerprint(marked): "其他"},
        default="nothing",
    )
    result = engine.read(plain)
    assert result.text == "buy now\nlimited offer"
    assert [w.text for w in result.words] == ["buy now", "limited offer"]
    assert result.words[0].bbox == (0, 0, 199, 49)
    assert result.words[1].bbox == (0, 50, 199, 99)
    assert engine.read(marked).text == "其他"
    assert engine.read(Image.new("L", (300, 300))).text == "nothing"
    assert engine.read(Image.new("RGB", (MIN_SIDE - 1, 500))).text == ""
    assert engine.reads == 4


def test_fake_with_no_entry_reads_nothing() -> None:
    result = FakeOcrEngine().read(Image.new("RGB", (64, 64)))
    assert result.text == ""
    assert result.words == ()


def test_registry(fresh_models: dict[rapid.ModelSettings, Any]) -> None:
    assert isinstance(ocr_engine("fake"), FakeOcrEngine)
    assert isinstance(ocr_engine(), RapidOcrEngine)
    assert fresh_models == {}  # creating the engine loads nothing
    with pytest.raises(ConfigError, match="unknown OCR engine 'tesseract'") as caught:
        ocr_engine("tesseract")
    assert caught.value.field == "ocr"


def test_missing_extra_raises_on_first_use(
    monkeypatch: pytest.MonkeyPatch, fresh_models: dict[rapid.ModelSettings, Any]
) -> None:
    # None in sys.modules makes `import rapidocr_onnxruntime` raise ImportError.
    monkeypatch.setitem(sys.modules, rapid.MODULE, None)
    engine = RapidOcrEngine()  # no error yet: nothing is imported before the first read
    with pytest.raises(MissingExtraError, match=r"rapidocr-onnxruntime.*ombuds\[ocr\]") as err:
        engine.read(Image.new("RGB", (100, 100), "white"))
    assert err.value.extra == "ocr"
    assert isinstance(err.value.__cause__, ImportError)
    assert not rapid.available()
    assert fresh_models == {}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_confidence": 1.5},
        {"max_side": MIN_SIDE - 1},
        {"threads": 0},
    ],
)
def test_rapid_engine_rejects_bad_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be"):
        RapidOcrEngine(**kwargs)


# --- the engine around the model (stubbed) --------------------------------------------------


def test_boxes_map_back_to_original_pixels_and_low_confidence_is_dropped(
    monkeypatch: pytest.MonkeyPatch, fresh_models: dict[rapid.ModelSettings, Any]
) -> None:
    calls: list[tuple[int, int]] = []
    raw = [
        [[[10.0, 20.0], [110.0, 20.0], [110.0, 40.0], [10.0, 40.0]], " second ", 0.9],
        [[[10.0, 0.0], [110.0, 0.0], [110.0, 15.0], [10.0, 15.0]], "first", 0.8],
        [[[10.0, 50.0], [110.0, 50.0], [110.0, 60.0], [10.0, 60.0]], "unsure", 0.3],
        [[[10.0, 70.0], [110.0, 70.0], [110.0, 80.0], [10.0, 80.0]], "  ", 0.99],
    ]
    stub_model(monkeypatch, raw, calls)
    engine = RapidOcrEngine(max_side=400, min_confidence=0.5)
    result = engine.read(Image.new("RGBA", (1600, 800)))
    assert calls == [(400, 200)]  # shrunk by 4 before OCR
    assert result.text == "first\nsecond"
    assert result.words[0].box == ((40, 0), (440, 0), (440, 60), (40, 60))
    assert result.words[1].bbox == (40, 80, 440, 160)
    assert result.elapsed_ms >= 0.0


def test_tiny_and_empty_images_skip_or_survive_the_model(
    monkeypatch: pytest.MonkeyPatch, fresh_models: dict[rapid.ModelSettings, Any]
) -> None:
    calls: list[tuple[int, int]] = []
    stub_model(monkeypatch, None, calls)  # RapidOCR's "nothing detected" is (None, None)
    engine = RapidOcrEngine()
    assert engine.read(Image.new("RGB", (MIN_SIDE - 1, 900))).words == ()
    assert calls == []
    blank = engine.read(Image.new("RGB", (MIN_SIDE, MIN_SIDE)))
    assert (blank.text, blank.words) == ("", ())
    assert calls == [(MIN_SIDE, MIN_SIDE)]


def test_models_load_once_across_threads(
    monkeypatch: pytest.MonkeyPatch, fresh_models: dict[rapid.ModelSettings, Any]
) -> None:
    loads: list[rapid.ModelSettings] = []

    def slow_load(settings: rapid.ModelSettings) -> Callable[..., Any]:
        loads.append(settings)
        time.sleep(0.05)  # widen the race window
        return lambda bgr: (None, None)

    monkeypatch.setattr(rapid, "_load", slow_load)
    engines = [RapidOcrEngine() for _ in range(8)]
    threads = [threading.Thread(target=e.read, args=(Image.new("RGB", (64, 64)),)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    RapidOcrEngine(threads=1).load()  # other settings: their own model
    assert len(loads) == 2
    assert len(fresh_models) == 2


# --- geometry and locate --------------------------------------------------------------------


def test_reading_order_is_rows_then_left_to_right() -> None:
    title = word("Title", 10, 0, 200, 60)
    caption = word("caption", 220, 20, 300, 40)  # beside the taller title: same row
    left = word("left", 10, 100, 90, 120)
    right = word("right", 120, 102, 200, 122)
    assert reading_order([right, caption, left, title]) == (title, caption, left, right)


def test_prepare_shrinks_large_images_and_converts_modes() -> None:
    small, scale = prepare(Image.new("L", (300, 200)), max_side=1600)
    assert (small.mode, small.size, scale) == ("RGB", (300, 200), 1.0)
    shrunk, scale = prepare(Image.new("RGBA", (4000, 1000)), max_side=1600)
    assert (shrunk.mode, shrunk.size, scale) == ("RGB", (1600, 400), 2.5)


def test_locate_by_term_including_across_lines() -> None:
    one = word("Buy CHEAP", 0, 0, 100, 20)
    two = word("watches now", 0, 30, 100, 50)
    three = word("unrelated", 0, 60, 100, 80)
    result = result_of(one, two, three)
    assert locate(result, ["cheap"]) == (one,)
    assert locate(result, ["ｃｈｅａｐ"]) == (one,)  # normalized like the matcher does
    assert locate(result, ["cheap watches"]) == (one, two)  # OCR split the phrase
    assert locate(result, ["now", "buy"]) == (one, two)  # reading order, each once
    assert locate(result, ["absent", ""]) == ()


def test_locate_by_evidence_spans_from_the_matcher() -> None:
    lexicons = [
        Lexicon("spam", (LexiconRule("r1", RuleKind.TERM, "spam", ("cheap watches",)),)),
        Lexicon(
            "dots",
            (LexiconRule("r2", RuleKind.TERM, "spam", ("buy",)),),
            separator_insensitive=True,
        ),
    ]
    matcher = compile_lexicons(lexicons)
    lines = (
        word("B.U.Y", 0, 0, 60, 20),
        word("Cheap", 0, 30, 60, 50),
        word("Watches", 0, 60, 60, 80),
        word("today", 0, 90, 60, 110),
    )
    result = result_of(*lines)
    norm, evidence = matcher.match_with_text(result.text)
    assert norm == normalize(result.text)
    by_rule = {e.rule_id: e for e in evidence}
    assert set(by_rule) == {"r1", "r2"}
    assert locate(result, spans=by_rule["r1"].spans) == lines[1:3]
    # "buy" is nowhere in the text as written; its span still points at the dotted line.
    assert locate(result, by_rule["r2"].matched_text) == ()
    assert locate(result, spans=by_rule["r2"].spans) == lines[:1]


# --- real OCR (the `ocr` extra) -------------------------------------------------------------

needs_extra = pytest.mark.skipif(not rapid.available(), reason="the `ocr` extra is not installed")


@pytest.fixture(scope="module")
def real_engine() -> RapidOcrEngine:
    return RapidOcrEngine()


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@needs_extra
def test_reads_latin_text_and_locates_it(real_engine: RapidOcrEngine) -> None:
    font = latin_font(34)
    image = render([("Meet me at the station", font), ("Cheap watches for sale", font)])
    result = real_engine.read(image)
    text = normalize(result.text)
    for expected in ("meet me at the station", "cheap watches for sale"):
        assert expected in text
    found = locate(result, ["watches"])
    assert len(found) == 1
    drawn = ImageDraw.Draw(image).textbbox((24, 96), "Cheap watches for sale", font=font)
    assert _overlaps(found[0].bbox, (int(drawn[0]), int(drawn[1]), int(drawn[2]), int(drawn[3])))
    assert all(0.5 <= w.confidence <= 1.0 for w in result.words)


@needs_extra
def test_reads_chinese_and_mixed_text(real_engine: RapidOcrEngine) -> None:
    image = render([("加微信免费领取", cjk_font(40)), ("今天 Wi-Fi 密码", cjk_font(36))])
    result = real_engine.read(image)
    text = normalize(result.text).replace(" ", "")
    assert "加微信免费领取" in text
    assert "密码" in text
    assert [w.text for w in locate(result, ["微信"])] == [result.words[0].text]


@needs_extra
def test_blank_image_reads_as_empty(real_engine: RapidOcrEngine) -> None:
    result = real_engine.read(Image.new("RGB", (400, 300), (240, 240, 240)))
    assert result.text == ""
    assert result.words == ()


@needs_extra
def test_loading_and_reading_never_touch_the_network(
    monkeypatch: pytest.MonkeyPatch, fresh_models: dict[rapid.ModelSettings, Any]
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("OCR tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    engine = RapidOcrEngine(threads=1)  # a fresh model load, under the guard
    result = engine.read(render([("offline only", latin_font(34))], size=(400, 120)))
    assert "offline only" in normalize(result.text)


@needs_extra
@pytest.mark.slow
def test_large_image_is_shrunk_and_boxes_fit_the_original(real_engine: RapidOcrEngine) -> None:
    font = latin_font(200)
    image = render([("Visit the market", font)], size=(4000, 1200))
    result = real_engine.read(image)
    assert "visit the market" in normalize(result.text)
    drawn = ImageDraw.Draw(image).textbbox((24, 24), "Visit the market", font=font)
    # In the original's pixels, not the 1600-pixel working copy: within a few pixels of what
    # was drawn (the detector pads its boxes a little).
    for got, want in zip(result.words[0].bbox, drawn, strict=True):
        assert abs(got - want) < 40
