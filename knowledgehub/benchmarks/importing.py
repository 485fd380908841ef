"""Importing council values from a CSV or XLSX file, long or wide.

Long form: one value a row, with columns for the area (GSS code), the period, the metric and the
value (and optionally ``unit`` and ``measure``), found by their headings or given by a mapping.
Wide form: an area column and either one column per period (for one metric) or one column per
metric (for one period).

Files are read by ``datasets.readers`` (content sniffing, encodings, delimiters, workbooks, size
limits). Every row that cannot be imported is reported with its row number and column, never
guessed: unknown codes, national or regional figures, periods that are not of the metric's type,
a unit that differs from the metric's, text where a number belongs and repeated rows (the first
is kept). Missing-value markers (blank, NA, .., [c] …) are counted, not stored. Values go through
``writes.write_batch`` in batches, so revisions are kept and a second import of the same file
changes nothing.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from knowledgehub.datasets.readers import (
    SNIFF_BYTES,
    ImportFailed,
    Limits,
    Table,
    detect_format,
    open_table,
    size_words,
)
from knowledgehub.organisations.choices import COUNCIL_TYPES

from . import periods, writes
from .choices import PeriodType, Polarity, Sharing
from .models import BenchmarkingClub, Metric, MetricImport

__all__ = [
    "ImportFailed",
    "ImportOptions",
    "ImportReport",
    "Problem",
    "guess_mapping",
    "import_file",
    "read_header",
]

ROLES = ("area", "period", "metric", "value", "unit", "measure")
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "area": ("area_code", "gss", "gss_code", "code", "ons_code", "la_code", "geography_code"),
    "period": ("period", "year", "time_period", "financial_year"),
    "metric": ("metric", "indicator", "metric_id", "indicator_name", "measure_name"),
    "value": ("value", "val", "figure", "obs_value"),
    "unit": ("unit", "units"),
    "measure": ("measure",),
}
#: Columns that name the area rather than hold figures (ignored in wide files).
NAME_COLUMNS = {
    "area_name",
    "name",
    "council",
    "council_name",
    "authority",
    "local_authority",
    "la_name",
    "area",
    "geography",
    "region",
}
MISSING_MARKERS = {"", "na", "n/a", "..", "-", "x", ":", "[c]", "[x]", "[z]", "nan", "null"}
PERCENT_MEASURES = {"percentage", "percent", "per cent", "%", "proportion (%)"}
COUNT_MEASURES = {"frequency", "count", "number", "total", "amount", ""}
NATIONS = {
    "E92000001": "England",
    "W92000004": "Wales",
    "S92000003": "Scotland",
    "N92000002": "Northern Ireland",
    "K02000001": "the United Kingdom",
    "K03000001": "Great Britain",
    "K04000001": "England and Wales",
}
MAX_PROBLEMS = 1000
BATCH_SIZE = 5000
_NUMBER_JUNK = re.compile(r"[,\s£]")


#: Larger figures are refused as mistakes (no council measure comes near; charts and
#: statistics stay finite).
MAX_ABS_VALUE = 1e15


@dataclass
class ImportOptions:
    """What the person importing chose. ``mapping`` maps roles (area, period, metric, value,
    unit, measure) to column headings; ``layout`` is "long", "wide" or "" (decide from the
    header); ``metric`` names the one metric of a file without a metric column (identifier or
    title); ``period`` the one period of a file without a period column."""

    mapping: dict[str, str] = field(default_factory=dict)
    layout: str = ""
    metric: str = ""
    period: str = ""
    create_metrics: bool = False
    period_type: str = ""
    sharing: str = Sharing.PUBLIC
    club: str = ""  # slug
    embargo_until: date | None = None
    by_user: Any = None
    record: MetricImport | None = None
    batch_size: int = BATCH_SIZE


@dataclass
class Problem:
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportReport:
    rows_read: int = 0
    created: int = 0
    revised: int = 0
    unchanged: int = 0
    missing: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    layout: str = ""
    metrics_created: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.revised + self.unchanged

    def problem(self, row: int | None, column: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, message))


# --- opening files ----------------------------------------------------------------------------

Source = str | Path | IO[bytes]


@contextmanager
def _open(source: Source) -> Iterator[Table]:
    limits = Limits.from_settings()
    opener: Callable[[], IO[bytes]]
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ImportFailed(_("%(path)s does not exist or is not a file") % {"path": path})
        size = path.stat().st_size

        def opener() -> IO[bytes]:
            return path.open("rb")

    else:
        fileobj = source
        fileobj.seek(0, 2)
        size = int(fileobj.tell())
        fileobj.seek(0)

        def opener() -> IO[bytes]:
            fileobj.seek(0)
            return fileobj

    if size <= 0:
        raise ImportFailed(_("The file is empty"))
    if size > limits.max_bytes:
        raise ImportFailed(
            _("The file is too big: the largest we accept is %(limit)s")
            % {"limit": size_words(limits.max_bytes)}
        )
    probe = opener()
    head = probe.read(SNIFF_BYTES)
    try:
        fmt = detect_format(head, probe)
    except ValidationError as exc:
        raise ImportFailed(exc.messages[0]) from None
    finally:
        if isinstance(source, str | Path):
            probe.close()
    if fmt not in ("csv", "xlsx"):
        raise ImportFailed(_("Upload a CSV or XLSX file: this one is JSON"))
    with open_table(fmt, opener, size, limits) as table:
        table.notes.append(fmt)
        yield table


def cell_text(value: Any) -> str:
    """A cell as text: workbook numbers without a spurious ".0", dates as year-month."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return f"{value.year}-{value.month:02d}"
    return str(value).strip()


