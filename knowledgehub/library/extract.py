"""Bounded text extraction from uploaded documents, for search and the preview.

Extraction never fails an upload: any error, or running out of budget, returns what was read so
far (often ""). Bounds: at most :data:`MAX_PAGES` PDF pages or slides, :data:`MAX_READ_BYTES`
read from any one part, :data:`MAX_TEXT_CHARS` of text, and :data:`TIME_BUDGET_SECONDS`.
XML parts are parsed with the standard library only after refusing any ``<!DOCTYPE`` (so no
entity expansion is possible).
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
import zipfile
from typing import IO
from xml.etree import ElementTree as ET

from knowledgehub.lib import uploads

logger = logging.getLogger(__name__)

MAX_PAGES = 200
MAX_READ_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 200 * 1024
TIME_BUDGET_SECONDS = 5.0

_PARAGRAPH_TAGS = {"p", "h", "si"}  # w:p, a:p, text:p, text:h, shared strings
_SLIDE = re.compile(r"^ppt/slides/slide(\d+)\.xml$")


class _Budget:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.parts: list[str] = []
        self.length = 0

    @property
    def exhausted(self) -> bool:
        return self.length >= MAX_TEXT_CHARS or time.monotonic() > self.deadline

    def add(self, text: str) -> None:
        text = text.strip()
        if text and not self.exhausted:
            self.parts.append(text)
            self.length += len(text) + 1

    def text(self) -> str:
        return "\n".join(self.parts)[:MAX_TEXT_CHARS]


def extract_text(
    f: IO[bytes], content_type: str, *, time_budget: float = TIME_BUDGET_SECONDS
) -> str:
    """Plain text from ``f`` (a file of the already-validated ``content_type``), bounded."""
    budget = _Budget(time_budget)
    try:
        f.seek(0)
        if content_type == uploads.PDF.content_type:
            _pdf(f, budget)
        elif content_type in (uploads.CSV.content_type, uploads.TEXT.content_type):
            data = f.read(MAX_READ_BYTES)
            budget.add(
                data.decode("utf-8", "replace")
                if _is_utf8(data)
                else data.decode("cp1252", "replace")
            )
        elif content_type in BY_ZIP_TYPE:
            _zip(f, content_type, budget)
    except Exception:
        logger.info("text extraction failed for a %s", content_type, exc_info=True)
    finally:
        with contextlib.suppress(OSError, ValueError):
            f.seek(0)
    return budget.text()


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        # A multi-byte character cut off by the read limit is still UTF-8.
        return e.reason == "unexpected end of data" and len(data) >= MAX_READ_BYTES
    return True


def _pdf(f: IO[bytes], budget: _Budget) -> None:
    from pypdf import PdfReader

    reader = PdfReader(f)
    if reader.is_encrypted:
        return
    for index, page in enumerate(reader.pages):
        if index >= MAX_PAGES or budget.exhausted:
            break
        budget.add(page.extract_text() or "")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_paragraphs(data: bytes, budget: _Budget) -> None:
    if b"<!doctype" in data.lower():
        raise ValueError("XML part with a DOCTYPE refused")
    root = ET.fromstring(data)  # noqa: S314 (no DOCTYPE, so no entities)
    for element in root.iter():
        if budget.exhausted:
            return
        if _local(element.tag) in _PARAGRAPH_TAGS:
            budget.add("".join(element.itertext()))


def _zip_members(archive: zipfile.ZipFile, content_type: str) -> list[str]:
    names = archive.namelist()
    if content_type == uploads.DOCX.content_type:
        return [n for n in ("word/document.xml",) if n in names]
    if content_type == uploads.XLSX.content_type:
        return [n for n in ("xl/sharedStrings.xml",) if n in names]
    if content_type == uploads.PPTX.content_type:
        slides = [(int(m.group(1)), n) for n in names if (m := _SLIDE.match(n))]
        return [n for _, n in sorted(slides)][:MAX_PAGES]
    return [n for n in ("content.xml",) if n in names]  # OpenDocument


BY_ZIP_TYPE = {t.content_type for t in uploads.ALL_TYPES if t.is_zip_based}


def _zip(f: IO[bytes], content_type: str, budget: _Budget) -> None:
    with zipfile.ZipFile(f) as archive:
        uploads.check_zip_directory(archive)
        for name in _zip_members(archive, content_type):
            if budget.exhausted:
                return
            _xml_paragraphs(uploads.read_member(archive, name, MAX_READ_BYTES), budget)
