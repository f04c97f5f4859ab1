"""Generated images and documents. Everything is made here from a seed: no third-party lists."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFont

_PALETTE = [(230, 57, 70), (29, 53, 87), (69, 123, 157), (168, 218, 220), (241, 250, 238),
            (255, 183, 3), (33, 158, 188), (2, 48, 71), (251, 133, 0), (106, 153, 78)]  # fmt: skip


def make_image(rng: random.Random, size: tuple[int, int] = (320, 240)) -> bytes:
    """A PNG of random shapes: distinct per seed, photo-sized enough for later perceptual hashes."""
    image = Image.new("RGB", size, rng.choice(_PALETTE))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(6, 14)):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randint(20, 160), y0 + rng.randint(20, 120)
        shape = rng.choice((draw.rectangle, draw.ellipse))
        shape((x0, y0, x1, y1), fill=rng.choice(_PALETTE))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def reencode(png: bytes, quality: int = 85) -> bytes:
    """The same picture as a JPEG: what a forwarded copy looks like to an exact hash."""
    buffer = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def make_meme(rng: random.Random, caption: str) -> bytes:
    """A picture with a caption banner: text only OCR can read, as in image spam."""
    picture = Image.open(io.BytesIO(make_image(rng, (480, 360)))).convert("RGB")
    draw = ImageDraw.Draw(picture)
    words = caption.upper().split()
    top = 360 - 44 * len(words) - 10
    draw.rectangle((0, top, 480, 360), fill=(255, 255, 255))
    font = ImageFont.load_default(size=34)
    # One word per line: OCR drops narrow word gaps, and lexicon terms match whole words.
    for n, word in enumerate(words):
        draw.text((18, top + 8 + 44 * n), word, fill=(0, 0, 0), font=font)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def edit_document(rng: random.Random, html: bytes, words: list[str]) -> bytes:
    """The same document with a few words changed: a new file hash, the same fingerprint."""
    tokens = html.decode().split(" ")
    for _ in range(3):
        tokens[rng.randrange(1, len(tokens) - 1)] = rng.choice(words)
    return " ".join(tokens).encode()


def mirror(png: bytes) -> bytes:
    """The picture flipped left to right: caught only where a policy matches mirror images."""
    buffer = io.BytesIO()
    image = Image.open(io.BytesIO(png)).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def make_document(rng: random.Random, words: list[str], title: str) -> bytes:
    """A small HTML document of generated prose."""
    paragraphs = [" ".join(rng.choice(words) for _ in range(rng.randint(30, 80))) for _ in range(4)]
    body = "".join(f"<p>{p}.</p>" for p in paragraphs)
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode()
