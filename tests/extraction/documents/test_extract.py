"""Document text extraction: every format, detected from the bytes, within the limits."""

from __future__ import annotations

import codecs
import io
import zipfile

import pytest

from ombuds.errors import InputError
from ombuds.extraction.documents import (
    Cause,
    DocumentLimits,
    UnscannableError,
    detect_format,
    extract_text,
)
from ombuds.testing import documents as s

PAGES = ["Quarterly report on the harbour (draft)", "Second page: budgets & costs\nlast line"]


def test_pdf_text_page_by_page() -> None:
    for compress in (False, True):
        doc = extract_text(s.make_pdf(PAGES, compress=compress))
        assert doc.format == "pdf" and doc.pages == 2 and not doc.truncated
        assert "harbour (draft)" in doc.text and "budgets & costs" in doc.text


def test_docx_paragraphs_tables_and_page_breaks() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Before the table")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "left cell"
    table.cell(0, 1).text = "right cell"
    paragraph = document.add_paragraph()
    paragraph.add_run("split")
    paragraph.add_run(" ")
    paragraph.add_run("runs")
    out = io.BytesIO()
    document.save(out)
    doc = extract_text(out.getvalue())
    assert doc.format == "docx" and doc.pages == 1
    assert doc.text.split("\n") == ["Before the table", "left cell", "right cell", "split runs"]
    assert extract_text(s.make_docx(PAGES)).text.startswith("Quarterly report")


def test_docx_written_without_python_docx() -> None:
    assert extract_text(s.minimal_docx("three parts & no more")).text == "three parts & no more"


def test_html_visible_text_only() -> None:
    html = (
        b"<!doctype html><html><head><title>Title</title><style>p{}</style>"
        b"<script>var secret = 1;</script></head><body><p>Caf&eacute; &amp; bar</p>"
        b"<div hidden><p>hidden text</p></div><template>tmpl</template>"
        b"<ul><li>one</li><li>two</li></ul>tail<br>next</body></html>"
    )
    doc = extract_text(html)
    assert doc.format == "html"
    assert doc.text.split("\n") == ["Title", "Café & bar", "one", "two", "tail", "next"]


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("windows-1251", "Привет, мир"),
        ("gbk", "你好世界"),
        ("iso-8859-1", "Grüße"),
        ("utf-8", "héllo"),
    ],
)
def test_html_declared_charset(charset: str, text: str) -> None:
    data = s.make_html([text], title="t", charset=charset)
    assert text in extract_text(data).text


def test_html_xhtml_and_utf16() -> None:
    xhtml = b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><p>x y</p></html>'
    assert extract_text(xhtml).format == "html"
    utf16 = codecs.BOM_UTF16_LE + "<html><body><p>wide text</p></body></html>".encode("utf-16-le")
    doc = extract_text(utf16)
    assert doc.format == "html" and doc.text == "wide text"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("plain UTF-8 — ünïcode".encode(), "plain UTF-8 — ünïcode"),
        (codecs.BOM_UTF8 + b"with a BOM", "with a BOM"),
        (codecs.BOM_UTF16_BE + "big endian".encode("utf-16-be"), "big endian"),
        (codecs.BOM_UTF32_LE + "thirty-two".encode("utf-32-le"), "thirty-two"),
        ("no BOM, sixteen bits".encode("utf-16-le"), "no BOM, sixteen bits"),
        (
            "这是一个用国标码写的中文文本文件。".encode("gb18030"),
            "这是一个用国标码写的中文文本文件。",
        ),
        ("Übersetzung für Grüße".encode("cp1252"), "Übersetzung für Grüße"),
    ],
)
def test_plain_text_encodings(data: bytes, expected: str) -> None:
    doc = extract_text(data)
    assert doc.format == "text" and doc.text == expected and doc.pages == 1


def test_format_comes_from_bytes_not_names() -> None:
    # Whatever the file was called, the bytes decide.
    assert detect_format(s.make_pdf(["x"])) == "pdf"
    assert detect_format(b"junk before\n" + s.make_pdf(["x"])) == "pdf"
    assert detect_format(s.make_docx(["x"])) == "docx"
    assert detect_format(b"  <HTML><body>x</body></HTML>") == "html"
    assert detect_format(b"a <p> in the middle is text") == "text"


def test_character_limit_truncates() -> None:
    limits = DocumentLimits(max_chars=100)
    for data in (
        s.make_pdf(s.paragraphs(1, 3)),
        s.make_docx(s.paragraphs(1, 3)),
        s.make_html(s.paragraphs(1, 3)),
        "\n".join(s.paragraphs(1, 3)).encode(),
    ):
        doc = extract_text(data, limits=limits)
        assert doc.truncated and len(doc.text) <= 100, doc.format
    assert not extract_text(b"short text", limits=limits).truncated


def test_page_limit_truncates() -> None:
    doc = extract_text(s.make_pdf(["one", "two", "three"]), limits=DocumentLimits(max_pages=2))
    assert doc.pages == 2 and doc.truncated and "three" not in doc.text


def test_time_budget_is_a_timeout_not_a_partial_text() -> None:
    with pytest.raises(UnscannableError) as err:
        extract_text(s.make_pdf(["a"] * 50), limits=DocumentLimits(time_budget_s=1e-9))
    assert err.value.cause == Cause.TIMEOUT


def test_limits_validate() -> None:
    with pytest.raises(ValueError, match="max_pages"):
        DocumentLimits(max_pages=0)
    with pytest.raises(ValueError, match="ratio"):
        DocumentLimits(max_zip_ratio=1)


def test_owner_password_only_pdf_is_read() -> None:
    # Opens in any viewer without a password, so it is scanned like any other PDF.
    data = s.encrypt_pdf(s.make_pdf(["restricted printing only"]), user_password="")
    assert extract_text(data).text == "restricted printing only"


def test_recoverable_pdf_damage_is_quiet(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    data = s.make_pdf(["broken xref still reads"])
    start = data.rindex(b"startxref\n") + len(b"startxref\n")
    damaged = data[:start] + b"9" + data[start:]  # the xref offset now points nowhere
    with caplog.at_level("DEBUG"):
        assert extract_text(damaged).text == "broken xref still reads"
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    assert capsys.readouterr().err == ""


def test_zip_that_is_not_a_word_document() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(UnscannableError) as err:
        extract_text(out.getvalue())
    assert err.value.cause == Cause.NOT_A_DOCUMENT


def test_unscannable_is_an_input_error() -> None:
    with pytest.raises(InputError):
        extract_text(b"")
