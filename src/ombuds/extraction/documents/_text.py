"""Decoding untrusted bytes as text: byte-order marks, UTF-8, UTF-16 without a BOM, a few
legacy CJK encodings, Windows-1252; and telling binary data from text.

Only a prefix large enough for `max_chars` characters is decoded, through an incremental
decoder, so a 100 MB text file costs what its first 2M characters cost.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from ombuds.extraction.documents._limits import Cause, unscannable

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Legacy encodings tried (strictly) for non-UTF-8 bytes, with the characters a real text in
# each is made of besides ASCII. A candidate wins when nearly all its non-ASCII characters
# fall in its ranges; Windows-1252 is the last resort.
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_LEGACY: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("gb18030", re.compile(f"[{_HAN}{_CJK_PUNCT}\u2018-\u201d\u2026\u00b7]")),
    ("big5", re.compile(f"[{_HAN}{_CJK_PUNCT}\u2018-\u201d\u2026\u00b7]")),
    ("shift_jis", re.compile(f"[{_HAN}{_CJK_PUNCT}\u3040-\u30ff]")),
    ("euc_kr", re.compile(f"[{_HAN}{_CJK_PUNCT}\uac00-\ud7a3\u3130-\u318f]")),
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_SNIFF_BYTES = 64 * 1024
_MAX_CONTROL_RATIO = 0.01
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v\x1b")


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) when `data` starts with a Unicode byte-order mark."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    return None


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 of mostly-Latin text: zero bytes at nearly every other position."""
    if len(sample) < 16:
        return None
    even = sample[0::2].count(0) / len(sample[0::2])
    odd = sample[1::2].count(0) / len(sample[1::2])
    if odd > 0.4 and even < 0.05:
        return "utf-16-le"
    if even > 0.4 and odd < 0.05:
        return "utf-16-be"
    return None


def _is_utf8(sample: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _legacy_encoding(sample: bytes) -> str:
    best, best_score = "cp1252", 0.0
    for codec, script in _LEGACY:
        try:
            text = codecs.getincrementaldecoder(codec)("strict").decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        foreign = _NON_ASCII.findall(text)
        if not foreign:
            continue
        score = sum(1 for ch in foreign if script.match(ch)) / len(foreign)
        if score > best_score:
            best, best_score = codec, score
    return best if best_score >= 0.9 else "cp1252"


def guess_encoding(data: bytes) -> tuple[str, int]:
    """(codec, bytes to skip) for text without a declared charset; raises for binary data."""
    found = bom_encoding(data)
    if found is not None:
        return found
    sample = data[:_SNIFF_BYTES]
    if 0 in sample:
        codec = _utf16_without_bom(sample)
        if codec is None:
            raise unscannable("binary data, not a text document", Cause.NOT_A_DOCUMENT)
        return codec, 0
    if _is_utf8(sample):
        return "utf-8", 0
    return _legacy_encoding(sample), 0


def decode_prefix(data: bytes, codec: str, skip: int, max_chars: int) -> tuple[str, bool]:
    """Decode at most about `max_chars` characters: (text, True when data was left over).

    Undecodable bytes become U+FFFD; a text full of them or of control characters is binary.
    """
    # No codec used here spends more than 4 bytes on one character.
    limit = skip + 4 * (max_chars + 1)
    decoder = codecs.getincrementaldecoder(codec)("replace")
    chunk = data[skip:limit]
    text = decoder.decode(chunk, final=len(data) <= limit)
    truncated = len(data) > limit or len(text) > max_chars
    text = text[:max_chars]
    if looks_binary(text):
        raise unscannable("binary data, not a text document", Cause.NOT_A_DOCUMENT)
    return text, truncated


def looks_binary(text: str) -> bool:
    sample = text[:_SNIFF_BYTES]
    if not sample:
        return False
    bad = 0
    for ch in sample:
        if ch == "\ufffd" or (
            ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")
        ):
            bad += 1
    return bad / len(sample) > _MAX_CONTROL_RATIO


# -- markup sniffing (after the WHATWG MIME-sniffing patterns) ------------------------------

_HTML_START = re.compile(
    rb"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p"
    rb"|!--)(?=[\s>/])|<!--",
)
_XML_SKIP = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!doctype[^>]*>)", re.DOTALL)
_ROOT = re.compile(rb"\s*<([a-z_][\w.:-]*)")
_SVG_START = re.compile(rb"<(?:svg|!doctype\s+svg)(?=[\s>/])")


def markup_kind(head: bytes) -> str | None:
    """ "html", "svg" or None for the first bytes of a document, decoded to ASCII-compatible
    lower case by the caller."""
    start = head.lstrip()
    if _SVG_START.match(start):
        return "svg"
    if start.startswith((b"<?xml", b"<!doctype")):
        pos = 0
        while m := _XML_SKIP.match(start, pos):
            if m.end() == pos:
                break
            pos = m.end()
        root = _ROOT.match(start, pos)
        if root is None:
            return "html" if start.startswith(b"<!doctype html") else None
        name = root.group(1).rsplit(b":", 1)[-1]
        return "svg" if name == b"svg" else "html"
    if _HTML_START.match(start):
        return "html"
    return None
