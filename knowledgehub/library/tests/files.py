"""Small real files built in code for the library tests."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

CT_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="{part}" ContentType="{ct}"/>'
    "</Types>"
)
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def pdf_bytes(text: str = "Hello library", pages: int = 1) -> bytes:
    """A minimal PDF with ``pages`` pages, each showing ``text``, built by hand."""
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    font_id = 3 + 2 * pages
    for i in range(pages):
        stream = f"BT /F1 12 Tf 72 720 Td ({text} {i + 1}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _zip(members: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def docx_bytes(paragraphs: tuple[str, ...] = ("First paragraph", "Second paragraph")) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    return _zip(
        {
            "[Content_Types].xml": CT_XML.format(
                part="/word/document.xml",
                ct="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            ),
            "word/document.xml": (
                f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
            ),
        }
    )


def xlsx_bytes(strings: tuple[str, ...] = ("Council", "Spend")) -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    si = "".join(f"<si><t>{s}</t></si>" for s in strings)
    return _zip(
        {
            "[Content_Types].xml": CT_XML.format(
                part="/xl/workbook.xml",
                ct="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            ),
            "xl/workbook.xml": f'<workbook xmlns="{ns}"/>',
            "xl/sharedStrings.xml": f'<sst xmlns="{ns}">{si}</sst>',
        }
    )


def pptx_bytes(slides: tuple[str, ...] = ("Slide one", "Slide two")) -> bytes:
    ns = "http://schemas.openxmlformats.org/drawingml/2006/main"
    members: dict[str, bytes | str] = {
        "[Content_Types].xml": CT_XML.format(
            part="/ppt/presentation.xml",
            ct="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
        ),
        "ppt/presentation.xml": "<p/>",
    }
    for i, text in enumerate(slides, start=1):
        members[f"ppt/slides/slide{i}.xml"] = (
            f'<sld xmlns:a="{ns}"><a:p><a:t>{text}</a:t></a:p></sld>'
        )
    return _zip(members)


def odt_bytes(text: str = "Open document text") -> bytes:
    ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    return _zip(
        {
            "mimetype": "application/vnd.oasis.opendocument.text",
            "content.xml": f'<doc xmlns:text="{ns}"><text:p>{text}</text:p></doc>',
        }
    )


def zip_bomb_bytes() -> bytes:
    """A ZIP with one 20 MB member of zeros (a ratio of about 1000:1), built in memory."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            CT_XML.format(
                part="/word/document.xml",
                ct="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            ),
        )
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(20):
                member.write(chunk)
    return out.getvalue()


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, "PNG")
    return out.getvalue()


def fake_huge_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels (the data is tiny)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + chunk(b"IEND", b"")
    )
