"""Validate user uploads by their content, never by their name.

:func:`validate_upload` reads an ``UploadedFile`` and returns the :class:`DetectedType` it really
is (PDF, PNG, JPEG, GIF, WebP, an Office Open XML or OpenDocument file, CSV or plain text), or
raises ``ValidationError`` with a message a person can act on. ZIP-based files are judged from
their central directory before anything is decompressed, so zip bombs are refused cheaply, and
images are judged from their header (Pillow opens lazily) so pixel bombs are refused too.

Files are stored under :func:`storage_name` (a random name with an extension chosen from the
detected type). The person's file name is kept only as display text, through
:func:`display_name`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import unicodedata
import uuid
import warnings
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_IMAGE_PIXELS = 40_000_000
ZIP_MAX_MEMBERS = 5_000
ZIP_MAX_UNCOMPRESSED = 500 * 1024 * 1024
ZIP_MAX_RATIO = 100
# Small members (a few KB of repetitive XML) legitimately compress very well; the ratio test
# applies to members bigger than this, and to the archive as a whole.
ZIP_RATIO_MIN_MEMBER = 1024 * 1024
ZIP_MAX_MANIFEST = 1024 * 1024
TEXT_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class DetectedType:
    content_type: str
    extension: str
    label: str

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_zip_based(self) -> bool:
        return self.extension in ZIP_TYPES


PDF = DetectedType("application/pdf", "pdf", "PDF")
PNG = DetectedType("image/png", "png", "PNG image")
JPEG = DetectedType("image/jpeg", "jpg", "JPEG image")
GIF = DetectedType("image/gif", "gif", "GIF image")
WEBP = DetectedType("image/webp", "webp", "WebP image")
DOCX = DetectedType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
    "Word document",
)
XLSX = DetectedType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel workbook"
)
PPTX = DetectedType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pptx",
    "PowerPoint presentation",
)
ODT = DetectedType("application/vnd.oasis.opendocument.text", "odt", "OpenDocument text")
ODS = DetectedType(
    "application/vnd.oasis.opendocument.spreadsheet", "ods", "OpenDocument spreadsheet"
)
ODP = DetectedType(
    "application/vnd.oasis.opendocument.presentation", "odp", "OpenDocument presentation"
)
CSV = DetectedType("text/csv", "csv", "CSV")
TEXT = DetectedType("text/plain", "txt", "Plain text")

ALL_TYPES = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, ODT, ODS, ODP, CSV, TEXT)
BY_CONTENT_TYPE = {t.content_type: t for t in ALL_TYPES}
ZIP_TYPES = {"docx", "xlsx", "pptx", "odt", "ods", "odp"}

_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
_ODF = {t.content_type: t for t in (ODT, ODS, ODP)}


def accepted_types_text() -> str:
    return _(
        "PDF, Word, Excel, PowerPoint, OpenDocument, CSV, plain text, or a PNG, JPEG, GIF or "
        "WebP image"
    )


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_upload")


def max_upload_bytes() -> int:
    return int(getattr(settings, "KH_UPLOAD_MAX_BYTES", 50 * 1024 * 1024))


def validate_upload(upload: UploadedFile) -> DetectedType:
    """Return what ``upload`` really is, or raise ``ValidationError`` saying why it is refused."""
    size = upload.size or 0
    limit = max_upload_bytes()
    # lib.upload_handlers hands over an empty stand-in flagged ``too_large`` for a file that went
    # over the limit while it streamed in: refuse it for its size before anything else.
    too_large = bool(getattr(upload, "too_large", False))
    if size <= 0 and not too_large:
        raise _refuse(_("The selected file is empty"))
    if too_large or size > limit:
        raise _refuse(
            _("The selected file must be smaller than %(limit)s") % {"limit": filesizeformat(limit)}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    detected: DetectedType | None
    if head.startswith(b"%PDF-"):
        detected = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        detected = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        detected = JPEG
    elif head.startswith((b"GIF87a", b"GIF89a")):
        detected = GIF
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        detected = WEBP
    elif head.startswith(b"PK\x03\x04"):
        detected = _detect_zip(upload)
    else:
        detected = _detect_text(upload)
    if detected is None:
        raise _refuse(_("The selected file must be a %(types)s") % {"types": accepted_types_text()})
    if detected.is_image:
        _check_image(upload, detected)
    upload.seek(0)
    return detected


def _check_image(upload: UploadedFile, detected: DetectedType) -> None:
    from PIL import Image

    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:  # reads the header only
                width, height = image.size
                fmt = (image.format or "").upper()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(
            _("The image must be smaller than %(mp)d megapixels")
            % {"mp": MAX_IMAGE_PIXELS // 1_000_000}
        ) from None
    except Exception:
        raise _refuse(_("The selected image is damaged and cannot be opened")) from None
    finally:
        upload.seek(0)
    if fmt.replace("JPEG", "JPG").lower() != detected.extension:
        raise _refuse(_("The selected image is damaged and cannot be opened"))
    if width * height > MAX_IMAGE_PIXELS:
        raise _refuse(
            _("The image must be smaller than %(mp)d megapixels")
            % {"mp": MAX_IMAGE_PIXELS // 1_000_000}
        )


def check_zip_directory(archive: zipfile.ZipFile) -> None:
    """Refuse zip bombs using the central directory only (nothing is decompressed)."""
    infos = archive.infolist()
    if len(infos) > ZIP_MAX_MEMBERS:
        raise _refuse(_("The selected file contains too many parts to be a normal document"))
    total = 0
    total_compressed = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise _refuse(_("The selected file is password protected; remove the password first"))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse(_("The selected file uses an unsupported compression method"))
        total += info.file_size
        total_compressed += info.compress_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > ZIP_RATIO_MIN_MEMBER and ratio > ZIP_MAX_RATIO:
            raise _refuse(_("The selected file expands to far more than its size and is refused"))
    if total > ZIP_MAX_UNCOMPRESSED:
        raise _refuse(_("The selected file expands to far more than its size and is refused"))
    if total > ZIP_RATIO_MIN_MEMBER and total / max(total_compressed, 1) > ZIP_MAX_RATIO:
        raise _refuse(_("The selected file expands to far more than its size and is refused"))


def read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """Read one member, at most ``limit`` bytes (the directory has already been checked)."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise _refuse(_("The selected file has a part that is too large"))
    with archive.open(info) as member:
        return member.read(limit + 1)[:limit]


