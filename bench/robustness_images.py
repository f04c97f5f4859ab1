"""Seeded photo-like images and the transforms of the PDQ robustness benchmark.

Used by bench/pdq_robustness.py. The generator has to make unrelated images that do not
collide under PDQ, which only sees the luma of a 64x64 blur: compositions (landscape,
gradient, cloud field, still life), palettes and the scale of the texture all vary with the
seed, so the low-frequency structure PDQ hashes varies too. Coordinates are relative, so a
256x192 distractor is drawn from the same distribution as a 640x480 original.
"""

from __future__ import annotations

import colorsys
import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

Pixels = npt.NDArray[np.uint8]
Floats = npt.NDArray[np.float32]

# Bump when the generator or a transform changes, so cached stage outputs are not reused.
GENERATOR_VERSION = 1


def _palette(rng: np.random.Generator, count: int) -> Floats:
    """`count` RGB colours in 0..1 from one of a few schemes real photos tend to have."""
    scheme = rng.integers(0, 4)
    base = rng.uniform(0, 1)
    colours = []
    for i in range(count):
        if scheme == 0:  # analogous hues, as in landscapes and interiors
            hue = base + rng.uniform(-0.08, 0.08)
        elif scheme == 1:  # complementary pairs
            hue = base + 0.5 * (i % 2) + rng.uniform(-0.04, 0.04)
        else:  # anything goes
            hue = rng.uniform(0, 1)
        saturation = rng.uniform(0.05, 0.35) if scheme == 3 else rng.uniform(0.25, 0.95)
        value = rng.uniform(0.2, 1.0)
        colours.append(colorsys.hsv_to_rgb(hue % 1.0, saturation, value))
    return np.asarray(colours, dtype=np.float32)


def _fractal_noise(rng: np.random.Generator, height: int, width: int, beta: float) -> Floats:
    """1/f^beta noise in -1..1: natural images have roughly this power spectrum (beta ~2)."""
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    radius = np.sqrt(fx * fx + fy * fy)
    radius[0, 0] = 1.0
    spectrum = (rng.normal(size=radius.shape) + 1j * rng.normal(size=radius.shape)) / radius ** (
        beta / 2
    )
    spectrum[0, 0] = 0
    field = np.fft.irfft2(spectrum, s=(height, width)).astype(np.float32)
    normalised: Floats = field / (np.abs(field).max() + 1e-6)
    return normalised


def _lerp(colours: Floats, t: Floats) -> Floats:
    """Map t in 0..1 through a colour ramp: H x W x 3."""
    t = np.clip(t, 0, 1) * (len(colours) - 1)
    low = np.floor(t).astype(np.int32).clip(0, len(colours) - 2)
    frac = (t - low)[..., None]
    ramp: Floats = colours[low] * (1 - frac) + colours[low + 1] * frac
    return ramp


