"""A stream of generated chat: users inside and outside the policies' scopes, text with
evasion tricks, banked and harmless images and files."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from ombuds.domain import AttributeValue, Content, ContentKind
from ombuds.interfaces.demo.data import (
    COMBINATIONS,
    HARASS_TERMS,
    SCAM_CJK,
    SCAM_TERMS,
    SPAM_TERMS,
    DemoSet,
)
from ombuds.interfaces.demo.media import edit_document, mirror, reencode

_LOOKALIKES = str.maketrans({"a": "а", "o": "о", "e": "е", "p": "р", "c": "с"})  # Cyrillic


@dataclass(frozen=True)
class User:
    user_id: str
    attributes: dict[str, AttributeValue]


def make_users(rng: random.Random, count: int = 200) -> list[User]:
    regions = ["EU", "EU", "UK", "US", "BR", "IN", "CN"]
    communities = ["gardening", "chess", "none"]
    return [
        User(
            f"u{i:04d}",
            {
                "region": rng.choice(regions),
                "community": rng.choice(communities),
                "consent.moderation": rng.random() < 0.7,
            },
        )
        for i in range(count)
    ]


def _disguise(rng: random.Random, term: str) -> str:
    trick = rng.randrange(5)
    if trick == 0:  # full-width letters
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in term)
    if trick == 1:  # zero-width spaces inside words
        return "\u200b".join(term)
    if trick == 2:
        return term.translate(_LOOKALIKES)
    if trick == 3:
        return term.upper()
    return term


def _text(rng: random.Random, demo: DemoSet) -> str:
    words = [rng.choice(demo.words) for _ in range(rng.randint(3, 14))]
    roll = rng.random()
    if roll < 0.06:
        words.insert(rng.randrange(len(words) + 1), _disguise(rng, rng.choice(SCAM_TERMS)))
    elif roll < 0.08:
        words.insert(rng.randrange(len(words) + 1), rng.choice(SCAM_CJK))
    elif roll < 0.11:
        words.insert(rng.randrange(len(words) + 1), rng.choice(SPAM_TERMS))
    elif roll < 0.14:
        insult = rng.choice(HARASS_TERMS)
        words.append(rng.choice([insult, ".".join(insult), "-".join(insult), insult.upper()]))
    elif roll < 0.16:
        for term in rng.choice(COMBINATIONS):  # every term, scattered in any order
            words.insert(rng.randrange(len(words) + 1), term)
    elif roll < 0.17:
        words.append("zorb1" + "".join(rng.choice("abcdef0123456789") for _ in range(30)))
    return " ".join(words)


def _image(rng: random.Random, demo: DemoSet) -> bytes:
    roll = rng.random()
    if roll < 0.20:
        return rng.choice(demo.banned_images)
    if roll < 0.28:  # a re-encoded copy: exact hashes miss it, PDQ in the deferred tier won't
        return reencode(rng.choice(demo.banned_images), quality=rng.choice((60, 75, 90)))
    if roll < 0.32:  # a mirror image: only a policy with dihedral matching catches it
        return mirror(rng.choice(demo.banned_images))
    if roll < 0.36:  # image spam: the words are pixels, for OCR to read
        return rng.choice(demo.memes)
    return rng.choice(demo.harmless_images)


def _file(rng: random.Random, demo: DemoSet) -> bytes:
    roll = rng.random()
    if roll < 0.18:
        return rng.choice(demo.banned_files)
    if roll < 0.26:  # an edited copy: only the document fingerprint still matches
        return edit_document(rng, rng.choice(demo.banned_files), demo.words)
    if roll < 0.32:  # a scam pitch inside a document: found in its text
        pitch = f" {rng.choice(SCAM_TERMS)} ".encode()
        return rng.choice(demo.harmless_files).replace(b"<p>", b"<p>" + pitch, 1)
    return rng.choice(demo.harmless_files)


def generate(demo: DemoSet, count: int, seed: int) -> Iterator[Content]:
    rng = random.Random(seed)
    users = make_users(rng)
    for n in range(count):
        user = rng.choice(users)
        conversation = f"c{rng.randrange(400):03d}"
        roll = rng.random()
        text: str | None = None
        data: bytes | None = None
        if roll < 0.70:
            kind, text = ContentKind.TEXT, _text(rng, demo)
        elif roll < 0.88:
            kind, data = ContentKind.IMAGE, _image(rng, demo)
        else:
            kind, data = ContentKind.FILE, _file(rng, demo)
        yield Content(
            f"m{n:06d}",
            kind,
            author_id=user.user_id,
            conversation_id=conversation,
            attributes=user.attributes,
            text=text,
            data=data,
        )
