"""OCR latency and accuracy on generated images with known text (Latin, Chinese, mixed).

    .venv/bin/python bench/ocr.py [--images 60] [--repeats 3] [--threads N] [--markdown]

Renders seeded images: 1-4 lines of random English words or common Chinese characters (or
one of each), in the installed DejaVu / Liberation / CJK fonts at 18-60 px (scaled with
the image), on white, tinted, dark, gradient or noisy backgrounds, some re-encoded as
low-quality JPEG; sizes from 480x160 to 3000x2000 (the largest are shrunk to 1600 px before
OCR). Then, after loading the models and one warm-up read:

  latency   per image the median of --repeats reads (RapidOcrEngine.read: conversion,
            downscale, detection, classification, recognition); p50/p95/max over images
  accuracy  per script, after ombuds normalization with whitespace removed (the model drops
            spaces between CJK characters and sometimes between Latin words):
            CER = edit distance / expected characters, summed over images;
            line recall = expected lines found verbatim in the OCR text;
            term recall = Latin words (>= 4 letters) or Chinese character pairs found.
Needs the `ocr` extra and, for the Chinese images, a CJK font (Debian: fonts-wqy-zenhei).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ombuds.extraction.ocr import RapidOcrEngine
from ombuds.matching.text import normalize

_WORDS = (
    "about account after again agent answer apple around back bank before black border "
    "bring build call camera card cheap city class clean close coffee color common cover "
    "credit daily dance dinner doctor double dream drive early earth energy evening event "
    "exact family fast field final first flight follow forest free friend garden giant "
    "glass green group happy health heavy hello history hotel house image island join "
    "kitchen large later laugh learn letter light little local lucky market meeting method "
    "middle money morning mother mountain music nature never night north number ocean "
    "offer office online order paper party people phone picture place plant police power "
    "price private public quick radio reason record river safety school second secret "
    "service share shop silver simple small smile social south special spring station "
    "street strong student summer table teacher ticket today total travel truth under "
    "union update video village visit water weather window winter world yellow young zero "
)
LATIN_WORDS = tuple(_WORDS.split())

# 400 frequent simplified Chinese characters (all in the recognition model's alphabet).
CJK_CHARS = (
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过"
    "家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所"
    "本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全"
    "工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教"
    "西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性"
    "通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲"
    "界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认"
    "算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红"
    "治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写"
    "呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首"
)

BACKGROUNDS = ("white", "tint", "dark", "gradient", "noise", "jpeg")
SIZES = ((480, 160), (640, 360), (800, 600), (1080, 1080), (1280, 720), (2400, 1600), (3000, 2000))


@dataclass(frozen=True)
class Sample:
    script: str  # "latin", "cjk" or "mixed"
    lines: tuple[tuple[str, str], ...]  # (script of the line, text)
    image: Image.Image
    background: str


@dataclass(frozen=True)
class Measured:
    sample: Sample
    median_ms: float
    text: str


def fonts(pattern: str, fallback: Sequence[str]) -> list[str]:
    found = [p for p in fallback if Path(p).exists()]
    try:
        out = subprocess.run(
            ["fc-list", pattern, "file"], capture_output=True, text=True, check=False
        ).stdout
    except FileNotFoundError:
        return found
    listed = sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})
    return found or listed


def latin_fonts() -> list[str]:
    base = "/usr/share/fonts/truetype/"
    names = ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "DejaVuSans-Bold.ttf")
    return fonts(
        ":lang=en:style=Book",
        [base + "dejavu/" + n for n in names]
        + [
            base + "liberation/LiberationSans-Regular.ttf",
            base + "liberation/LiberationSerif-Regular.ttf",
        ],
    )


def line_text(rng: np.random.Generator, script: str) -> str:
    if script == "latin":
        words = rng.choice(LATIN_WORDS, size=int(rng.integers(2, 6)))
        text = " ".join(str(w) for w in words)
        return text.capitalize() if rng.random() < 0.5 else text
    return "".join(str(c) for c in rng.choice(list(CJK_CHARS), size=int(rng.integers(4, 11))))


def fit(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    # Drop trailing words (Latin) or characters (CJK) until the line fits the image.
    while font.getlength(text) > width and len(text) > 2:
        text = text.rsplit(" ", 1)[0] if " " in text else text[:-1]
    return text


def background(rng: np.random.Generator, kind: str, size: tuple[int, int]) -> Image.Image:
    width, height = size
    if kind == "tint":
        return Image.new("RGB", size, tuple(int(c) for c in rng.integers(190, 256, 3)))
    if kind == "dark":
        return Image.new("RGB", size, tuple(int(c) for c in rng.integers(0, 60, 3)))
    if kind == "gradient":
        x = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
        start, end = rng.integers(170, 256, 3), rng.integers(170, 256, 3)
        row = start + (end - start) * x
        return Image.fromarray(np.repeat(row, height, axis=0).astype(np.uint8))
    return Image.new("RGB", size, "white")


def make_sample(rng: np.random.Generator, latin: list[str], cjk: list[str]) -> Sample:
    script = str(rng.choice(["latin", "cjk", "mixed"] if cjk else ["latin"]))
    size = SIZES[int(rng.integers(len(SIZES)))]
    kind = str(rng.choice(BACKGROUNDS))
    image = background(rng, kind, size)
    draw = ImageDraw.Draw(image)
    ink = (235, 235, 235) if kind == "dark" else tuple(int(c) for c in rng.integers(0, 70, 3))
    scale = max(1.0, min(size) / 600)
    count = 2 if script == "mixed" else int(rng.integers(1, 5))
    lines: list[tuple[str, str]] = []
    y = int(rng.integers(8, 30))
    for index in range(count):
        line_script = ("latin", "cjk")[index % 2] if script == "mixed" else script
        path = str(rng.choice(latin if line_script == "latin" else cjk))
        font = ImageFont.truetype(path, int(rng.integers(18, 61) * scale))
        x = int(rng.integers(8, 40))
        text = fit(line_text(rng, line_script), font, size[0] - x - 8)
        _, top, _, bottom = (int(v) for v in font.getbbox(text))
        if y + bottom + 8 > size[1]:
            break
        draw.text((x, y), text, font=font, fill=ink)
        lines.append((line_script, text))
        y += bottom - top + int(rng.integers(int(0.6 * (bottom - top)), 2 * (bottom - top)))
    if kind == "noise":
        noisy = np.asarray(image, dtype=np.int16) + rng.normal(0, 14, (size[1], size[0], 3))
        image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    elif kind == "jpeg":
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=int(rng.integers(25, 50)))
        image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return Sample(script, tuple(lines), image, kind)


def edits(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def squash(text: str) -> str:
    return "".join(normalize(text).split())


@dataclass
class Score:
    chars: int = 0
    errors: int = 0
    lines: int = 0
    lines_found: int = 0
    terms: int = 0
    terms_found: int = 0

    def add(self, expected: str, got: str, script: str) -> None:
        want = squash(expected)
        self.chars += len(want)
        self.lines += 1
        self.lines_found += want in got
        if script == "latin":
            terms = [squash(w) for w in expected.split() if len(w) >= 4]
        else:
            terms = [want[i : i + 2] for i in range(len(want) - 1)]
        self.terms += len(terms)
        self.terms_found += sum(t in got for t in terms)


def score(results: list[Measured]) -> dict[str, Score]:
    scores = {"latin": Score(), "cjk": Score()}
    for result in results:
        got = squash(result.text)
        for script, text in result.sample.lines:
            scores[script].add(text, got, script)
        # CER per script from lines in reading order: the expected text of one script against
        # the OCR lines that share its script (a line with any CJK character counts as CJK).
        for script in ("latin", "cjk"):
            want = "".join(squash(t) for s, t in result.sample.lines if s == script)
            mine = "".join(
                squash(line)
                for line in result.text.splitlines()
                if (script == "cjk") == any("\u4e00" <= c <= "\u9fff" for c in line)
            )
            if want:
                scores[script].errors += edits(want, mine)
    return scores


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"nproc={os.cpu_count()}, {model}, Python {platform.python_version()}, "
        f"rapidocr-onnxruntime {version('rapidocr-onnxruntime')}, "
        f"onnxruntime {version('onnxruntime')}, opencv-python {version('opencv-python')}, "
        f"load average {load}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="onnxruntime threads")
    parser.add_argument("--max-side", type=int, default=1600, help="RapidOcrEngine max_side")
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    args = parser.parse_args()
    console = Console()
    console.print(machine())

    latin, cjk = latin_fonts(), fonts(":lang=zh", [])
    if not cjk:
        console.print("[yellow]no CJK font: Latin images only (apt-get install fonts-wqy-zenhei)")
    rng = np.random.default_rng(args.seed)
    samples = [make_sample(rng, latin, cjk) for _ in range(args.images)]

    engine = RapidOcrEngine(threads=args.threads, max_side=args.max_side)
    started = time.perf_counter()
    engine.load()
    load_s = time.perf_counter() - started
    engine.read(samples[0].image)  # warm-up: first inference allocates onnxruntime buffers

    results: list[Measured] = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("OCR", total=len(samples) * args.repeats)
        for sample in samples:
            times, text = [], ""
            for _ in range(args.repeats):
                result = engine.read(sample.image)
                times.append(result.elapsed_ms)
                text = result.text
                progress.advance(task)
            results.append(Measured(sample, statistics.median(times), text))

    latency = Table(title=f"OCR latency, ms (median of {args.repeats} reads per image)")
    for column in ("images", "n", "p50", "p95", "max"):
        latency.add_column(column, justify="right")
    groups: dict[str, list[float]] = {"all": [r.median_ms for r in results]}
    for r in results:
        side = "large (> 1600 px, shrunk)" if max(r.sample.image.size) > 1600 else "<= 1600 px"
        groups.setdefault(side, []).append(r.median_ms)
        groups.setdefault(r.sample.script, []).append(r.median_ms)
    rows = []
    for name, values in groups.items():
        row = (
            name,
            str(len(values)),
            *(f"{v:.0f}" for v in (percentile(values, 50), percentile(values, 95), max(values))),
        )
        rows.append(row)
        latency.add_row(*row)
    console.print(latency)
    console.print(f"model load: {load_s:.2f} s")

    accuracy = Table(title="OCR accuracy (normalized, whitespace removed)")
    for column in ("script", "lines", "chars", "CER", "line recall", "term recall"):
        accuracy.add_column(column, justify="right")
    acc_rows = []
    for script, s in score(results).items():
        if not s.lines:
            continue
        row = (
            script,
            str(s.lines),
            str(s.chars),
            f"{s.errors / s.chars:.3f}",
            f"{s.lines_found / s.lines:.3f}",
            f"{s.terms_found / s.terms:.3f}" if s.terms else "-",
        )
        acc_rows.append(row)
        accuracy.add_row(*row)
    console.print(accuracy)
    misses = [
        (r.sample.background, r.sample.image.size, t, r.text.replace("\n", " | "))
        for r in results
        for _, t in r.sample.lines
        if squash(t) not in squash(r.text)
    ]
    for miss in misses[:12]:
        console.print(f"missed line: {miss}", markup=False)

    if args.markdown:
        print("| images | n | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print("\n| script | lines | chars | CER | line recall | term recall |")
        print("|---|---:|---:|---:|---:|---:|")
        for row in acc_rows:
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