def photo(seed: int, width: int = 640, height: int = 480) -> Pixels:
    """A seeded photo-like H x W x 3 uint8 image."""
    rng = np.random.default_rng([GENERATOR_VERSION, seed])
    colours = _palette(rng, 5)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    y /= height
    x /= width
    cloud = _fractal_noise(rng, height, width, rng.uniform(1.8, 3.2))
    composition = rng.integers(0, 4)
    if composition == 0:  # landscape: sky, horizon at a random height and tilt, ground
        horizon = rng.uniform(0.25, 0.75) + rng.uniform(-0.2, 0.2) * (x - 0.5)
        horizon = horizon + 0.08 * cloud
        sky = _lerp(colours[:2], y / np.maximum(horizon, 1e-3))
        ground = _lerp(colours[2:4], (y - horizon) / np.maximum(1 - horizon, 1e-3))
        image = np.where((y < horizon)[..., None], sky, ground)
    elif composition == 1:  # linear gradient in a random direction
        angle = rng.uniform(0, 2 * np.pi)
        t = (x - 0.5) * np.cos(angle) + (y - 0.5) * np.sin(angle) + 0.5
        image = _lerp(colours[rng.permutation(5)[:3]], t + 0.15 * cloud)
    elif composition == 2:  # cloud field: the noise itself, mapped through the palette
        image = _lerp(colours, 0.5 + 0.6 * cloud)
    else:  # still life: radial light around a random centre
        cx, cy = rng.uniform(0.2, 0.8, 2)
        t = np.sqrt((x - cx) ** 2 + (y - cy) ** 2) * rng.uniform(1.2, 2.5)
        image = _lerp(colours[rng.permutation(5)[:3]], t + 0.1 * cloud)

    canvas = Image.fromarray((np.clip(image, 0, 1) * 255).astype(np.uint8)).convert("RGBA")
    # Objects: blurred shapes at several sizes, each drawn on its own layer so the blur
    # (depth of field) differs between them.
    for _ in range(int(rng.integers(3, 12))):
        size = rng.uniform(0.05, 0.45)
        w, h = size * width * rng.uniform(0.5, 1.5), size * height * rng.uniform(0.5, 1.5)
        blur = rng.uniform(0, 0.012) * width
        # Drawn on a layer just large enough for the shape and its blur: blurring a
        # full-size layer per shape would triple the generation time.
        margin = int(3 * blur) + 2
        lw, lh = int(w) + 2 * margin, int(h) + 2 * margin
        left = int(rng.uniform(0, 1) * width - lw / 2)
        top = int(rng.uniform(0, 1) * height - lh / 2)
        layer = Image.new("RGBA", (lw, lh), (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        box = (margin, margin, margin + w, margin + h)
        red, green, blue = (int(c * 255) for c in colours[rng.integers(0, 5)])
        colour = (red, green, blue, int(rng.integers(150, 256)))
        kind = rng.integers(0, 3)
        if kind == 0:
            draw.ellipse(box, fill=colour)
        elif kind == 1:
            draw.rectangle(box, fill=colour)
        else:
            cx, cy = lw / 2, lh / 2
            points = [
                (
                    cx + w / 2 * np.cos(a) * rng.uniform(0.4, 1),
                    cy + h / 2 * np.sin(a) * rng.uniform(0.4, 1),
                )
                for a in np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(3, 8))))
            ]
            draw.polygon(points, fill=colour)
        if blur > 0.5:
            layer = layer.filter(ImageFilter.GaussianBlur(blur))
        # alpha_composite wants the layer inside the canvas: clip it to the visible part.
        src = (max(0, -left), max(0, -top), min(lw, width - left), min(lh, height - top))
        if src[0] < src[2] and src[1] < src[3]:
            canvas.alpha_composite(layer, dest=(max(0, left), max(0, top)), source=src)

    pixels = np.asarray(canvas.convert("RGB"), dtype=np.float32) / 255
    # Lighting: a soft, off-centre vignette, and texture whose grain scales with the image.
    cx, cy = rng.uniform(0.3, 0.7, 2)
    vignette = 1 - rng.uniform(0, 0.5) * ((x - cx) ** 2 + (y - cy) ** 2)
    texture = _fractal_noise(rng, height, width, rng.uniform(0.8, 1.6))
    pixels = pixels * vignette[..., None] + rng.uniform(0.02, 0.08) * texture[..., None]
    pixels += rng.normal(0, rng.uniform(0.005, 0.02), pixels.shape).astype(np.float32)
    out: Pixels = (np.clip(pixels, 0, 1) * 255).astype(np.uint8)
    return out


def encode(image: Image.Image, fmt: str = "JPEG", quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.save(buffer, "JPEG", quality=quality)
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()


@dataclass(frozen=True)
class Transform:
    """One edit at one strength. `apply` gets the original and a per-image seeded rng and
    returns the bytes a user would upload (JPEG q90 unless the edit says otherwise)."""

    key: str
    family: str
    strength: str
    apply: Callable[[Image.Image, np.random.Generator], bytes]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, size))


def _resize(scale: float) -> Callable[[Image.Image, np.random.Generator], bytes]:
    def apply(image: Image.Image, rng: np.random.Generator) -> bytes:
        size = (round(image.width * scale), round(image.height * scale))
        return encode(image.resize(size, Image.Resampling.LANCZOS))

    return apply


def _jpeg(quality: int) -> Callable[[Image.Image, np.random.Generator], bytes]:
    def apply(image: Image.Image, rng: np.random.Generator) -> bytes:
        return encode(image, quality=quality)

    return apply


def _crop(fraction: float) -> Callable[[Image.Image, np.random.Generator], bytes]:
    # Keeps (1 - fraction) of each side at a random offset: the cut may all come off one
    # edge, as when someone crops a photo to its subject.
    def apply(image: Image.Image, rng: np.random.Generator) -> bytes:
        keep_w, keep_h = round(image.width * (1 - fraction)), round(image.height * (1 - fraction))
        left = int(rng.integers(0, image.width - keep_w + 1))
        top = int(rng.integers(0, image.height - keep_h + 1))
        return encode(image.crop((left, top, left + keep_w, top + keep_h)))

    return apply


