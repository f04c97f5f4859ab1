"""Visible text of HTML with the standard library's tolerant parser.

Script, style and template contents are dropped, as are elements marked `hidden`; block
elements end a line. The charset is, in order: a byte-order mark, a `<meta>` declaration in the
first 1024 bytes (WHATWG prescan, simplified), UTF-8 when the bytes are valid UTF-8, else the
legacy guess of `_text.guess_encoding`.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

from ombuds.extraction.documents._limits import Budget, DocumentLimits, DocumentText, TextSink
from ombuds.extraction.documents._text import bom_encoding, guess_encoding

_SKIP = frozenset({"script", "style", "template"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "title",
        "tr", "ul",
    }
)  # fmt: skip
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([a-z0-9_.:-]+)", re.IGNORECASE)
# WHATWG: a declared UTF-16 in an ASCII-compatible prescan means UTF-8; these labels mean 1252.
_LABELS = {
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
    "x-user-defined": "cp1252",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}
_SPACE = re.compile(r"\s+")
_FEED = 64 * 1024


def html_encoding(data: bytes) -> tuple[str, int]:
    """(codec, bytes to skip) for an HTML document."""
    found = bom_encoding(data)
    if found is not None:
        return found
    m = _META_CHARSET.search(data[:1024])
    if m is not None:
        label = m.group(1).decode("ascii").lower()
        label = _LABELS.get(label, label)
        try:
            return codecs.lookup(label).name, 0
        except LookupError:
            pass
    return guess_encoding(data)


class _VisibleText(HTMLParser):
    def __init__(self, sink: TextSink) -> None:
        super().__init__(convert_charrefs=True)
        self._sink = sink
        self._skip: list[str] = []  # open elements whose content is not shown

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        hidden = any(name == "hidden" for name, _ in attrs)
        if (tag in _SKIP or hidden) and tag not in _VOID:
            self._skip.append(tag)
        elif tag in _BLOCK and not self._skip:
            self._sink.add("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK and not self._skip:
            self._sink.add("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._skip:
            # Close it and anything left open inside it (HTML often omits end tags).
            while self._skip and self._skip.pop() != tag:
                pass
        elif tag in _BLOCK and not self._skip:
            self._sink.add("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._sink.add(_SPACE.sub(" ", data))


def extract_html(data: bytes, limits: DocumentLimits, budget: Budget) -> DocumentText:
    codec, skip = html_encoding(data)
    decoder = codecs.getincrementaldecoder(codec)("replace")
    sink = TextSink(limits.max_chars)
    parser = _VisibleText(sink)
    for start in range(skip, len(data), _FEED):
        budget.check()
        end = min(start + _FEED, len(data))
        parser.feed(decoder.decode(data[start:end], final=end == len(data)))
        if sink.full:
            break
    else:
        parser.close()
    lines = (line.strip() for line in sink.text().split("\n"))
    text = "\n".join(line for line in lines if line)
    return DocumentText(text=text, format="html", pages=1, truncated=sink.truncated)
