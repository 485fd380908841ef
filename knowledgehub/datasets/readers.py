"""Reading data files as a header and a stream of rows, in bounded memory.

:func:`detect_format` decides from the content (never the name) whether bytes are CSV/TSV text,
an Excel workbook or JSON, and refuses binary garbage and zip bombs before anything is parsed.
:func:`open_table` opens a stored file as a :class:`Table`: ``header`` (raw cells) and ``rows``
(an iterator of raw rows: strings for CSV, Python values for XLSX and JSON). Every limit is a
setting (``KH_DATASET_*``, see :class:`Limits`) and every breach is an :class:`ImportFailed`
with a message in plain words:

- CSV lines are read with a length bound (so a 100 MB line, or a header with a million columns,
  is refused after reading at most the bound, without building a huge list) and fields are
  capped by ``csv.field_size_limit`` (which is process-wide: the importer sets it to
  ``KH_DATASET_MAX_FIELD_BYTES`` and leaves it there).
- Workbooks are judged from the zip directory first (``lib.uploads.check_zip_directory``), then
  read with openpyxl in read-only mode (defusedxml is installed, so openpyxl parses safely).
- JSON (an array of objects, or ``{"data": [...]}``) is read one element at a time.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from knowledgehub.lib.uploads import check_zip_directory

SNIFF_BYTES = 64 * 1024
DELIMITERS = ",;\t|"
CSV_MEDIA_TYPE = "text/csv"
TSV_MEDIA_TYPE = "text/tab-separated-values"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_MEDIA_TYPE = "application/json"
MEDIA_TYPES = {"csv": CSV_MEDIA_TYPE, "xlsx": XLSX_MEDIA_TYPE, "json": JSON_MEDIA_TYPE}

# Multi-byte encodings charset-normalizer may rightly find in a file that is not UTF-8. Any
# other guess (it wanders between near-identical single-byte codecs on short samples) gives way
# to cp1252, what Excel on Windows writes in the UK, whenever cp1252 can read the sample.
_MULTIBYTE = {
    "shift_jis",
    "cp932",
    "euc_jp",
    "iso2022_jp",
    "gb2312",
    "gbk",
    "gb18030",
    "big5",
    "big5hkscs",
    "euc_kr",
    "cp949",
    "johab",
}
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x19\x1b-\x1f\x7f]")
_QUOTED = re.compile(r'"[^"]*"')


class ImportFailed(Exception):
    """The file cannot be imported; ``message`` says why in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Limits:
    """Bounds on what we read (settings ``KH_DATASET_*``)."""

    max_bytes: int = 250 * 1024 * 1024
    max_url_bytes: int = 100 * 1024 * 1024
    max_json_bytes: int = 50 * 1024 * 1024
    max_field: int = 1024 * 1024
    max_line: int = 8 * 1024 * 1024
    max_columns: int = 1000

    @classmethod
    def from_settings(cls) -> Limits:
        default = cls()
        return cls(
            max_bytes=int(getattr(settings, "KH_DATASET_MAX_BYTES", default.max_bytes)),
            max_url_bytes=int(getattr(settings, "KH_DATASET_MAX_URL_BYTES", default.max_url_bytes)),
            max_json_bytes=int(
                getattr(settings, "KH_DATASET_MAX_JSON_BYTES", default.max_json_bytes)
            ),
            max_field=int(getattr(settings, "KH_DATASET_MAX_FIELD_BYTES", default.max_field)),
            max_line=int(getattr(settings, "KH_DATASET_MAX_LINE_BYTES", default.max_line)),
            max_columns=int(getattr(settings, "KH_DATASET_MAX_COLUMNS", default.max_columns)),
        )


def size_words(size: int) -> str:
    return str(filesizeformat(size)).replace("\xa0", " ")


# --- Deciding what a file is ------------------------------------------------------------------


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_dataset")


def detect_format(head: bytes, fileobj: IO[bytes] | None = None) -> str:
    """``csv``, ``xlsx`` or ``json`` from the first bytes (and, for a zip, its directory), or
    ``ValidationError`` saying what the file is instead."""
    if head.startswith(b"PK\x03\x04"):
        if fileobj is None:
            raise _refuse(_("This file is a compressed archive, not an Excel workbook"))
        check_workbook(fileobj)
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(
            _("Old Excel files (.xls) are not accepted; save it as .xlsx or CSV and try again")
        )
    if head.startswith(b"%PDF-"):
        raise _refuse(_("This file is not text: it is a PDF. Upload a CSV, XLSX or JSON file"))
    encoding = detect_encoding(head)
    text = check_text(head, encoding)
    start = text.lstrip("\ufeff \t\r\n")[:100].lower()
    if start.startswith(("[", "{")):
        return "json"
    if start.startswith(("<!doctype", "<html", "<?xml", "<svg", "<head", "<body")):
        raise _refuse(
            _("This file is a web page or XML, not data. Upload a CSV, XLSX or JSON file")
        )
    return "csv"