def _border(fraction: float) -> Callable[[Image.Image, np.random.Generator], bytes]:
    # Padding on every side, fraction of the width/height each; black, white or grey, as
    # letterboxing and "fit to square" apps do.
    def apply(image: Image.Image, rng: np.random.Generator) -> bytes:
        fill = [(0, 0, 0), (255, 255, 255), (128, 128, 128)][int(rng.integers(0, 3))]
        pad = (round(image.width * fraction), round(image.height * fraction))
        return encode(ImageOps.expand(image, border=pad + pad, fill=fill))

    return apply


def _dihedral(op: Image.Transpose) -> Callable[[Image.Image, np.random.Generator], bytes]:
    def apply(image: Image.Image, rng: np.random.Generator) -> bytes:
        return encode(image.transpose(op))

    return apply


def _rotate(degrees: float) -> Callable[[Image.Image, np.random.Generator], bytes]:
    # Same canvas, corners filled black, direction random: a straightened or skewed photo.
    def apply(image: Image.Image, rng: np.random.Generator) -> bytes:
        sign = 1 if rng.random() < 0.5 else -1
        return encode(image.rotate(sign * degrees, Image.Resampling.BICUBIC, fillcolor=(0, 0, 0)))

    return apply


def _hue(shift: float) -> Callable[[Image.Image, np.random.Generator], bytes]:
    def apply(image: Image.Image, rng: np.random.Generator) -> bytes:
        hsv = np.asarray(image.convert("HSV")).copy()
        hsv[..., 0] = (hsv[..., 0].astype(np.int16) + round(shift * 256)) % 256
        return encode(Image.fromarray(hsv, "HSV").convert("RGB"))

    return apply


def _enhance(
    kind: type[ImageEnhance.Color] | type[ImageEnhance.Brightness], factor: float
) -> Callable[[Image.Image, np.random.Generator], bytes]:
    def apply(image: Image.Image, rng: np.random.Generator) -> bytes:
        return encode(kind(image).enhance(factor))

    return apply


def _greyscale(image: Image.Image, rng: np.random.Generator) -> bytes:
    return encode(image.convert("L").convert("RGB"))


