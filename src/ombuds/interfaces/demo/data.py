"""The demo's policy set: lexicons, banks and policies, all generated from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from ombuds.domain import Action, Lexicon, LexiconRule, Policy, RuleKind
from ombuds.domain.scope import Scope
from ombuds.interfaces.demo.media import make_document, make_image, make_meme

# Invented vocabulary: harmless-looking stand-ins so the demo ships no real blocklist.
SCAM_TERMS = ["zorbcoin giveaway", "double your zorb", "quarxwallet seed", "glimmerprize claim"]
SCAM_CJK = ["佐布币赠送", "夸克钱包助记词", "闪光奖领取"]
SPAM_TERMS = ["blorpmart deals", "cheap wuzzles", "frobnitz pills"]
HARASS_TERMS = ["snargleface", "grumbletoad"]
COMBINATIONS = [("zorb", "wire", "today"), ("quarx", "password"), ("佐布", "转账")]
_FILLER_TEXT = (
    "hello when are we meeting tomorrow the garden looks great thanks for the photos "
    "see you at the station did you get the tickets lunch was lovely call me later "
    "happy birthday the train is late I will bring the cake 你好 明天见 谢谢 周末愉快 "
    "我们在车站见 照片很好看 生日快乐"
)
FILLER = _FILLER_TEXT.split()


@dataclass
class DemoSet:
    lexicons: list[Lexicon]
    policies: list[Policy]
    banned_images: list[bytes]
    harmless_images: list[bytes]
    banned_files: list[bytes]
    harmless_files: list[bytes]
    memes: list[bytes]
    words: list[str] = field(default_factory=lambda: list(FILLER))


def _lexicons() -> list[Lexicon]:
    rules: list[LexiconRule] = []
    for category, terms in (("scam", SCAM_TERMS + SCAM_CJK), ("spam", SPAM_TERMS)):
        rules += [
            LexiconRule(f"{category}-{i}", RuleKind.TERM, category, terms=(t,))
            for i, t in enumerate(terms)
        ]
    rules += [
        LexiconRule(f"combo-{i}", RuleKind.COMBINATION, "scam", terms=terms)
        for i, terms in enumerate(COMBINATIONS)
    ]
    rules.append(
        LexiconRule("zorb-address", RuleKind.PATTERN, "scam", pattern=r"zorb1[a-z0-9]{20,40}")
    )
    harassment = [
        LexiconRule(f"harass-{i}", RuleKind.TERM, "harassment", terms=(t,))
        for i, t in enumerate(HARASS_TERMS)
    ]
    return [
        Lexicon("demo-scams", tuple(rules), "Invented scam and spam phrases."),
        Lexicon(
            "demo-harassment",
            tuple(harassment),
            "Invented insults; separator tricks are ignored.",
            separator_insensitive=True,
        ),
    ]


def _policies() -> list[Policy]:
    return [
        Policy(
            name="eu-safety",
            scope=Scope.parse('region in ["EU", "UK"]'),
            banks=("demo-known-images", "demo-known-files"),
            lexicons=("demo-scams",),
            actions={
                "scam": Action.BLOCK,
                "spam": Action.LABEL,
                "abuse-imagery": Action.BLOCK,
                "malware": Action.BLOCK,
                "unscannable": Action.REVIEW,
            },
            ground="Terms of Service §4 (fraud, spam, illegal imagery)",
            description="Platform rules for members in the EU and UK.",
            dihedral=True,
            # Near-copies the deferred tier blocks are banked: their next copy stops inline.
            confirm_bank="demo-known-images",
        ),
        Policy(
            name="gardening-civility",
            scope=Scope.parse('community == "gardening" and consent.moderation == true'),
            lexicons=("demo-harassment",),
            actions={"harassment": Action.REVIEW},
            ground="Gardening community rules §2 (be kind)",
            description="A community that opted in to moderation of insults.",
        ),
    ]


def build_demo_set(seed: int) -> DemoSet:
    rng = random.Random(seed)
    images = [make_image(rng) for _ in range(48)]
    files = [make_document(rng, FILLER, f"notes {i}") for i in range(24)]
    return DemoSet(
        lexicons=_lexicons(),
        policies=_policies(),
        banned_images=images[:12],
        harmless_images=images[12:],
        banned_files=files[:6],
        harmless_files=files[6:],
        memes=[make_meme(rng, term) for term in SCAM_TERMS],
    )
