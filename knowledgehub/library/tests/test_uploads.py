"""knowledgehub.lib.uploads: type from content, refusals, bombs, names."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from knowledgehub.lib import uploads
from knowledgehub.lib.uploads import display_name, storage_name, validate_upload

from . import files


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("report.pdf", files.pdf_bytes(), uploads.PDF),
        ("photo.png", files.png_bytes(), uploads.PNG),
        ("doc.docx", files.docx_bytes(), uploads.DOCX),
        ("book.xlsx", files.xlsx_bytes(), uploads.XLSX),
        ("deck.pptx", files.pptx_bytes(), uploads.PPTX),
        ("text.odt", files.odt_bytes(), uploads.ODT),
        ("notes.txt", "Café minutes\n".encode(), uploads.TEXT),
        ("notes.txt", "Café minutes\n".encode("cp1252"), uploads.TEXT),
        ("data.csv", b"council,spend\nLeeds,10\n", uploads.CSV),
        ("data.txt", b"council,spend\nLeeds,10\nYork,5\n", uploads.CSV),
    ],
)
def test_detects_type_from_content(name: str, content: bytes, expected: uploads.DetectedType):
    assert validate_upload(files.upload(name, content)) == expected


def test_extension_is_ignored():
    # A PDF named .png is a PDF; a PNG named .pdf is a PNG.
    assert validate_upload(files.upload("x.png", files.pdf_bytes())) == uploads.PDF
    assert validate_upload(files.upload("x.pdf", files.png_bytes())) == uploads.PNG
    # A docx renamed .xlsx is still told apart by its [Content_Types].xml.
    assert validate_upload(files.upload("x.xlsx", files.docx_bytes())) == uploads.DOCX


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (3, 3)).save(out, "JPEG")
    return out.getvalue()


def gif_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("P", (3, 3)).save(out, "GIF")
    return out.getvalue()


def webp_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (3, 3)).save(out, "WEBP")
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "expected"),
    [(jpeg_bytes, uploads.JPEG), (gif_bytes, uploads.GIF), (webp_bytes, uploads.WEBP)],
)
def test_other_images(make, expected):  # type: ignore[no-untyped-def]
    assert validate_upload(files.upload("image", make())) == expected


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(ValidationError) as info:
        validate_upload(files.upload(name, content))
    return " ".join(info.value.messages)


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00binary",  # a Windows executable
        b"\x7fELF\x02\x01\x01\x00\x00",
        b"text with a NUL \x00 byte",
        bytes(range(256)),
    ],
)
def test_refuses_other_types_with_a_clear_message(content: bytes):
    assert "must be a PDF, Word, Excel" in refusal("x.txt", content)


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"  <html><body>hi</body></html>",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<?xml version="1.0"?><svg/>',
    ],
)
def test_refuses_html_and_svg(content: bytes):
    assert "HTML, SVG and XML files are not accepted" in refusal("x.txt", content)


def test_refuses_empty_and_oversized(settings):  # type: ignore[no-untyped-def]
    assert "empty" in refusal("x.txt", b"")
    settings.KH_UPLOAD_MAX_BYTES = 10
    assert "must be smaller than 10" in refusal("x.txt", b"hello world, too long")


def test_default_limit_is_50_mb(settings):  # type: ignore[no-untyped-def]
    if hasattr(settings, "KH_UPLOAD_MAX_BYTES"):
        del settings.KH_UPLOAD_MAX_BYTES
    assert uploads.max_upload_bytes() == 50 * 1024 * 1024


def test_refuses_plain_zip_and_macro_documents():
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("readme.txt", "hi")
    assert "must be a PDF" in refusal("x.zip", plain.getvalue())
    macro = io.BytesIO()
    with zipfile.ZipFile(macro, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            files.CT_XML.format(
                part="/word/document.xml",
                ct="application/vnd.ms-word.document.macroEnabled.main+xml",
            ),
        )
    assert "macros" in refusal("x.docm", macro.getvalue())


def test_refuses_doctype_in_content_types():
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa">]><Types>&a;</Types>',
        )
    assert "damaged" in refusal("x.docx", evil.getvalue())


def test_refuses_damaged_zip():
    assert "damaged" in refusal("x.docx", b"PK\x03\x04" + b"garbage" * 10)


def test_refuses_zip_bomb_before_decompressing(monkeypatch):  # type: ignore[no-untyped-def]
    def no_decompression(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("decompressed a member of a zip bomb")

    bomb = files.zip_bomb_bytes()
    monkeypatch.setattr(zipfile.ZipFile, "open", no_decompression)
    assert "expands to far more than its size" in refusal("bomb.docx", bomb)


def test_refuses_zip_with_too_many_members(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(uploads, "ZIP_MAX_MEMBERS", 3)
    members = io.BytesIO()
    with zipfile.ZipFile(members, "w") as z:
        for i in range(5):
            z.writestr(f"part{i}.xml", "<x/>")
    assert "too many parts" in refusal("x.docx", members.getvalue())


def test_refuses_zip_above_total_uncompressed_bound(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(uploads, "ZIP_MAX_UNCOMPRESSED", 100)
    assert "expands" in refusal("x.docx", files.docx_bytes(("x" * 200,)))


def test_refuses_pixel_bomb_from_the_header():
    assert "smaller than 40 megapixels" in refusal("huge.png", files.fake_huge_png())
    # Just over 40 megapixels, under Pillow's own bomb threshold.
    assert "smaller than 40 megapixels" in refusal("big.png", files.fake_huge_png(8000, 5001))


def test_refuses_damaged_image():
    assert "damaged" in refusal("x.png", b"\x89PNG\r\n\x1a\n" + b"junk" * 10)


def test_storage_name_is_generated_from_the_detected_type():
    a = storage_name(uploads.PDF)
    b = storage_name(uploads.PDF)
    assert a != b
    assert a.endswith(".pdf") and len(a) == 32 + 4
    assert storage_name(uploads.TEXT, prefix="7/").startswith("7/")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../x", "x"),
        ("..\\..\\windows\\system32\\evil.exe", "evil.exe"),
        ("/etc/passwd", "passwd"),
        ("bad\x00name.txt", "badname.txt"),
        ("tab\tand\nnewline\x1b[31m.txt", "tabandnewline[31m.txt"),
        ("CON.txt", "CON.txt"),
        ("..", "file"),
        ("", "file"),
        (None, "file"),
    ],
)
def test_display_name(raw: str | None, expected: str):
    assert display_name(raw) == expected


def test_display_name_is_truncated_to_200():
    assert len(display_name("a" * 300 + ".pdf")) == 200


def test_text_with_binary_controls_is_refused():
    assert "must be a PDF" in refusal("x.txt", b"looks like text \x1b\x02 but is not")
    assert "must be a PDF" in refusal("x.txt", b"undefined in cp1252 \x81\xff\xfe")


def test_large_text_is_read_in_chunks():
    # 3 MB of UTF-8 whose multi-byte characters straddle the 1 MB chunk boundaries.
    content = ("\u00e9" * (3 * 1024 * 1024 // 2)).encode() + b"\n"
    assert validate_upload(files.upload("big.txt", content)) == uploads.TEXT


def test_end_record_is_checked_before_the_directory_is_parsed(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(uploads, "ZIP_MAX_MEMBERS", 3)

    def no_parsing(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("parsed the central directory")

    members = io.BytesIO()
    with zipfile.ZipFile(members, "w") as z:
        for i in range(5):
            z.writestr(f"part{i}.xml", "<x/>")
    monkeypatch.setattr(zipfile, "ZipFile", no_parsing)
    assert "too many parts" in refusal("x.docx", members.getvalue())


def test_zip_without_end_record_is_damaged():
    assert "damaged" in refusal("x.docx", files.docx_bytes()[:-22])