def _key(heading: str) -> str:
    return re.sub(r"[\s\-]+", "_", heading.strip().lower())


def read_header(source: Source) -> tuple[str, list[str]]:
    """The format (csv or xlsx) and the header of a file, or ImportFailed."""
    with _as_path(source) as path, _open(path) as table:
        return table.notes[-1], [cell_text(h) for h in table.header]


@contextmanager
def _as_path(source: Source) -> Iterator[Path]:
    """A path to read ``source`` from (a file object is copied to a temporary file, so it can
    be read more than once and is not closed)."""
    if isinstance(source, str | Path):
        yield Path(source)
        return
    with tempfile.NamedTemporaryFile(suffix=".upload") as copy:
        source.seek(0)
        shutil.copyfileobj(source, copy, 1024 * 1024)
        copy.flush()
        source.seek(0)
        yield Path(copy.name)


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Role -> heading, for the headings whose names say what they hold."""
    keys = {_key(h): h for h in reversed(header) if h}
    guesses: dict[str, str] = {}
    for role in ROLES:
        for name in ROLE_NAMES[role]:
            if name in keys and keys[name] not in guesses.values():
                guesses[role] = keys[name]
                break
    return guesses


# --- metrics ----------------------------------------------------------------------------------


def unit_label(measure: str, unit: str) -> str:
    """The unit a metric is in, from a file's measure and unit columns: Percentage -> %,
    Frequency (or Count) of Tonnes -> tonnes."""
    m, u = measure.strip().lower(), unit.strip()
    if m in PERCENT_MEASURES or u == "%":
        return "%"
    if m in COUNT_MEASURES:
        return u.lower()
    return (u or m).lower() if not u else u.lower()


def _unit_slug(label: str) -> str:
    return "percent" if label == "%" else slugify(label)


@dataclass(frozen=True)
class Refusal:
    """Why a metric text cannot be used (``role``: the column to blame: metric or unit)."""

    role: str
    message: str


class _Metrics:
    """The metrics a file names, found by identifier or title (any case), created when asked."""

    def __init__(self, options: ImportOptions, report: ImportReport) -> None:
        self.options = options
        self.report = report
        self.by_id: dict[str, Metric] = {}
        self.by_title: dict[str, Metric] = {}
        for metric in Metric.objects.all():
            self.by_id[metric.identifier.lower()] = metric
            self.by_title.setdefault(" ".join(metric.title.lower().split()), metric)

    def find(self, text: str) -> Metric | None:
        norm = " ".join(text.lower().split())
        return self.by_id.get(norm) or self.by_title.get(norm) or self.by_id.get(slugify(text))

    def create(self, title: str, identifier: str, unit: str, period_texts: set[str]) -> Metric:
        period_type = self.options.period_type or periods.infer_period_type(period_texts)
        if not period_type:
            raise periods.PeriodError(
                _(
                    "The periods of the new metric “%(title)s” are not all years, financial "
                    "years, quarters or months of one kind; give the period type"
                )
                % {"title": title}
            )
        identifier = identifier[:120].strip("-") or "metric"
        metric = Metric.objects.create(
            identifier=identifier,
            title=title[:255],
            unit=unit[:40],
            polarity=Polarity.NEITHER,
            period_type=period_type,
            created_by=self.options.by_user
            if getattr(self.options.by_user, "is_authenticated", False)
            else None,
        )
        self.by_id[metric.identifier.lower()] = metric
        self.by_title.setdefault(metric.title.lower(), metric)
        self.report.metrics_created.append(metric.identifier)
        return metric

    def resolve(
        self, text: str, label: str | None, split: bool, period_texts: set[str]
    ) -> Metric | Refusal:
        """The metric for ``text`` in unit ``label`` (None: the file says no unit), or why not."""
        if split and label is not None:
            title = f"{text} ({label})"
            identifier = f"{slugify(text)[:100]}-{_unit_slug(label)}"
            found = self.by_id.get(identifier) or self.by_title.get(" ".join(title.lower().split()))
            if found is not None:
                return found
        else:
            title, identifier = text, slugify(text)
        base = self.find(text)
        if base is not None:
            if label is None or not base.unit or base.unit.lower() == label.lower():
                return base
            if not split:
                return Refusal(
                    "unit",
                    _("The unit %(unit)s differs from the unit of %(metric)s (%(metric_unit)s)")
                    % {"unit": label or "?", "metric": base.identifier, "metric_unit": base.unit},
                )
        if not self.options.create_metrics:
            return Refusal(
                "metric",
                _("“%(text)s” is not a metric here; define it first or choose to create metrics")
                % {"text": text if len(text) < 80 else text[:79] + "…"},
            )
        if not identifier:
            return Refusal("metric", _("“%(text)s” cannot name a metric") % {"text": text[:80]})
        try:
            return self.create(title, identifier, label or "", period_texts)
        except periods.PeriodError as exc:
            return Refusal("metric", str(exc))


# --- the import -------------------------------------------------------------------------------


class _Importer:
    def __init__(self, table: Table, options: ImportOptions) -> None:
        self.table = table
        self.options = options
        self.report = ImportReport()
        self.header = [cell_text(h) for h in table.header]
        self.record = options.record
        self.pending: list[writes.ValueInput] = []
        self.seen: dict[tuple[int, int, str], int] = {}
        self.period_cache: dict[tuple[str, str], periods.Period | str] = {}
        self.councils: dict[str, int] = {}
        from knowledgehub.organisations.models import Organisation

        for code, pk in Organisation.objects.filter(type__in=COUNCIL_TYPES).values_list(
            "code", "pk"
        ):
            self.councils[code.upper()] = pk
        self.club_id: int | None = None
        if options.sharing not in Sharing.values:
            raise ImportFailed(
                _("“%(s)s” is not a sharing level (public, members or club)")
                % {"s": options.sharing}
            )
        if options.club:
            club = BenchmarkingClub.objects.filter(slug=options.club).first()
            if club is None:
                raise ImportFailed(
                    _("There is no benchmarking club called “%(slug)s”") % {"slug": options.club}
                )
            self.club_id = club.pk
        if options.sharing == Sharing.CLUB and self.club_id is None:
            raise ImportFailed(_("Values shared with a club need the club"))
        if options.period_type and options.period_type not in PeriodType.values:
            raise ImportFailed(
                _("“%(t)s” is not a period type (year, financial_year, quarter, month)")
                % {"t": options.period_type}
            )
        self.metrics = _Metrics(options, self.report)

    # helpers
    def column(self, role: str) -> int | None:
        given = self.options.mapping.get(role)
        if given:
            for index, heading in enumerate(self.header):
                if heading.lower() == given.strip().lower():
                    return index
            raise ImportFailed(
                _("There is no column called “%(name)s”; the columns are: %(columns)s")
                % {"name": given[:100], "columns": ", ".join(h for h in self.header if h)[:500]}
            )
        guessed = guess_mapping(self.header).get(role)
        return self.header.index(guessed) if guessed else None

    def council(self, code: str, row: int, column: str) -> int | None:
        code = code.strip().upper()
        pk = self.councils.get(code)
        if pk is not None:
            return pk
        if code in NATIONS:
            self.report.problem(
                row,
                column,
                _("%(code)s is %(nation)s, not a council: national figures are not imported")
                % {"code": code, "nation": NATIONS[code]},
            )
        elif code.startswith("E12"):
            self.report.problem(
                row,
                column,
                _("%(code)s is a region, not a council: regional figures are not imported")
                % {"code": code},
            )
        elif not code:
            self.report.problem(row, column, _("The area code is empty"))
        else:
            self.report.problem(
                row,
                column,
                _("%(code)s is not a council in the register") % {"code": code[:40]},
            )
        return None

    def period(self, text: str, metric: Metric) -> periods.Period | str:
        key = (text, metric.period_type)
        found = self.period_cache.get(key)
        if found is None:
            try:
                found = periods.parse_period(text, metric.period_type)
            except periods.PeriodError as exc:
                found = str(exc)
            self.period_cache[key] = found
        return found

    def value(self, raw: Any, row: int, column: str) -> float | None:
        """The number in a cell; None (counted) when missing or reported."""
        if isinstance(raw, bool):
            self.report.problem(row, column, _("“%(v)s” is not a number") % {"v": raw})
            return None
        if isinstance(raw, int | float):
            if isinstance(raw, float) and not math.isfinite(raw):
                self.report.missing += 1
                return None
            return self._bounded(float(raw), str(raw), row, column)
        text = cell_text(raw)
        if text.lower() in MISSING_MARKERS:
            self.report.missing += 1
            return None
        try:
            number = float(_NUMBER_JUNK.sub("", text))
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            shown = text if len(text) <= 40 else text[:39] + "…"
            self.report.problem(row, column, _("“%(v)s” is not a number") % {"v": shown})
            return None
        return self._bounded(number, text, row, column)

    def _bounded(self, number: float, text: str, row: int, column: str) -> float | None:
        if abs(number) > MAX_ABS_VALUE:
            shown = text if len(text) <= 40 else text[:39] + "…"
            self.report.problem(
                row, column, _("“%(v)s” is too large to be a performance figure") % {"v": shown}
            )
            return None
        return number

    def add(
        self,
        metric: Metric,
        org_id: int,
        period_text: str,
        raw: Any,
        row: int,
        columns: tuple[str, str],
    ) -> None:
        period_column, value_column = columns
        number = self.value(raw, row, value_column)
        if number is None:
            return
        found = self.period(period_text, metric)
        if isinstance(found, str):
            self.report.problem(row, period_column, found)
            return
        key = (metric.pk, org_id, found.label)
        first = self.seen.get(key)
        if first is not None:
            self.report.problem(
                row,
                value_column,
                _(
                    "Repeats the value of row %(first)d for this council, metric and period; the "
                    "first is kept"
                )
                % {"first": first},
            )
            return
        self.seen[key] = row
        self.pending.append(
            writes.ValueInput(
                metric_id=metric.pk,
                organisation_id=org_id,
                period=found.label,
                period_start=found.start,
                value=number,
                sharing=self.options.sharing,
                club_id=self.club_id if self.options.sharing == Sharing.CLUB else None,
                embargo_until=self.options.embargo_until,
            )
        )
        if len(self.pending) >= self.options.batch_size:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            outcome = writes.write_batch(
                self.pending, by_user=self.options.by_user, by_import=self.record
            )
            self.pending = []
            self.report.created += outcome[writes.CREATED]
            self.report.revised += outcome[writes.REVISED]
            self.report.unchanged += outcome[writes.UNCHANGED]
        self.progress()

    def progress(self, final: bool = False) -> None:
        if self.record is None:
            return
        report = self.report
        total = self.table.total
        MetricImport.objects.filter(pk=self.record.pk).update(
            rows_read=report.rows_read,
            imported=report.created,
            revised=report.revised,
            unchanged=report.unchanged,
            missing=report.missing,
            bytes_total=total,
            bytes_read=total if final else min(self.table.position(), total),
            problems=[p.as_dict() for p in report.problems],
            problem_count=report.problem_count,
        )

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """Data rows with their row numbers (the header is row 1), skipping blank rows."""
        number = 1
        for row in self.table.rows:
            number += 1
            if not any(cell not in (None, "") and str(cell).strip() for cell in row):
                continue
            self.report.rows_read += 1
            yield number, row

    # layouts
    def run(self) -> ImportReport:
        area = self.column("area")
        if area is None:
            raise ImportFailed(
                _(
                    "No column holds the area codes: name it area_code (or gss or code), or say "
                    "which it is"
                )
            )
        metric_col, value_col, period_col = (
            self.column("metric"),
            self.column("value"),
            self.column("period"),
        )
        layout = self.options.layout
        if not layout:
            has_metric = metric_col is not None or bool(self.options.metric)
            has_period = period_col is not None or bool(self.options.period)
            layout = "long" if value_col is not None and has_metric and has_period else "wide"
        self.report.layout = layout
        if layout == "long":
            self.long(area, period_col, metric_col, value_col)
        elif layout == "wide":
            if self.options.metric and period_col is None:
                self.wide_periods(area)
            elif self.options.period:
                self.wide_metrics(area)
            else:
                raise ImportFailed(
                    _(
                        "This file has no value column. For a file with one column per period, "
                        "give the metric; for one column per metric, give the period"
                    )
                )
        else:
            raise ImportFailed(_("The layout must be long or wide"))
        self.flush()
        self.progress(final=True)
        return self.report

    def _cell(self, row: list[Any], index: int | None) -> Any:
        if index is None or index >= len(row):
            return None
        return row[index]

    def long(
        self, area: int, period_col: int | None, metric_col: int | None, value_col: int | None
    ) -> None:
        if value_col is None:
            raise ImportFailed(_("No column holds the values: name it value, or say which it is"))
        if period_col is None and not self.options.period:
            raise ImportFailed(_("No column holds the periods: name it period, or give the period"))
        if metric_col is None and not self.options.metric:
            raise ImportFailed(
                _("No column names the metric: name it metric or indicator, or give the metric")
            )
        unit_col, measure_col = self.column("unit"), self.column("measure")
        has_units = unit_col is not None or measure_col is not None
        names = self.header
        area_name = names[area]
        period_name = names[period_col] if period_col is not None else _("period")
        metric_name = names[metric_col] if metric_col is not None else _("metric")
        value_name = names[value_col]
        unit_name = names[unit_col] if unit_col is not None else names[measure_col or 0]
        fixed_period = self.options.period

        def label_of(row: list[Any]) -> str | None:
            if not has_units:
                return None
            return unit_label(
                cell_text(self._cell(row, measure_col)), cell_text(self._cell(row, unit_col))
            )

        # First pass over the metric and unit cells only: which metric texts come in more than
        # one unit (each unit becomes its own metric) and, for new metrics, their periods.
        combos: dict[tuple[str, str | None], set[str]] = {}
        prescan = metric_col is not None or self.metrics.find(self.options.metric) is None
        if prescan:
            for row in self.table.rows:
                text = (
                    cell_text(self._cell(row, metric_col))
                    if metric_col is not None
                    else self.options.metric
                )
                if not text:
                    continue
                period_text = fixed_period or cell_text(self._cell(row, period_col))
                key = (text, label_of(row) if metric_col is not None else None)
                combos.setdefault(key, set()).add(period_text)
            self._reopen()
        if metric_col is None:
            combos.setdefault((self.options.metric, None), set())
        labels: dict[str, set[str | None]] = {}
        for text, label in combos:
            labels.setdefault(text, set()).add(label)
        resolved: dict[tuple[str, str | None], Metric | Refusal] = {}
        for (text, label), texts in combos.items():
            resolved[(text, label)] = self.metrics.resolve(
                text, label, len(labels[text]) > 1, texts
            )
        self.report.metrics = sorted(
            {m.identifier for m in resolved.values() if isinstance(m, Metric)}
        )
        given = resolved.get((self.options.metric, None))
        if metric_col is None and isinstance(given, Refusal):
            raise ImportFailed(given.message)

        for number, row in self.rows():
            text = self.options.metric if metric_col is None else cell_text(row[metric_col])
            label = label_of(row) if metric_col is not None else None
            if not text:
                self.report.problem(number, metric_name, _("The metric is empty"))
                continue
            metric = resolved.get((text, label))
            if metric is None:  # the metric's unit check when the metric was given
                continue
            if isinstance(metric, Refusal):
                self.report.problem(
                    number, unit_name if metric.role == "unit" else metric_name, metric.message
                )
                continue
            if metric_col is None and has_units and metric.unit:
                row_label = label_of(row)
                if row_label and row_label.lower() != metric.unit.lower():
                    self.report.problem(
                        number,
                        unit_name,
                        _("The unit %(unit)s differs from the unit of %(metric)s (%(mu)s)")
                        % {"unit": row_label, "metric": metric.identifier, "mu": metric.unit},
                    )
                    continue
            org = self.council(cell_text(self._cell(row, area)), number, area_name)
            if org is None:
                continue
            period_text = fixed_period or cell_text(self._cell(row, period_col))
            self.add(
                metric,
                org,
                period_text,
                self._cell(row, value_col),
                number,
                (period_name, value_name),
            )

    def _reopen(self) -> None:
        """Start reading the rows again (after the first pass)."""
        self.table = self._reopener()

    _reopener: Callable[[], Table]

    def _data_headings(self, area: int) -> list[int]:
        return [
            i
            for i, heading in enumerate(self.header)
            if i != area and heading and _key(heading) not in NAME_COLUMNS
        ]

    def wide_periods(self, area: int) -> None:
        """One metric, one column per period."""
        candidates = self._data_headings(area)
        metric = self.metrics.find(self.options.metric)
        if metric is not None:
            period_type = metric.period_type
        else:
            period_type = self.options.period_type or self._best_type(candidates)
        columns = [i for i in candidates if periods.parses_as(self.header[i], period_type)]
        if not columns:
            raise ImportFailed(
                _("No column heading is a period (like 2024/25) for the metric “%(m)s”")
                % {"m": self.options.metric}
            )
        if metric is None:
            found = self.metrics.resolve(
                self.options.metric, None, False, {self.header[i] for i in columns}
            )
            if isinstance(found, Refusal):
                raise ImportFailed(found.message)
            metric = found
        self.report.metrics = [metric.identifier]
        area_name = self.header[area]
        for number, row in self.rows():
            org = self.council(cell_text(self._cell(row, area)), number, area_name)
            if org is None:
                continue
            for i in columns:
                heading = self.header[i]
                self.add(metric, org, heading, self._cell(row, i), number, (heading, heading))

    def _best_type(self, candidates: list[int]) -> str:
        best, best_count = str(PeriodType.FINANCIAL_YEAR), 0
        for period_type in periods.INFERENCE_ORDER:
            count = sum(periods.parses_as(self.header[i], period_type) for i in candidates)
            if count > best_count:
                best, best_count = str(period_type), count
        return best

    def wide_metrics(self, area: int) -> None:
        """One period, one column per metric."""
        columns: list[tuple[int, Metric]] = []
        for i in self._data_headings(area):
            if _key(self.header[i]) in {"period", "year", "unit", "measure"}:
                continue
            found = self.metrics.resolve(self.header[i], None, False, {self.options.period})
            if isinstance(found, Refusal):
                self.report.problem(1, self.header[i], found.message)
            else:
                columns.append((i, found))
        if not columns:
            raise ImportFailed(_("No column heading names a metric"))
        self.report.metrics = sorted(m.identifier for _i, m in columns)
        area_name = self.header[area]
        for number, row in self.rows():
            org = self.council(cell_text(self._cell(row, area)), number, area_name)
            if org is None:
                continue
            for i, metric in columns:
                heading = self.header[i]
                self.add(
                    metric, org, self.options.period, self._cell(row, i), number, (heading, heading)
                )


def import_file(source: Source, *, options: ImportOptions | None = None) -> ImportReport:
    """Import the values in ``source`` (a path or a binary file object). Raises ImportFailed
    when the file as a whole cannot be imported (not a table, no area column, bad options);
    row problems are in the report."""
    options = options or ImportOptions()
    with _as_path(source) as path:
        return _import_path(path, options)


def _import_path(source: Path, options: ImportOptions) -> ImportReport:
    stack: list[Any] = []

    def reopen() -> Table:
        manager = _open(source)
        stack.append(manager)
        return manager.__enter__()

    try:
        table = reopen()
        importer = _Importer(table, options)
        importer._reopener = reopen
        return importer.run()
    finally:
        while stack:
            stack.pop().__exit__(None, None, None)
