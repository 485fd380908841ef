"""Typed column inference and value conversion for imported data.

A column's type is the most specific of boolean, integer, decimal, date and GSS code that every
non-empty value fits; otherwise it is text. Types are guessed from a sample and then confirmed
over every row as the rows are written (see ``importing``): an integer column that meets a
decimal simply becomes decimal; a column that turns out to be text makes the importer settle the
types over the whole file and write the rows again, so no value is ever lost to a wrong guess.

The rules, chosen to be predictable rather than clever:

- Empty (or whitespace-only) cells are null, in every type.
- Integers: ``-12``, ``1,234`` (thousands separators with groups of three). Leading zeros
  (``007``) and more than 15 digits mean an identifier, so the column is text.
- Decimals: ``38.3``, ``-0.5``, ``1e5``, ``1,234.5``. Percentages (``12.5%``) and currency
  (``£3``) are not converted: the unit would be lost (is 12.5% 12.5 or 0.125?), so such a
  column stays text.
- Dates: ISO ``2024-03-31`` and UK ``31/03/2024``; stored as ISO text. Periods such as
  ``2013/14``, ``2022/23 Q3`` or ``2016-17`` are not dates (nor numbers): such columns are text.
- Booleans: true/false, yes/no (any case).
- GSS codes: ``E06000001`` (a letter E, W, S, N or K then eight digits).
- A value in a typed column that is a common "missing" marker (``NA``, ``n/a``, ``..``, ``-``,
  ``x``, ``[c]`` ...) is stored as null and reported as a problem; any other misfit makes the
  column text instead.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import ColumnType

#: The types we try, most specific first (when a value fits several, the earlier one wins).
PREFERENCE = (
    ColumnType.BOOLEAN,
    ColumnType.INTEGER,
    ColumnType.DECIMAL,
    ColumnType.DATE,
    ColumnType.GSS,
)

MISSING_MARKERS = frozenset(
    {
        "na",
        "n/a",
        "n.a.",
        "#n/a",
        "nan",
        "null",
        "none",
        "-",
        "--",
        "..",
        ".",
        ":",
        "x",
        "[x]",
        "c",
        "[c]",
        "z",
        "[z]",
        "u",
        "[u]",
    }
)

#: Values of this many distinct strings (per column) are counted for "top values"; later new
#: values are not counted, so memory stays bounded on a million-row file.
TOP_TRACK = 1000
DISTINCT_CAP = 1000
TOP_SHOWN = 5
_KEY_CHARS = 100


class NoFit:
    """The value does not fit the type (a sentinel; cheaper than an exception per cell)."""


NOFIT: Any = NoFit()

_INT = re.compile(r"[+-]?(?:0|[1-9]\d{0,14}|[1-9]\d{0,2}(?:,\d{3}){1,4})\Z")
_DEC = re.compile(
    r"[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+|[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?)"
    r"(?:[eE][+-]?\d{1,3})?\Z"
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})\Z")
_GSS = re.compile(r"[EWSNK]\d{8}\Z")
_BOOLEANS = {"true": True, "false": False, "yes": True, "no": False}
MAX_SAFE_INTEGER = 2**53


def to_integer(value: Any) -> Any:
    if isinstance(value, str):
        if _INT.match(value):
            return int(value.replace(",", ""))
        return NOFIT
    if isinstance(value, bool):
        return NOFIT
    if isinstance(value, int):
        return value if abs(value) < MAX_SAFE_INTEGER else NOFIT
    if isinstance(value, float) and value.is_integer() and abs(value) < MAX_SAFE_INTEGER:
        return int(value)
    return NOFIT


def to_decimal(value: Any) -> Any:
    if isinstance(value, str):
        if _DEC.match(value):
            number = float(value.replace(",", ""))
            return number if math.isfinite(number) else NOFIT
        return NOFIT
    if isinstance(value, bool):
        return NOFIT
    if isinstance(value, int):
        return value if abs(value) < MAX_SAFE_INTEGER else float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else NOFIT
    return NOFIT


def to_date(value: Any) -> Any:
    if isinstance(value, str):
        match = _ISO_DATE.match(value)
        if match:
            year, month, day = match.groups()
        else:
            match = _UK_DATE.match(value)
            if not match:
                return NOFIT
            day, month, year = match.groups()
        try:
            return dt.date(int(year), int(month), int(day)).isoformat()
        except ValueError:
            return NOFIT
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return NOFIT
    if isinstance(value, dt.date):
        return value.isoformat()
    return NOFIT


def to_boolean(value: Any) -> Any:
    if isinstance(value, str):
        result = _BOOLEANS.get(value.lower())
        return NOFIT if result is None else result
    if isinstance(value, bool):
        return value
    return NOFIT


def to_gss(value: Any) -> Any:
    if isinstance(value, str) and _GSS.match(value):
        return value
    return NOFIT


def to_text(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    ColumnType.BOOLEAN: to_boolean,
    ColumnType.INTEGER: to_integer,
    ColumnType.DECIMAL: to_decimal,
    ColumnType.DATE: to_date,
    ColumnType.GSS: to_gss,
    ColumnType.TEXT: to_text,
}

_NOT_A: dict[str, Any] = {
    ColumnType.BOOLEAN: gettext_lazy("is not yes or no (true or false)"),
    ColumnType.INTEGER: gettext_lazy("is not a whole number"),
    ColumnType.DECIMAL: gettext_lazy("is not a number"),
    ColumnType.DATE: gettext_lazy("is not a date"),
    ColumnType.GSS: gettext_lazy("is not a GSS area code"),
}


def not_a(column_type: str) -> str:
    """How a misfit is described: "is not a number"."""
    found = _NOT_A.get(column_type)
    return str(found) if found is not None else _("does not fit the column")


def clean(value: Any) -> Any:
    """A raw cell as the converters see it: strings stripped, blanks as None."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def is_missing_marker(value: Any) -> bool:
    return isinstance(value, str) and value.lower() in MISSING_MARKERS


