"""Reporting periods: parsing what files and people write ("2013/14", "2022/23 Q3", "March 2024")
into one canonical label and a start date, for a metric's period type. Nothing is guessed: a text
that is not a period of the type asked for is a :class:`PeriodError` whose message is shown to
the person who wrote it.

Canonical labels: year ``2024``; financial year ``2024/25`` (1 April to 31 March); financial-year
quarter ``2024/25 Q1`` (Q1 = April to June, Q4 = January to March of the next calendar year);
month ``2024-03``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from .choices import PeriodType

REFERENCE_BASE = "http://reference.data.gov.uk/id/"

_YEAR = re.compile(r"^(\d{4})$")
_FY = re.compile(r"^(?:FY\s*)?(\d{4})\s*[/\-\u2013]\s*(\d{2}|\d{4})$", re.IGNORECASE)
_QUARTER = re.compile(
    r"^(?:FY\s*)?(\d{4})\s*[/\-\u2013]\s*(\d{2}|\d{4})\s*[\s\-]?\s*Q([1-4])$", re.IGNORECASE
)
_MONTH_NUMERIC = re.compile(r"^(\d{4})-(\d{1,2})$")
_MONTH_NAMED = re.compile(r"^([A-Za-z]+)\.?\s+(\d{4})$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
#: Types tried by :func:`infer_period_type`, in order of preference.
INFERENCE_ORDER = (
    PeriodType.YEAR,
    PeriodType.FINANCIAL_YEAR,
    PeriodType.QUARTER,
    PeriodType.MONTH,
)
MIN_YEAR, MAX_YEAR = 1900, 2200


class PeriodError(ValueError):
    """The text is not a period of the type asked for; the message says so in plain words."""


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    type: str


def _shown(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 40 else text[:39] + "…"


def _check_year(year: int, text: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(
            _("“%(text)s” is not a period we can use: the year is out of range")
            % {"text": _shown(text)}
        )


def _fy_start(first: str, second: str, text: str, what: str) -> int:
    year = int(first)
    _check_year(year, text)
    following = int(second)
    expected = (year + 1) % 100 if len(second) == 2 else year + 1
    if following != expected:
        raise PeriodError(
            _("“%(text)s” is not a %(what)s: %(second)s does not follow %(first)s")
            % {"text": _shown(text), "what": what, "second": second, "first": first}
        )
    return year


def _parse_year(text: str) -> Period:
    match = _YEAR.match(text)
    if not match:
        raise PeriodError(_("“%(text)s” is not a year like 2024") % {"text": _shown(text)})
    year = int(match.group(1))
    _check_year(year, text)
    return Period(label=str(year), start=date(year, 1, 1), type=PeriodType.YEAR)


def _parse_financial_year(text: str) -> Period:
    match = _FY.match(text)
    if not match:
        raise PeriodError(
            _("“%(text)s” is not a financial year like 2024/25") % {"text": _shown(text)}
        )
    year = _fy_start(match.group(1), match.group(2), text, _("financial year"))
    return Period(
        label=f"{year}/{(year + 1) % 100:02d}",
        start=date(year, 4, 1),
        type=PeriodType.FINANCIAL_YEAR,
    )


def _parse_quarter(text: str) -> Period:
    match = _QUARTER.match(text)
    if not match:
        raise PeriodError(
            _("“%(text)s” is not a financial-year quarter like 2024/25 Q1") % {"text": _shown(text)}
        )
    year = _fy_start(match.group(1), match.group(2), text, _("financial-year quarter"))
    quarter = int(match.group(3))
    month = 4 + 3 * (quarter - 1)
    start = date(year, month, 1) if month <= 12 else date(year + 1, month - 12, 1)
    return Period(
        label=f"{year}/{(year + 1) % 100:02d} Q{quarter}", start=start, type=PeriodType.QUARTER
    )


def _parse_month(text: str) -> Period:
    year = month = 0
    numeric = _MONTH_NUMERIC.match(text)
    named = _MONTH_NAMED.match(text)
    if numeric:
        year, month = int(numeric.group(1)), int(numeric.group(2))
    elif named and named.group(1).lower() in _MONTHS:
        year, month = int(named.group(2)), _MONTHS[named.group(1).lower()]
    if not 1 <= month <= 12:
        raise PeriodError(
            _("“%(text)s” is not a month like 2024-03 or March 2024") % {"text": _shown(text)}
        )
    _check_year(year, text)
    return Period(label=f"{year}-{month:02d}", start=date(year, month, 1), type=PeriodType.MONTH)


_PARSERS = {
    PeriodType.YEAR: _parse_year,
    PeriodType.FINANCIAL_YEAR: _parse_financial_year,
    PeriodType.QUARTER: _parse_quarter,
    PeriodType.MONTH: _parse_month,
}


def parse_period(text: str, period_type: str) -> Period:
    """The period ``text`` names, of type ``period_type`` (a PeriodType value)."""
    parser = _PARSERS.get(period_type)  # type: ignore[call-overload]
    if parser is None:
        raise PeriodError(_("“%(type)s” is not a kind of period") % {"type": _shown(period_type)})
    cleaned = " ".join(str(text).split())
    if not cleaned:
        raise PeriodError(_("The period is empty"))
    result: Period = parser(cleaned)
    return result


def parses_as(text: str, period_type: str) -> bool:
    try:
        parse_period(text, period_type)
    except PeriodError:
        return False
    return True


def infer_period_type(texts: Iterable[str]) -> str | None:
    """The one period type every text parses as (financial year preferred over month for an
    ambiguous "2011-12"), or None when no type fits them all (or there are none)."""
    distinct = {" ".join(str(t).split()) for t in texts}
    if not distinct:
        return None
    for period_type in INFERENCE_ORDER:
        if all(parses_as(text, period_type) for text in distinct):
            return str(period_type)
    return None


def period_uri(period: Period) -> str:
    """The reference.data.gov.uk interval URI of a period."""
    start = period.start
    if period.type == PeriodType.YEAR:
        return f"{REFERENCE_BASE}gregorian-year/{start.year}"
    if period.type == PeriodType.MONTH:
        return f"{REFERENCE_BASE}gregorian-month/{start.year}-{start.month:02d}"
    first = int(period.label[:4])
    if period.type == PeriodType.FINANCIAL_YEAR:
        return f"{REFERENCE_BASE}government-year/{first}-{first + 1}"
    if period.type == PeriodType.QUARTER:
        return f"{REFERENCE_BASE}government-quarter/{first}-{first + 1}/{period.label[-2:]}"
    raise PeriodError(_("“%(type)s” is not a kind of period") % {"type": period.type})