def check_workbook(fileobj: IO[bytes]) -> None:
    """Refuse a zip that is not an Excel workbook or would expand far beyond its size (judged
    from the central directory: nothing is decompressed)."""
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            check_zip_directory(archive)
            names = set(archive.namelist())
    except ValidationError as exc:
        raise _refuse(exc.messages[0].replace("selected file", "workbook")) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _refuse(_("This workbook is damaged and cannot be opened")) from None
    finally:
        fileobj.seek(0)
    if "xl/workbook.xml" not in names:
        raise _refuse(_("This file is a compressed archive, not an Excel workbook (.xlsx)"))
    if "xl/vbaProject.bin" in names:
        raise _refuse(_("Workbooks containing macros are not accepted"))


def detect_encoding(sample: bytes) -> str:
    """The text encoding of ``sample`` (the start of a file): a BOM, then UTF-16 without a BOM,
    then UTF-8, then a multi-byte encoding charset-normalizer finds, then cp1252 when it can
    read the sample, then charset-normalizer's guess, else latin-1 (which reads any bytes)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(sample) >= 4 and b"\x00" in sample[:200]:
        even, odd = sample[0:200:2], sample[1:200:2]
        if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.1:
            return "utf-16-le"
        if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.1:
            return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample[:SNIFF_BYTES]).best()
    if best is not None and best.encoding in _MULTIBYTE:
        return str(best.encoding)
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        pass
    if best is not None and not best.encoding.startswith("utf"):
        return str(best.encoding)
    return "latin-1"


def check_text(sample: bytes, encoding: str) -> str:
    """The sample decoded, or ``ValidationError`` when it is binary rather than text."""
    if b"\x00" in sample and not encoding.startswith("utf-16"):
        raise _refuse(
            _(
                "This file is not text: it contains binary data (NUL bytes). "
                "Upload a CSV, XLSX or JSON file"
            )
        )
    try:
        text = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        raise _refuse(
            _(
                "This file is not text: its characters cannot be read. "
                "Upload a CSV, XLSX or JSON file"
            )
        ) from None
    controls = len(_CONTROLS.findall(text[:SNIFF_BYTES]))
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise _refuse(
            _("This file is not text: it contains binary data. Upload a CSV, XLSX or JSON file")
        )
    return text


# --- Tables -------------------------------------------------------------------------------------


@dataclass
class Table:
    """A header and rows being read. ``position()`` says how far the reading has got (bytes for
    CSV and JSON, rows for workbooks), against ``total``."""

    header: list[Any]
    rows: Iterator[list[Any]]
    position: Callable[[], int]
    total: int
    encoding: str = ""
    delimiter: str = ""
    notes: list[str] = field(default_factory=list)
    # The text stream being read, held so it is not closed (by garbage collection) when the
    # line generator over it finishes.
    stream: Any = None


def _tell(buffered: Any, size: int) -> Callable[[], int]:
    def position() -> int:
        try:
            return int(buffered.tell())
        except (ValueError, OSError):  # closed at the end of the file
            return size

    return position


Opener = Callable[[], IO[bytes]]


@contextmanager
def open_table(fmt: str, opener: Opener, size: int, limits: Limits) -> Iterator[Table]:
    """Open a stored file (``opener`` returns a fresh binary file object each time)."""
    fileobj = opener()
    try:
        if fmt == "csv":
            yield _csv_table(fileobj, size, limits)
        elif fmt == "xlsx":
            with _xlsx_table(fileobj, limits) as table:
                yield table
        elif fmt == "json":
            yield _json_table(fileobj, opener, size, limits)
        else:
            raise ImportFailed(_("This kind of file cannot be imported"))
    finally:
        fileobj.close()


def _sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample: csv.Sniffer limited to , ; tab |, else the most frequent
    of those in the first line, else a comma."""
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # a cut-off last line would mislead the sniffer
    text = "".join(lines[:50])[:32_768]
    try:
        delimiter = csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
        if delimiter in DELIMITERS:
            return delimiter
    except csv.Error:
        pass
    first = _QUOTED.sub("", lines[0] if lines else "")
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _bounded_lines(text: IO[str], limit: int, first_line: int) -> Iterator[str]:
    """Physical lines of ``text``, refusing one longer than ``limit`` characters."""
    number = first_line
    while True:
        line = text.readline(limit + 1)
        if not line:
            return
        if len(line) > limit:
            raise ImportFailed(
                _(
                    "Line %(line)d of the file is longer than %(limit)s, the most we accept; "
                    "the file was not imported"
                )
                % {"line": number, "limit": size_words(limit)}
            )
        number += 1
        yield line


