"""Small real files built in code for the blog tests."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png_bytes(
    width: int = 40, height: int = 20, colour: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def png(name: str = "cover.png", **kwargs: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**kwargs))


def bomb_png() -> SimpleUploadedFile:
    """A tiny PNG whose header claims 20,000 by 20,000 pixels (400 megapixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 20_000, 20_000, 8, 2, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile("huge.png", data)


def text_file(
    name: str = "notes.txt", content: bytes = b"Meeting notes\nAll agreed.\n"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def csv_file(name: str = "figures.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"council,tonnes\nExample,12\nOther,14\n")
