"""Writing a dataset version out as CSV, XLSX or JSON, a page of rows at a time.

Spreadsheet programs run a CSV cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage
return as a formula (CSV injection), so such *text* cells get a leading apostrophe. Numbers are
stored typed (ints and floats in the row JSON) and are written as they are, so -5 stays the
number -5 while the text "-5" (say, a code in a text column) is neutralised. In XLSX every cell
has a type: text is written as a string cell (never a formula), numbers as numbers.
"""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from django.db.models import QuerySet

from .models import DatasetRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000
#: Excel's limit, less the header row.
XLSX_MAX_ROWS = 1_048_575


def neutralise(value: Any) -> Any:
    """A CSV cell value: text that a spreadsheet would run as a formula gets a leading
    apostrophe; numbers, booleans and empty cells are written as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def iter_data(rows: QuerySet[DatasetRow]) -> Iterator[list[Any]]:
    """Each row's values, read in chunks (a server-side cursor on PostgreSQL)."""
    for data in rows.values_list("data", flat=True).iterator(chunk_size=CHUNK):
        yield list(data) if isinstance(data, list) else []


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(names: Sequence[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([neutralise(n) for n in names])
    for row in rows:
        yield writer.writerow([neutralise(v) for v in row])


def json_chunks(names: Sequence[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """A JSON array of objects keyed by column name, written a row at a time."""
    yield "["
    first = True
    for row in rows:
        record = dict(zip(names, row, strict=False))
        yield ("" if first else ",\n") + json.dumps(record, ensure_ascii=False)
        first = False
    yield "]\n"


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or isinstance(value, bool | int | float):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:32_767]
    cell = WriteOnlyCell(sheet, value=text)
    # openpyxl takes any text starting with "=" for a formula: this is data, always a string.
    cell.data_type = "s"
    return cell


def write_xlsx(names: Sequence[str], rows: Iterable[list[Any]], title: str) -> IO[bytes]:
    """The rows as a one-sheet workbook in a temporary file (openpyxl's write-only mode keeps
    memory flat), rewound for reading."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.append([_xlsx_cell(sheet, n) for n in names])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    out = tempfile.TemporaryFile()  # noqa: SIM115 (handed to FileResponse, which closes it)
    workbook.save(out)
    out.seek(0)
    return out


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\").strip()
    return cleaned[:31] or "Data"
