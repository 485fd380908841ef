"""Importing a distribution's file into typed rows, on the worker, in bounded memory.

:func:`import_distribution_now` is the whole job (``tasks.import_distribution`` calls it; tests
call it directly). It streams: the file is read a line (or a record) at a time and rows are
written in batches of ``BATCH_ROWS``, so memory does not grow with the file.

1. The column types are guessed from the first ``SAMPLE_ROWS`` rows (``inference``), then
   confirmed while every row is converted and written. An integer column meeting a decimal just
   becomes decimal; a GSS column meeting other text becomes text (the stored strings are
   unchanged). Any other misfit means the guess was wrong: the rows written so far are deleted,
   the types are settled over the whole file, and the rows are written again. So one pass in
   the usual case, about two and a half in the worst, and never a value lost to a bad guess.
2. Problems (a "missing" marker in a typed column, ragged rows, unreadable characters, renamed
   columns) are counted and the first ``MAX_PROBLEMS`` are kept, each with its row and column.
3. Each batch is committed in its own short transaction together with the progress, so the
   page can show a progress bar (SQLite lets only one writer in at a time: one long transaction
   would block every other write for the whole import). The distribution becomes DONE only at
   the very end, and only DONE distributions are ever shown, so a half-written version is never
   visible; any failure deletes the rows written and records the reason (FAILED).

Row numbers in problems are data rows as the preview shows them (1 is the first row after the
header); blank lines and rows with every cell empty are skipped and not counted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import inference, readers
from .choices import ColumnType, ImportStatus
from .models import Dataset, DatasetRow, Distribution
from .readers import ImportFailed, Limits
from .storage import dataset_storage

logger = logging.getLogger(__name__)

BATCH_ROWS = 5000
SAMPLE_ROWS = 1000
MAX_PROBLEMS = 500
_SHOWN_CHARS = 60


class _Retype(Exception):
    """A value showed that a column's guessed type was wrong; the rows must be written again."""