def _csv_table(fileobj: IO[bytes], size: int, limits: Limits) -> Table:
    fileobj.seek(0)
    sample_bytes = fileobj.read(SNIFF_BYTES)
    encoding = detect_encoding(sample_bytes)
    try:
        check_text(sample_bytes, encoding)
    except ValidationError as exc:
        raise ImportFailed(exc.messages[0]) from None
    fileobj.seek(0)
    raw: Any = fileobj
    buffered: Any = raw if isinstance(raw, io.BufferedIOBase) else io.BufferedReader(raw)
    text = io.TextIOWrapper(buffered, encoding=encoding, errors="replace", newline="")
    lines = _bounded_lines(text, limits.max_line, 1)
    head: list[str] = []
    head_chars = 0
    for line in lines:
        head.append(line)
        head_chars += len(line)
        if head_chars >= SNIFF_BYTES or len(head) >= 50:
            break
    if not head:
        raise ImportFailed(_("The file is empty"))
    delimiter = _sniff_delimiter("".join(head))
    columns = _QUOTED.sub("", head[0]).count(delimiter) + 1
    if columns > limits.max_columns:
        raise ImportFailed(
            _("The first row has %(n)s columns; the most we accept is %(max)s")
            % {"n": f"{columns:,}", "max": f"{limits.max_columns:,}"}
        )
    csv.field_size_limit(limits.max_field)
    reader = csv.reader(
        itertools.chain(head, lines),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=False,
        strict=False,
    )

    def rows() -> Iterator[list[Any]]:
        try:
            yield from reader
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise ImportFailed(
                    _(
                        "Line %(line)d has a cell longer than %(limit)s, the most we accept; "
                        "the file was not imported"
                    )
                    % {"line": reader.line_num, "limit": size_words(limits.max_field)}
                ) from None
            raise ImportFailed(
                _("Line %(line)d could not be read as CSV (%(error)s)")
                % {"line": reader.line_num, "error": exc}
            ) from None

    row_iter = rows()
    header: list[Any] | None = None
    for row in row_iter:
        if any(cell.strip() for cell in row):
            header = row
            break
    if header is None:
        raise ImportFailed(_("The file has no header row"))
    if len(header) > limits.max_columns:
        raise ImportFailed(
            _("The first row has %(n)s columns; the most we accept is %(max)s")
            % {"n": f"{len(header):,}", "max": f"{limits.max_columns:,}"}
        )
    return Table(
        header=header,
        rows=row_iter,
        position=_tell(buffered, size),
        total=size,
        encoding=encoding,
        delimiter=delimiter,
        stream=text,
    )


@contextmanager
def _xlsx_table(fileobj: IO[bytes], limits: Limits) -> Iterator[Table]:
    try:
        check_workbook(fileobj)
    except ValidationError as exc:
        raise ImportFailed(exc.messages[0]) from None
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:
        raise ImportFailed(_("This workbook is damaged and cannot be opened")) from None
    try:
        found = _first_sheet_with_data(workbook)
        if found is None:
            raise ImportFailed(_("The workbook has no data in any sheet"))
        sheet, header, rows = found
        while header and header[-1] in (None, ""):
            header.pop()
        if len(header) > limits.max_columns:
            raise ImportFailed(
                _("The first row has %(n)s columns; the most we accept is %(max)s")
                % {"n": f"{len(header):,}", "max": f"{limits.max_columns:,}"}
            )
        done = [0]

        def counted() -> Iterator[list[Any]]:
            for row in rows:
                done[0] += 1
                yield list(row)

        yield Table(
            header=header,
            rows=counted(),
            position=lambda: done[0],
            total=int(sheet.max_row or 0),
        )
    finally:
        workbook.close()