def _check_end_record(upload: UploadedFile) -> None:
    """Refuse an archive whose end record announces too many members or a huge directory,
    before zipfile parses the central directory at all."""
    size = upload.size or 0
    tail_length = min(size, 22 + 65_535)
    upload.seek(size - tail_length)
    tail = upload.read(tail_length)
    upload.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        raise _refuse(_("The selected file is damaged and cannot be opened"))
    entries, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries != 0xFFFF and entries > ZIP_MAX_MEMBERS:
        raise _refuse(_("The selected file contains too many parts to be a normal document"))
    if directory_size != 0xFFFFFFFF and directory_size > ZIP_MAX_MEMBERS * 1024:
        raise _refuse(_("The selected file contains too many parts to be a normal document"))


def _detect_zip(upload: UploadedFile) -> DetectedType | None:
    _check_end_record(upload)
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)  # reads the central directory only
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise _refuse(_("The selected file is damaged and cannot be opened")) from None
    try:
        check_zip_directory(archive)
        names = set(archive.namelist())
        try:
            if "mimetype" in names:
                mimetype = read_member(archive, "mimetype", 200).decode("ascii", "replace")
                return _ODF.get(mimetype.strip())
            if "[Content_Types].xml" in names:
                manifest = read_member(archive, "[Content_Types].xml", ZIP_MAX_MANIFEST)
                return _detect_ooxml(manifest)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError):
            raise _refuse(_("The selected file is damaged and cannot be opened")) from None
        return None
    finally:
        archive.close()
        upload.seek(0)


def _detect_ooxml(manifest: bytes) -> DetectedType | None:
    if b"<!doctype" in manifest.lower():
        raise _refuse(_("The selected file is damaged and cannot be opened"))
    try:
        root = ET.fromstring(manifest)  # noqa: S314 (no DOCTYPE, so no entities)
    except ET.ParseError:
        raise _refuse(_("The selected file is damaged and cannot be opened")) from None
    found: DetectedType | None = None
    for element in root.iter():
        content_type = element.get("ContentType", "")
        if content_type in _OOXML_MAIN:
            found = _OOXML_MAIN[content_type]
        elif "macroEnabled" in content_type:
            raise _refuse(_("Files containing macros are not accepted"))
    return found


# C0 control characters other than tab, line feed, form feed and carriage return mark binary data.
_BINARY_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_TEXT_CHUNK = 1024 * 1024


def _decodes_as(upload: UploadedFile, encoding: str) -> str | None:
    """The first TEXT_SNIFF_BYTES of ``upload`` as text if the WHOLE file is valid ``encoding``
    without binary control characters (read in chunks, so a big file is never held at once)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    upload.seek(0)
    sample: list[str] = []
    sampled = 0
    try:
        while chunk := upload.read(_TEXT_CHUNK):
            text = decoder.decode(chunk)
            if _BINARY_CONTROLS.search(text):
                return None
            if sampled < TEXT_SNIFF_BYTES:
                sample.append(text[: TEXT_SNIFF_BYTES - sampled])
                sampled += len(sample[-1])
        text = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    finally:
        upload.seek(0)
    if _BINARY_CONTROLS.search(text):
        return None
    return "".join(sample)


def _detect_text(upload: UploadedFile) -> DetectedType | None:
    sample = _decodes_as(upload, "utf-8-sig")
    if sample is None:
        sample = _decodes_as(upload, "cp1252")
    if sample is None:
        return None
    start = sample.lstrip()[:200].lower()
    if start.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script", "<head", "<body")):
        raise _refuse(_("HTML, SVG and XML files are not accepted"))
    if _looks_like_csv(sample, upload.name or ""):
        return CSV
    return TEXT


def _looks_like_csv(sample: str, name: str) -> bool:
    """CSV and plain text are equally safe, so the name may break the tie."""
    if name.lower().endswith(".csv"):
        return True
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    if len(lines) < 2:
        return False
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t")
    except csv.Error:
        return False
    rows = list(csv.reader(io.StringIO("\n".join(lines)), dialect))
    widths = {len(row) for row in rows}
    return len(widths) == 1 and widths.pop() > 1


def storage_name(detected: DetectedType, prefix: str = "") -> str:
    """A generated file name: random, with the extension of the detected type."""
    return f"{prefix}{uuid.uuid4().hex}.{detected.extension}"


def display_name(name: str | None, *, max_length: int = 200) -> str:
    """The person's file name as safe display text: no path, no control characters, bounded."""
    raw = (name or "").replace("\\", "/").split("/")[-1]
    cleaned = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C").strip()
    cleaned = cleaned.strip(". ") or "file"
    return cleaned[:max_length]