class TypeGuesser:
    """The set of types still possible for each column, narrowed value by value."""

    def __init__(self, width: int) -> None:
        self.possible: list[list[str]] = [list(PREFERENCE) for _ in range(width)]
        self.seen = [0] * width

    def add_row(self, row: Sequence[Any]) -> None:
        for index, possible in enumerate(self.possible):
            if not possible or index >= len(row):
                continue
            value = clean(row[index])
            if value is None:
                continue
            if is_missing_marker(value):
                continue
            self.seen[index] += 1
            self.possible[index] = [t for t in possible if CONVERTERS[t](value) is not NOFIT]

    def add_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.add_row(row)

    def types(self) -> list[str]:
        """The most specific type of each column; text when nothing fits or nothing was seen."""
        result: list[str] = []
        for possible, seen in zip(self.possible, self.seen, strict=True):
            result.append(possible[0] if possible and seen else ColumnType.TEXT)
        return result


class ColumnSummary:
    """Running summary of one column, in bounded memory. Called once per cell, so the work per
    type is decided once (``set_type``), not per value."""

    def __init__(self, name: str, column_type: str) -> None:
        self.name = name
        self.nulls = 0
        self.count = 0
        self.minimum: Any = None
        self.maximum: Any = None
        self.total = 0.0
        self.distinct: set[Any] = set()
        self.distinct_capped = False
        self.top: dict[Any, int] = {}
        self.top_capped = False
        self.set_type(column_type)

    def set_type(self, column_type: str) -> None:
        self.type = column_type
        self._ranged = column_type in (ColumnType.INTEGER, ColumnType.DECIMAL, ColumnType.DATE)
        self._summed = column_type in (ColumnType.INTEGER, ColumnType.DECIMAL)
        self._counted = not self._ranged  # text, GSS, boolean: top values (and distinct)
        if column_type == ColumnType.TEXT:
            self.minimum = self.maximum = None

    def add(self, value: Any) -> None:
        if value is None:
            self.nulls += 1
            return
        self.count += 1
        if self._ranged:
            if self.minimum is None or value < self.minimum:
                self.minimum = value
            if self.maximum is None or value > self.maximum:
                self.maximum = value
            if self._summed:
                self.total += value
            if not self.distinct_capped:
                self.distinct.add(value)
                if len(self.distinct) > DISTINCT_CAP:
                    self.distinct_capped = True
                    self.distinct.clear()
            return
        key = value[:_KEY_CHARS] if value.__class__ is str else value
        top = self.top
        counted = top.get(key)
        if counted is not None:
            top[key] = counted + 1
        elif len(top) < TOP_TRACK:
            top[key] = 1
        else:
            self.top_capped = True

    def as_dict(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "name": self.name,
            "type": str(self.type),
            "count": self.count,
            "nulls": self.nulls,
        }
        if self._counted:
            summary["distinct"] = min(len(self.top), DISTINCT_CAP)
            summary["distinct_capped"] = self.top_capped or len(self.top) > DISTINCT_CAP
        else:
            summary["distinct"] = DISTINCT_CAP if self.distinct_capped else len(self.distinct)
            summary["distinct_capped"] = self.distinct_capped
        if self.type in (ColumnType.INTEGER, ColumnType.DECIMAL, ColumnType.DATE):
            summary["min"] = self.minimum
            summary["max"] = self.maximum
            if self.type != ColumnType.DATE and self.count:
                summary["mean"] = self.total / self.count
        if self.top:
            ranked = sorted(self.top.items(), key=lambda pair: (-pair[1], str(pair[0])))
            summary["top"] = [[value, count] for value, count in ranked[:TOP_SHOWN]]
            summary["top_approximate"] = self.top_capped
        return summary


def column_names(raw: Sequence[Any], *, max_chars: int = 200) -> tuple[list[str], list[str]]:
    """Header cells as unique, non-empty column names, and notes on what was changed."""
    names: list[str] = []
    notes: list[str] = []
    used: set[str] = set()
    for index, cell in enumerate(raw, start=1):
        name = "" if cell is None else " ".join(str(cell).split())[:max_chars]
        if not name:
            name = _("Column %(n)d") % {"n": index}
            notes.append(
                _("Column %(n)d has no name; it is called '%(name)s'")
                % {
                    "n": index,
                    "name": name,
                }
            )
        base, suffix = name, 2
        while name in used:
            name = f"{base} ({suffix})"
            suffix += 1
        if name != base:
            notes.append(
                _("The column name '%(base)s' is used more than once; one is called '%(name)s'")
                % {"base": base, "name": name}
            )
        used.add(name)
        names.append(name)
    return names, notes