def _caption(image: Image.Image, rng: np.random.Generator) -> bytes:
    # Meme-style: outlined white text across the top and bottom of the picture itself.
    out = image.copy()
    draw = ImageDraw.Draw(out)
    font = _font(image.height // 9)
    for text, y in (("WHEN THE MONDAY", 0.04), ("HITS DIFFERENT", 0.82)):
        draw.text(
            (image.width / 2, image.height * y),
            text,
            font=font,
            fill="white",
            anchor="ma",
            stroke_width=max(2, image.height // 120),
            stroke_fill="black",
        )
    return encode(out)


def _banner(image: Image.Image, rng: np.random.Generator) -> bytes:
    # A solid caption bar over the bottom fifth, as news and quote cards do.
    out = image.copy()
    draw = ImageDraw.Draw(out)
    top = round(image.height * 0.8)
    draw.rectangle((0, top, image.width, image.height), fill=(20, 20, 20))
    draw.text(
        (image.width * 0.04, top + image.height * 0.05),
        "Breaking: you will not believe this",
        font=_font(image.height // 16),
        fill="white",
    )
    return encode(out)


def _phone(image: Image.Image, rng: np.random.Generator) -> bytes:
    # A portrait chat-app screenshot (PNG, as phones save them): status bar, header, the
    # photo at full screen width, message bubbles and an input bar around it.
    width = 540
    height = 1170
    shot = Image.new("RGB", (width, height), (245, 245, 245))
    draw = ImageDraw.Draw(shot)
    draw.rectangle((0, 0, width, 44), fill=(30, 30, 30))
    draw.text((18, 12), "9:41", font=_font(20), fill="white")
    draw.text((width - 110, 12), "5G  87%", font=_font(20), fill="white")
    draw.rectangle((0, 44, width, 130), fill=(7, 94, 84))
    draw.ellipse((16, 60, 70, 114), fill=(200, 200, 200))
    draw.text((86, 72), "Group chat", font=_font(28), fill="white")
    draw.rounded_rectangle((20, 160, 380, 240), 18, fill="white")
    draw.text((40, 185), "look what I found", font=_font(24), fill=(40, 40, 40))
    photo_h = round(width * image.height / image.width)
    shot.paste(image.resize((width - 40, photo_h - 30), Image.Resampling.LANCZOS), (20, 270))
    bubble_top = 270 + photo_h
    draw.rounded_rectangle((160, bubble_top, 520, bubble_top + 80), 18, fill=(220, 248, 198))
    draw.text((180, bubble_top + 25), "no way, source?", font=_font(24), fill=(40, 40, 40))
    draw.rectangle((0, height - 90, width, height), fill="white")
    draw.rounded_rectangle((16, height - 74, width - 90, height - 18), 28, outline=(180, 180, 180))
    draw.ellipse((width - 74, height - 74, width - 18, height - 18), fill=(7, 94, 84))
    return encode(shot, "PNG")


def _desktop(image: Image.Image, rng: np.random.Generator) -> bytes:
    # A browser window screenshot (PNG): tabs, address bar, a sidebar of text, and the
    # photo at about half the window's width.
    width, height = 1280, 800
    shot = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(shot)
    draw.rectangle((0, 0, width, 40), fill=(222, 225, 230))
    for i in range(3):
        fill = "white" if i == 0 else (200, 204, 210)
        draw.rounded_rectangle((10 + i * 230, 6, 230 + i * 230, 40), 8, fill=fill)
        draw.text((24 + i * 230, 14), f"Tab {i + 1} - news", font=_font(15), fill=(60, 60, 60))
    draw.rectangle((0, 40, width, 84), fill="white")
    draw.rounded_rectangle((110, 48, width - 120, 78), 15, fill=(241, 243, 244))
    draw.text((130, 54), "https://example.com/article/2024/06", font=_font(16), fill="black")
    draw.line((0, 84, width, 84), fill=(210, 210, 210))
    draw.text((80, 110), "Local news: an unusual sight", font=_font(34), fill="black")
    photo_w = 620
    photo_h = round(photo_w * image.height / image.width)
    shot.paste(image.resize((photo_w, photo_h), Image.Resampling.LANCZOS), (80, 170))
    for row in range(16):
        y = 180 + row * 30
        draw.line((760, y, 760 + int(rng.integers(250, 440)), y), fill=(150, 150, 150), width=8)
    draw.text((80, 190 + photo_h), "Photo: reader submission", font=_font(16), fill="grey")
    return encode(shot, "PNG")


T = Image.Transpose
TRANSFORMS: tuple[Transform, ...] = (
    Transform("identity", "re-encode", "JPEG q90", _jpeg(90)),
    Transform("resize-0.5", "resize", "0.5x", _resize(0.5)),
    Transform("resize-0.25", "resize", "0.25x", _resize(0.25)),
    Transform("jpeg-70", "JPEG", "q70", _jpeg(70)),
    Transform("jpeg-30", "JPEG", "q30", _jpeg(30)),
    Transform("jpeg-10", "JPEG", "q10", _jpeg(10)),
    Transform("crop-2", "crop", "2 %", _crop(0.02)),
    Transform("crop-5", "crop", "5 %", _crop(0.05)),
    Transform("crop-10", "crop", "10 %", _crop(0.10)),
    Transform("crop-20", "crop", "20 %", _crop(0.20)),
    Transform("border-2", "border/padding", "2 %", _border(0.02)),
    Transform("border-5", "border/padding", "5 %", _border(0.05)),
    Transform("border-15", "border/padding", "15 %", _border(0.15)),
    Transform("mirror", "mirror", "horizontal", _dihedral(T.FLIP_LEFT_RIGHT)),
    Transform("rotate-90", "rotate", "90°", _dihedral(T.ROTATE_90)),
    Transform("rotate-180", "rotate", "180°", _dihedral(T.ROTATE_180)),
    Transform("rotate-1", "small rotation", "1°", _rotate(1)),
    Transform("rotate-3", "small rotation", "3°", _rotate(3)),
    Transform("rotate-8", "small rotation", "8°", _rotate(8)),
    Transform("hue-30", "colour shift", "hue +30°", _hue(30 / 360)),
    Transform(
        "saturation-0.5", "colour shift", "saturation x0.5", _enhance(ImageEnhance.Color, 0.5)
    ),
    Transform(
        "brightness-1.3", "colour shift", "brightness x1.3", _enhance(ImageEnhance.Brightness, 1.3)
    ),
    Transform("greyscale", "colour shift", "greyscale", _greyscale),
    Transform("caption", "text overlay", "meme caption", _caption),
    Transform("banner", "text overlay", "banner 20 %", _banner),
    Transform("phone", "screenshot", "phone chat", _phone),
    Transform("desktop", "screenshot", "browser", _desktop),
)