def _first_sheet_with_data(workbook: Any) -> tuple[Any, list[Any], Iterator[Any]] | None:
    """The first worksheet with a non-empty row: the sheet, that row (the header) and the
    rows after it."""
    for sheet in workbook.worksheets:
        rows = sheet.iter_rows(values_only=True)
        for row in rows:
            if any(value not in (None, "") for value in row):
                return sheet, list(row), rows
    return None


class _JsonStream:
    """Reads the elements of a JSON array one at a time from a text stream."""

    def __init__(self, text: IO[str], limit: int) -> None:
        self.text = text
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self.limit = limit
        self.decoder = json.JSONDecoder()

    def _fill(self) -> bool:
        if self.eof:
            return False
        chunk = self.text.read(256 * 1024)
        if not chunk:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        return True

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n\ufeff":
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._fill():
                return ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise ImportFailed(_("The JSON is not valid (expected '%(c)s')") % {"c": char})
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError:
                if len(self.buffer) - self.pos > self.limit:
                    raise ImportFailed(
                        _("A JSON value is longer than %(limit)s, the most we accept")
                        % {"limit": size_words(self.limit)}
                    ) from None
                if self._fill():
                    continue
                raise ImportFailed(_("The JSON is not valid or is cut short")) from None
            # A number at the end of the buffer may continue in the next chunk.
            if end == len(self.buffer) and not self.eof and self._fill():
                continue
            self.pos = end
            return value

    def array_items(self) -> Iterator[Any]:
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            char = self.peek()
            self.pos += 1
            if char == "]":
                return
            if not char:
                raise ImportFailed(_("The JSON is not valid or is cut short"))
            if char != ",":
                raise ImportFailed(_("The JSON is not valid (expected ',' or ']')"))

    def records(self) -> Iterator[Any]:
        """The elements of the top-level array, or of the ``data`` array in an object."""
        first = self.peek()
        if first == "[":
            yield from self.array_items()
            return
        if first != "{":
            raise ImportFailed(_("The JSON must be a list of records, or an object with data"))
        self.pos += 1
        while True:
            if self.peek() == "}":
                break
            key = self.value()
            self.expect(":")
            if key == "data" and self.peek() == "[":
                yield from self.array_items()
                return
            self.value()  # another member: skipped
            if self.peek() == ",":
                self.pos += 1
        raise ImportFailed(_('The JSON object has no "data" list of records'))


def _json_table(fileobj: IO[bytes], opener: Opener, size: int, limits: Limits) -> Table:
    if size > limits.max_json_bytes:
        raise ImportFailed(
            _("JSON files must be smaller than %(limit)s; upload CSV for bigger data")
            % {"limit": size_words(limits.max_json_bytes)}
        )

    def stream(fobj: IO[bytes]) -> tuple[_JsonStream, Any]:
        fobj.seek(0)
        encoding = detect_encoding(fobj.read(SNIFF_BYTES))
        fobj.seek(0)
        raw: Any = fobj
        buffered: Any = raw if isinstance(raw, io.BufferedIOBase) else io.BufferedReader(raw)
        text = io.TextIOWrapper(buffered, encoding=encoding, errors="replace")
        return _JsonStream(text, limits.max_line), buffered

    # First pass: the columns are the union of the records' keys, in first-seen order.
    keys: dict[str, None] = {}
    reader, _buffered = stream(fileobj)
    for record in reader.records():
        if isinstance(record, dict):
            for key in record:
                if key not in keys:
                    keys[key] = None
                    if len(keys) > limits.max_columns:
                        raise ImportFailed(
                            _("The records have more than %(max)s different keys (columns)")
                            % {"max": f"{limits.max_columns:,}"}
                        )
    if not keys:
        raise ImportFailed(_("The JSON has no records (objects with named values)"))
    header = list(keys)
    second = opener()
    reader, buffered = stream(second)

    def rows() -> Iterator[list[Any]]:
        try:
            for record in reader.records():
                if isinstance(record, dict):
                    yield [record.get(key) for key in header]
                else:
                    yield [_NOT_A_RECORD, record]
        finally:
            second.close()

    return Table(
        header=header,
        rows=rows(),
        position=_tell(buffered, size),
        total=size,
        stream=reader.text,
    )


class _NotARecord:
    """Marks a JSON array element that is not an object (reported and left out)."""


_NOT_A_RECORD = _NotARecord()


def is_not_a_record(row: list[Any]) -> bool:
    return bool(row) and row[0] is _NOT_A_RECORD
