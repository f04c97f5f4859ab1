"""Inline text matching benchmark: normalization + lexicon matching per chat message.

    .venv/bin/python bench/text_inline.py              # full run (~2 minutes)
    .venv/bin/python bench/text_inline.py --quick      # smaller lexicon, for a smoke test

Generates, from a seeded RNG (no third-party lists), a lexicon of N terms (half random Latin
words, half random CJK strings) plus combinations and a few patterns, and chat messages
(20-200 chars, Latin / CJK / mixed, a few % carrying terms, some with full-width, zero-width
or Cyrillic look-alike disguises). Each backend is built and measured in its own worker
process, several times, interleaved, so build memory is measured on a clean heap and the
noisy machine's drift hits both backends alike. Reports medians.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import hashlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ombuds.domain import Lexicon, LexiconRule, RuleKind
from ombuds.matching.text import compile_lexicons, normalize

CJK_BASE, CJK_SPAN = 0x4E00, 3000  # a common-ish slice of Han, shared by terms and messages
# fmt: off
CHAT_WORDS = (
    "the", "be", "to", "of", "and", "a", "in", "that", "have", "i", "it", "for", "not", "on",
    "with", "he", "as", "you", "do", "at", "this", "but", "his", "by", "from", "they", "we",
    "say", "her", "she", "or", "an", "will", "my", "one", "all", "would", "there", "their",
    "what", "so", "up", "out", "if", "about", "who", "get", "which", "go", "me", "when", "make",
    "can", "like", "time", "no", "just", "him", "know", "take", "people", "into", "year", "your",
    "good", "some", "could", "them", "see", "other", "than", "then", "now", "look", "only",
    "come", "its", "over", "think", "also", "back", "after", "use", "two", "how", "our", "work",
    "first", "well", "way", "even", "new", "want", "because", "any", "these", "give", "day",
    "most", "us", "lol", "ok", "thanks", "see", "you", "tomorrow", "meeting", "coffee", "weekend",
    "photo", "video", "link", "game", "dinner",
)
# fmt: on
LOOKALIKE = str.maketrans({"a": "а", "o": "о", "e": "е", "p": "р", "c": "с"})
PATTERNS = (
    r"buy\s+now",
    r"free\s+(?:money|crypto|gift)",
    r"\b(?:bit\.ly|tinyurl\.com)/\w+",
    r"whats?app\s*\+?\d{6,}",
    r"(?:\d[ -]?){13,16}",
    r"earn\s+\$?\d+\s*(?:per|a)\s*day",
    r"加(?:微信|v信|薇信)",
    r"点击(?:链接|领取)",
    r"t\.me/\w+",
    r"telegram\s*@\w+",
)


def rss_kib() -> tuple[int, int]:
    """(current RSS, peak RSS) of this process in KiB, from /proc."""
    now = peak = 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            now = int(line.split()[1])
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1])
    return now, peak


def trim_heap() -> None:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: RSS keeps freed pages
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def latin_word(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 10)))


def cjk_string(rng: random.Random) -> str:
    n = rng.choices((2, 3, 4, 5), weights=(1, 4, 4, 1))[0]
    return "".join(chr(CJK_BASE + rng.randrange(CJK_SPAN)) for _ in range(n))


@dataclass
class Workload:
    lexicons: list[Lexicon]
    messages: list[str]


def make_workload(
    terms: int, combos: int, messages: int, seed: int, separators: bool = False
) -> Workload:
    rng = random.Random(seed)
    vocab = set(CHAT_WORDS)
    latin: set[str] = set()
    while len(latin) < terms // 2:
        w = latin_word(rng)
        if w not in vocab:
            latin.add(w)
    cjk: set[str] = set()
    while len(cjk) < terms - terms // 2:
        cjk.add(cjk_string(rng))
    all_terms = sorted(latin) + sorted(cjk)
    rng.shuffle(all_terms)
    categories = ("hate", "spam", "violence", "sexual", "political")
    term_rules = tuple(
        LexiconRule(f"t{i}", RuleKind.TERM, categories[i % 5], (t,))
        for i, t in enumerate(all_terms)
    )
    combo_terms: list[tuple[str, ...]] = []
    for _ in range(combos):
        k = rng.choice((2, 2, 3))
        combo_terms.append(
            tuple(latin_word(rng) if rng.random() < 0.5 else cjk_string(rng) for _ in range(k))
        )
    combo_rules = tuple(
        LexiconRule(f"c{i}", RuleKind.COMBINATION, categories[i % 5], ts)
        for i, ts in enumerate(combo_terms)
    )
    pattern_rules = tuple(
        LexiconRule(f"p{i}", RuleKind.PATTERN, "spam", pattern=p) for i, p in enumerate(PATTERNS)
    )
    lexicons = [
        Lexicon("bench-terms", term_rules, separator_insensitive=separators),
        Lexicon("bench-combinations", combo_rules),
        Lexicon("bench-patterns", pattern_rules),
    ]
    return Workload(lexicons, [make_message(rng, all_terms, combo_terms) for _ in range(messages)])


def make_message(rng: random.Random, terms: list[str], combos: list[tuple[str, ...]]) -> str:
    target = rng.randint(20, 200)
    kind = rng.choices(("latin", "cjk", "mixed"), weights=(45, 35, 20))[0]
    parts: list[str] = []
    size = 0
    while size < target:
        if kind == "latin" or (kind == "mixed" and rng.random() < 0.5):
            piece = rng.choice(CHAT_WORDS) + rng.choice(("", "", "", "", ",", "!", "?", "."))
            piece += " "
        else:
            n = rng.randint(2, 8)
            piece = "".join(chr(CJK_BASE + rng.randrange(CJK_SPAN)) for _ in range(n))
            piece += rng.choice(("", "，", "。", "！"))
        parts.append(piece)
        size += len(piece)
    roll = rng.random()
    if roll < 0.03:  # carries a term
        parts.insert(rng.randrange(len(parts) + 1), f" {rng.choice(terms)} ")
    elif roll < 0.035:  # carries every term of a combination, in any order
        for t in rng.choice(combos):
            parts.insert(rng.randrange(len(parts) + 1), f" {t} ")
    text = "".join(parts).strip()[:200]
    disguise = rng.random()
    if disguise < 0.03:  # full-width
        text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    elif disguise < 0.05:  # zero-width characters between letters
        text = "\u200b".join(text[i : i + 3] for i in range(0, len(text), 3))
    elif disguise < 0.07:  # Cyrillic look-alikes
        text = text.translate(LOOKALIKE)
    return text


def percentile(sorted_ns: list[int], q: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1000.0


def worker(args: argparse.Namespace) -> dict[str, Any]:
    work = make_workload(args.terms, args.combinations, args.messages, args.seed, args.separators)
    messages = work.messages
    for m in messages[:50]:  # warm the normalization tables outside the build timing
        normalize(m)
    before, _ = rss_kib()
    t0 = time.perf_counter()
    matcher = compile_lexicons(work.lexicons, backend=args.worker)
    build_s = time.perf_counter() - t0
    _, peak = rss_kib()
    trim_heap()  # return memory the compiler freed, so RSS shows what the matcher keeps
    after, _ = rss_kib()
    native = matcher.automaton.native_bytes()
    digest = hashlib.sha256()
    hit = 0
    for m in messages:
        ev = matcher.match(m)
        hit += bool(ev)
        digest.update(repr([(e.name, e.rule_id, e.spans) for e in ev]).encode())
    rates: list[float] = []
    p50: list[float] = []
    p99: list[float] = []
    norm_rates: list[float] = []
    clock = time.perf_counter_ns
    for _ in range(args.passes):
        t0 = time.perf_counter()
        for m in messages:
            matcher.match(m)
        rates.append(len(messages) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        for m in messages:
            normalize(m)
        norm_rates.append(len(messages) / (time.perf_counter() - t0))
        lat: list[int] = []
        for m in messages:
            s = clock()
            matcher.match(m)
            lat.append(clock() - s)
        lat.sort()
        p50.append(percentile(lat, 0.50))
        p99.append(percentile(lat, 0.99))
    return {
        "backend": args.worker,
        "build_s": build_s,
        "rss_mib": (after - before) / 1024,
        "peak_rss_mib": peak / 1024,
        "native_mib": None if native is None else native / 2**20,
        "rules": matcher.rule_count,
        "hit_rate": hit / len(messages),
        "digest": digest.hexdigest(),
        "msgs_per_s": rates,
        "norm_per_s": norm_rates,
        "p50_us": p50,
        "p99_us": p99,
        "mean_len": statistics.fmean(len(m) for m in messages),
    }


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--terms", type=int, default=100_000)
    p.add_argument("--combinations", type=int, default=1_000)
    p.add_argument("--messages", type=int, default=20_000)
    p.add_argument("--passes", type=int, default=3, help="timed passes per build")
    p.add_argument("--builds", type=int, default=3, help="builds (worker processes) per backend")
    p.add_argument("--backends", default="hyperscan,pyahocorasick")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--separators", action="store_true", help="term lexicon ignores separators")
    p.add_argument("--quick", action="store_true", help="10k terms, 5k messages, 1 build")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.quick:
        args.terms, args.messages, args.builds = 10_000, 5_000, 1
    if args.worker:
        print(json.dumps(worker(args)))
        return
    console = Console(width=140)
    backends = args.backends.split(",")
    runs: Runs = {b: [] for b in backends}
    forwarded = [f"--{k}={getattr(args, k)}" for k in ("terms", "combinations", "messages")]
    forwarded += [f"--passes={args.passes}", f"--seed={args.seed}"]
    forwarded += ["--separators"] if args.separators else []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console,
    ) as progress:  # fmt: skip
        task = progress.add_task("benchmark", total=args.builds * len(backends))
        for rep in range(args.builds):
            for b in backends:
                progress.update(task, description=f"build {rep + 1}/{args.builds}: {b}")
                cmd = [sys.executable, __file__, f"--worker={b}", *forwarded]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                runs[b].append(json.loads(out))
                progress.advance(task)
    report(console, args, runs)


Runs = dict[str, list[dict[str, Any]]]


def report(console: Console, args: argparse.Namespace, runs: Runs) -> None:
    def med(b: str, key: str) -> float:
        vals = [v for r in runs[b] for v in (r[key] if isinstance(r[key], list) else [r[key]])]
        return statistics.median(vals)

    first = next(iter(runs.values()))[0]
    table = Table(
        title=f"Inline text matching: {first['rules']:,} rules, {args.messages:,} messages "
        f"(mean {first['mean_len']:.0f} chars), {first['hit_rate']:.1%} with a match"
    )
    for col in ("backend", "build s", "RSS +MiB", "native MiB", "peak RSS MiB", "msgs/s",
                "p50 µs", "p99 µs", "normalize-only msgs/s"):  # fmt: skip
        table.add_column(col, justify="right" if col != "backend" else "left")
    for b in runs:
        table.add_row(
            b,
            f"{med(b, 'build_s'):.2f}",
            f"{med(b, 'rss_mib'):.0f}",
            "-" if runs[b][0]["native_mib"] is None else f"{med(b, 'native_mib'):.1f}",
            f"{med(b, 'peak_rss_mib'):.0f}",
            f"{med(b, 'msgs_per_s'):,.0f}",
            f"{med(b, 'p50_us'):.1f}",
            f"{med(b, 'p99_us'):.1f}",
            f"{med(b, 'norm_per_s'):,.0f}",
        )
    console.print(table)
    digests = {r["digest"] for rs in runs.values() for r in rs}
    same = "identical" if len(digests) == 1 else "DIFFERENT"
    console.print(f"evidence of all backends on all messages: {same}")
    console.print(f"machine: {machine()}; medians of {args.builds} builds x {args.passes} passes")


if __name__ == "__main__":
    main()
