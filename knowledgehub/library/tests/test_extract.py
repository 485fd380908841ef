"""Bounded text extraction."""

from __future__ import annotations

import io
import zipfile

import pytest

from knowledgehub.lib import uploads
from knowledgehub.library import extract
from knowledgehub.library.extract import extract_text

from . import files


def test_pdf():
    text = extract_text(io.BytesIO(files.pdf_bytes("Budget pilot", pages=2)), "application/pdf")
    assert "Budget pilot 1" in text and "Budget pilot 2" in text


def test_pdf_made_with_pypdf_is_accepted_and_has_no_text():
    from pypdf import PdfWriter

    out = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.write(out)
    assert uploads.validate_upload(files.upload("blank.pdf", out.getvalue())) == uploads.PDF
    assert extract_text(io.BytesIO(out.getvalue()), "application/pdf") == ""


@pytest.mark.parametrize(
    ("content", "detected", "expected"),
    [
        (files.docx_bytes(("Alpha", "Beta")), uploads.DOCX, "Alpha\nBeta"),
        (files.xlsx_bytes(("Council", "Spend")), uploads.XLSX, "Council\nSpend"),
        (files.pptx_bytes(("One", "Two")), uploads.PPTX, "One\nTwo"),
        (files.odt_bytes("Open text"), uploads.ODT, "Open text"),
        (b"a,b\n1,2\n", uploads.CSV, "a,b\n1,2"),
        ("Caf\u00e9".encode("cp1252"), uploads.TEXT, "Caf\u00e9"),
    ],
)
def test_formats(content: bytes, detected: uploads.DetectedType, expected: str):
    assert extract_text(io.BytesIO(content), detected.content_type) == expected


def test_text_is_bounded():
    big = b"word " * 100_000  # 500 KB
    text = extract_text(io.BytesIO(big), "text/plain")
    assert len(text) == extract.MAX_TEXT_CHARS


def test_pages_are_bounded(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(extract, "MAX_PAGES", 2)
    text = extract_text(io.BytesIO(files.pdf_bytes("Page", pages=5)), "application/pdf")
    assert "Page 2" in text and "Page 3" not in text


def test_bytes_read_are_bounded(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(extract, "MAX_READ_BYTES", 10)
    assert extract_text(io.BytesIO(b"0123456789ABCDEF"), "text/plain") == "0123456789"
    # A part bigger than the bound is not read at all.
    assert extract_text(io.BytesIO(files.docx_bytes()), uploads.DOCX.content_type) == ""


def test_time_budget():
    text = extract_text(
        io.BytesIO(files.pdf_bytes("Page", pages=3)), "application/pdf", time_budget=-1
    )
    assert text == ""


def test_doctype_in_a_part_gives_no_text():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", files.CT_XML.format(part="/x", ct="x"))
        z.writestr(
            "word/document.xml",
            '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><d><p>&b;</p></d>',
        )
    assert extract_text(io.BytesIO(out.getvalue()), uploads.DOCX.content_type) == ""


@pytest.mark.parametrize(
    "content", [b"%PDF-1.4 broken", b"PK\x03\x04broken", files.zip_bomb_bytes()]
)
def test_errors_give_empty_text(content: bytes):
    assert extract_text(io.BytesIO(content), "application/pdf") == ""
    assert extract_text(io.BytesIO(content), uploads.DOCX.content_type) == ""
