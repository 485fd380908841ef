from __future__ import annotations

from datetime import date

import pytest

from knowledgehub.benchmarks.periods import (
    PeriodError,
    infer_period_type,
    parse_period,
    period_uri,
)


@pytest.mark.parametrize(
    ("text", "kind", "label", "start"),
    [
        ("2024", "year", "2024", date(2024, 1, 1)),
        ("2013/14", "financial_year", "2013/14", date(2013, 4, 1)),
        ("2013-14", "financial_year", "2013/14", date(2013, 4, 1)),
        ("2013/2014", "financial_year", "2013/14", date(2013, 4, 1)),
        ("FY2013/14", "financial_year", "2013/14", date(2013, 4, 1)),
        ("1999/00", "financial_year", "1999/00", date(1999, 4, 1)),
        ("2022/23 Q3", "quarter", "2022/23 Q3", date(2022, 10, 1)),
        ("2022/23 Q4", "quarter", "2022/23 Q4", date(2023, 1, 1)),
        ("2024/25 Q1", "quarter", "2024/25 Q1", date(2024, 4, 1)),
        ("2024-03", "month", "2024-03", date(2024, 3, 1)),
        ("March 2024", "month", "2024-03", date(2024, 3, 1)),
        ("Mar 2024", "month", "2024-03", date(2024, 3, 1)),
    ],
)
def test_parses(text: str, kind: str, label: str, start: date) -> None:
    period = parse_period(text, kind)
    assert (period.label, period.start, period.type) == (label, start, kind)


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("2013/15", "financial_year", "15 does not follow 2013"),
        ("2024", "financial_year", "is not a financial year like 2024/25"),
        ("2024/25", "year", "is not a year like 2024"),
        ("2024/25", "quarter", "is not a financial-year quarter"),
        ("2024/25 Q5", "quarter", "is not a financial-year quarter"),
        ("2024-13", "month", "is not a month"),
        ("Smarch 2024", "month", "is not a month"),
        ("", "year", "empty"),
        ("2024", "decade", "is not a kind of period"),
    ],
)
def test_refuses(text: str, kind: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        parse_period(text, kind)


def test_infer() -> None:
    assert infer_period_type(["2013/14", "2014-15"]) == "financial_year"
    assert infer_period_type(["2011-12"]) == "financial_year"
    assert infer_period_type(["2011-12", "2011-01"]) == "month"
    assert infer_period_type(["2022/23 Q3"]) == "quarter"
    assert infer_period_type(["2020", "2021"]) == "year"
    assert infer_period_type(["2020", "2021/22"]) is None
    assert infer_period_type([]) is None


def test_uris() -> None:
    base = "http://reference.data.gov.uk/id/"
    assert period_uri(parse_period("2024", "year")) == base + "gregorian-year/2024"
    assert period_uri(parse_period("2013/14", "financial_year")) == (
        base + "government-year/2013-2014"
    )
    assert period_uri(parse_period("2022/23 Q3", "quarter")) == (
        base + "government-quarter/2022-2023/Q3"
    )
    assert period_uri(parse_period("2024-03", "month")) == base + "gregorian-month/2024-03"