def _shown(value: Any) -> str:
    text = inference.to_text(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.count = 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append({"row": row, "column": column, "message": message})


def _claim(distribution_id: int) -> Distribution | None:
    """Mark the distribution RUNNING unless it is finished; rows left by a worker that died
    mid-import are deleted first, so running the task again is safe."""
    with transaction.atomic():
        dist = Distribution.objects.select_for_update().filter(pk=distribution_id).first()
        if dist is None or dist.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return None
        DatasetRow.objects.filter(distribution=dist).delete()
        dist.status = ImportStatus.RUNNING
        dist.progress_done = 0
        dist.error = ""
        dist.save(update_fields=["status", "progress_done", "error"])
    return dist


def import_distribution_now(distribution_id: int) -> Distribution | None:
    """Import a distribution's file (see the module docstring). A DONE or FAILED distribution is
    left as it is (the task is idempotent); returns the distribution as it ends up."""
    dist = _claim(distribution_id)
    if dist is None:
        return Distribution.objects.filter(pk=distribution_id).first()
    try:
        _import(dist)
    except ImportFailed as exc:
        _fail(dist, exc.message)
    except Exception:
        logger.exception("Import of distribution %s failed", dist.pk)
        _fail(dist, _("Something went wrong while importing this file; it was not imported"))
    else:
        _after_done(dist)
    return dist


def _fail(dist: Distribution, message: str) -> None:
    DatasetRow.objects.filter(distribution=dist).delete()
    dist.status = ImportStatus.FAILED
    dist.error = message
    dist.row_count = 0
    Distribution.objects.filter(pk=dist.pk).update(
        status=ImportStatus.FAILED, error=message, row_count=0
    )


def _after_done(dist: Distribution) -> None:
    """The dataset has new data: touch it and bring its Item up to date."""
    from knowledgehub.knowledge.registry import index_sync

    Dataset.objects.filter(pk=dist.dataset_id).update(updated_at=timezone.now())
    dataset = Dataset.objects.filter(pk=dist.dataset_id).first()
    if dataset is None:
        return
    try:
        index_sync(dataset)
    except Exception:  # the data is in; the index catches up on the next edit
        logger.exception("Re-indexing dataset %s after an import failed", dataset.pk)


def _opener(dist: Distribution) -> readers.Opener:
    storage = dataset_storage()
    name = dist.file.name

    def open_file() -> IO[bytes]:
        handle = storage.open(name, "rb")
        return getattr(handle, "file", handle)

    return open_file


def _import(dist: Distribution) -> None:
    if not dist.file.name:
        raise ImportFailed(_("There is no file to import"))
    limits = Limits.from_settings()
    opener = _opener(dist)
    size = dist.byte_size or dataset_storage().size(dist.file.name)

    with readers.open_table(dist.format, opener, size, limits) as table:
        names, renamed = inference.column_names(table.header)
        dist.encoding = table.encoding
        dist.delimiter = table.delimiter
        dist.progress_total = table.total
        Distribution.objects.filter(pk=dist.pk).update(
            encoding=dist.encoding, delimiter=dist.delimiter, progress_total=table.total
        )
        sample: list[list[Any]] = []
        for row in table.rows:
            if _is_blank(row):
                continue
            sample.append(row)
            if len(sample) >= SAMPLE_ROWS:
                break
        guesser = inference.TypeGuesser(len(names))
        guesser.add_rows(r for r in sample if not readers.is_not_a_record(r))
        types = guesser.types()
        try:
            _write(dist, table, names, renamed, types, iter(sample), retry=True)
            return
        except _Retype:
            pass

    DatasetRow.objects.filter(distribution=dist).delete()
    with readers.open_table(dist.format, opener, size, limits) as table:
        guesser = inference.TypeGuesser(len(names))
        guesser.add_rows(
            r for r in table.rows if not _is_blank(r) and not readers.is_not_a_record(r)
        )
        types = guesser.types()
    with readers.open_table(dist.format, opener, size, limits) as table:
        _write(dist, table, names, renamed, types, iter(()), retry=False)


def _is_blank(row: Sequence[Any]) -> bool:
    for cell in row:
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            return False
    return True


def _write(
    dist: Distribution,
    table: readers.Table,
    names: list[str],
    renamed: list[str],
    types: list[str],
    first: Iterator[list[Any]],
    *,
    retry: bool,
) -> None:
    """Convert and store every row with ``types``; raise _Retype (when ``retry``) if a column
    turns out not to fit its type. Marks the distribution DONE at the end."""
    width = len(names)
    types = list(types)
    converters = [inference.CONVERTERS[t] for t in types]
    summaries = [inference.ColumnSummary(name, t) for name, t in zip(names, types, strict=True)]
    markers_nulled = [0] * width
    problems = _Problems()
    for note in renamed:
        problems.add(None, None, note)
    batch: list[tuple[int, int, str]] = []
    insert = _insert_sql()
    dumps = json.JSONEncoder().encode  # what json.dumps does with its defaults
    to_text = inference.to_text  # text values are stored as they are: skip the call
    number = 0
    pk = dist.pk
    nofit = inference.NOFIT
    check_unreadable = dist.format == "csv"

    def flush() -> None:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.executemany(insert, batch)
            Distribution.objects.filter(pk=pk).update(progress_done=table.position())
        batch.clear()

    rows = _chain(first, table.rows)
    for raw in rows:
        if _is_blank(raw):
            continue
        number += 1
        if readers.is_not_a_record(raw):
            number -= 1
            problems.add(
                None, None, _("An element of the JSON list is not a record (an object); left out")
            )
            continue
        if len(raw) != width:
            _ragged(problems, number, raw, width)
        values: list[Any] = [None] * width
        for index in range(min(width, len(raw))):
            value = raw[index]
            if value.__class__ is str:  # inference.clean, inlined: this is the hot loop
                value = value.strip() or None
            if value is not None and (
                value.__class__ is not str or converters[index] is not to_text
            ):
                converted = converters[index](value)
                if converted is nofit:
                    converted = _misfit(
                        index,
                        value,
                        number,
                        names,
                        types,
                        converters,
                        summaries,
                        markers_nulled,
                        problems,
                        retry,
                    )
                value = converted
            summaries[index].add(value)
            values[index] = value
        for index in range(len(raw), width):
            summaries[index].add(None)
        if check_unreadable and "\ufffd" in "\x1f".join(raw):
            problems.add(
                number,
                None,
                _(
                    "Row %(row)d has characters that could not be read in the file's encoding "
                    "(%(encoding)s); they are shown as �"
                )
                % {"row": number, "encoding": table.encoding},
            )
        batch.append((pk, number, dumps(values)))
        if len(batch) >= BATCH_ROWS:
            flush()
    if batch:
        flush()
    if number == 0:
        raise ImportFailed(_("The file has a header row but no data rows"))
    dist.columns = [s.as_dict() for s in summaries]
    dist.row_count = number
    dist.problems = problems.items
    dist.problem_count = problems.count
    dist.status = ImportStatus.DONE
    dist.imported_at = timezone.now()
    dist.progress_done = dist.progress_total
    dist.save(
        update_fields=[
            "columns",
            "row_count",
            "problems",
            "problem_count",
            "status",
            "imported_at",
            "progress_done",
            "encoding",
            "delimiter",
            "progress_total",
        ]
    )


def _insert_sql() -> str:
    """A plain INSERT for the rows: the ORM's bulk_create spends more time preparing each row
    than SQLite spends storing it. The JSON is text as JSONField stores it (json.dumps with its
    defaults), cast to jsonb on PostgreSQL."""
    meta = DatasetRow._meta
    quote = connection.ops.quote_name
    columns = [
        str(getattr(meta.get_field(n), "column", n)) for n in ("distribution", "number", "data")
    ]
    data = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    # Only names from the model's own metadata, quoted, are put into the SQL.
    return "INSERT INTO {} ({}) VALUES (%s, %s, {})".format(  # noqa: S608
        quote(str(meta.db_table)), ", ".join(quote(c) for c in columns), data
    )


def _chain(first: Iterator[list[Any]], rest: Iterator[list[Any]]) -> Iterator[list[Any]]:
    yield from first
    yield from rest


def _ragged(problems: _Problems, number: int, raw: Sequence[Any], width: int) -> None:
    if len(raw) < width:
        problems.add(
            number,
            None,
            _("Row %(row)d has %(n)d cells but the header has %(w)d; the missing cells are empty")
            % {"row": number, "n": len(raw), "w": width},
        )
    elif any(inference.clean(cell) is not None for cell in raw[width:]):
        problems.add(
            number,
            None,
            _(
                "Row %(row)d has %(n)d cells but the header has %(w)d; "
                "the cells beyond the last column were left out"
            )
            % {"row": number, "n": len(raw), "w": width},
        )


def _misfit(
    index: int,
    value: Any,
    number: int,
    names: list[str],
    types: list[str],
    converters: list[Any],
    summaries: list[inference.ColumnSummary],
    markers_nulled: list[int],
    problems: _Problems,
    retry: bool,
) -> Any:
    """What to store for a value that does not fit its column's type (see module docstring)."""
    column_type = types[index]
    if inference.is_missing_marker(value):
        markers_nulled[index] += 1
        problems.add(
            number,
            names[index],
            _("Row %(row)d, column '%(column)s': '%(value)s' %(not_a)s; kept as empty")
            % {
                "row": number,
                "column": names[index],
                "value": _shown(value),
                "not_a": inference.not_a(column_type),
            },
        )
        return None
    if column_type == ColumnType.INTEGER:
        converted = inference.to_decimal(value)
        if converted is not inference.NOFIT:
            _set_type(index, ColumnType.DECIMAL, types, converters, summaries)
            return converted
    if column_type == ColumnType.GSS and not markers_nulled[index]:
        _set_type(index, ColumnType.TEXT, types, converters, summaries)
        return inference.to_text(value)
    if retry:
        raise _Retype
    # Types settled over the whole file cannot misfit; keep the text rather than lose it.
    _set_type(index, ColumnType.TEXT, types, converters, summaries)
    return inference.to_text(value)


def _set_type(
    index: int,
    column_type: str,
    types: list[str],
    converters: list[Any],
    summaries: list[inference.ColumnSummary],
) -> None:
    types[index] = column_type
    converters[index] = inference.CONVERTERS[column_type]
    summaries[index].set_type(column_type)
