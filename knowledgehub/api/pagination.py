"""Cursor pagination, the same for every list.

Every list answers ``{"items": [...], "next_cursor": "…" | null, "next": "<url>" | null}`` and a
``Link: <…>; rel="next"`` header. Clients pass ``cursor`` back unchanged with the same
``sort`` and filters; ``limit`` is 1 to 100 (default 20).

``keyset_page`` pages a queryset by (sort field, id), so a page costs one indexed query however
deep it is and rows added meanwhile never shift it. ``sequence_page`` pages a ranked list that is
computed whole (search results, related items, trends) by position.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import models
from django.http import HttpRequest
from ninja import Schema

from .errors import ApiError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: Cursors we issue are short; anything much longer is not one of ours.
MAX_CURSOR_LENGTH = 8000
#: No ranked list is this long; a larger offset would overflow the database's integers.
MAX_OFFSET = 2**31 - 1

T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    next: str | None = None


def _encode(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> dict[str, Any]:
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise ApiError(400, "Invalid cursor", "Pass back the cursor from the last page.")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError, RecursionError) as exc:
        raise ApiError(400, "Invalid cursor", "Pass back the cursor from the last page.") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "Invalid cursor", "Pass back the cursor from the last page.")
    return data


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, "Invalid limit", f"limit must be between 1 and {MAX_LIMIT}.")
    return limit


def _next_url(request: HttpRequest, cursor: str) -> str:
    query = request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _finish(request: HttpRequest, rows: list[Any], cursor: str | None) -> dict[str, Any]:
    next_url = _next_url(request, cursor) if cursor else None
    if next_url:
        request.kh_link_next = next_url  # type: ignore[attr-defined]
    return {"items": rows, "next_cursor": cursor, "next": next_url}


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _from_json(field: models.Field[Any, Any], value: Any) -> Any:
    try:
        if isinstance(field, models.DateTimeField):
            moment = dt.datetime.fromisoformat(str(value))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            # In UTC here, so a moment the database cannot hold (year 10000 once converted) is
            # an invalid cursor rather than an OverflowError in the query.
            return moment.astimezone(dt.UTC)
        if isinstance(field, models.DateField):
            return dt.date.fromisoformat(str(value))
        if isinstance(field, models.IntegerField | models.AutoField | models.ForeignKey):
            return int(value)
        if isinstance(field, models.FloatField | models.DecimalField):
            return float(value)
        return str(value)
    except (TypeError, ValueError, OverflowError) as exc:  # int(Infinity) is an OverflowError
        raise ApiError(400, "Invalid cursor", "Pass back the cursor from the last page.") from exc


def parse_sort(sort: str | None, allowed: dict[str, str], default: str) -> tuple[str, str, bool]:
    """``sort`` is a name from ``allowed`` (public name → model field), ``-`` for descending.
    Returns (the public sort string, the model field, descending)."""
    value = (sort or default).strip()
    descending = value.startswith("-")
    name = value.lstrip("-")
    if name not in allowed:
        choices = ", ".join(sorted(allowed))
        raise ApiError(
            400, "Invalid sort", f"sort must be one of {choices}, with - for descending."
        )
    return ("-" if descending else "") + name, allowed[name], descending


def keyset_page(
    request: HttpRequest,
    queryset: models.QuerySet[Any],
    *,
    sort: str | None,
    allowed: dict[str, str],
    default: str,
    limit: int | None,
    cursor: str | None,
    transform: Callable[[list[Any]], list[Any]] | None = None,
) -> dict[str, Any]:
    """One page of ``queryset`` ordered by the chosen (non-null) field, then id. ``transform``
    turns the page's rows into what the endpoint returns."""
    size = check_limit(limit)
    sort_value, field_name, descending = parse_sort(sort, allowed, default)
    model_field = queryset.model._meta.get_field(field_name.split("__")[0])
    qs = queryset
    if cursor:
        data = _decode(cursor)
        if data.get("s") != sort_value or "id" not in data:
            raise ApiError(
                400, "Invalid cursor", "The cursor belongs to another sort order; start again."
            )
        value = _from_json(model_field, data.get("v"))
        last_id = _from_json(models.BigIntegerField(), data["id"])
        op = "lt" if descending else "gt"
        qs = qs.filter(
            models.Q(**{f"{field_name}__{op}": value})
            | models.Q(**{field_name: value, f"pk__{op}": last_id})
        )
    prefix = "-" if descending else ""
    rows = list(qs.order_by(f"{prefix}{field_name}", f"{prefix}pk")[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        if isinstance(last, dict):  # rows from values()
            value, last_pk = last[field_name], last["id"]
        else:
            value, last_pk = last, last.pk
            for part in field_name.split("__"):
                value = getattr(value, part)
        next_cursor = _encode({"s": sort_value, "v": _to_json(value), "id": last_pk})
    return _finish(request, transform(rows) if transform else rows, next_cursor)


def sequence_page(
    request: HttpRequest,
    rows: Sequence[Any] | Callable[[int, int], Sequence[Any]],
    *,
    limit: int | None,
    cursor: str | None,
    key: str = "",
) -> dict[str, Any]:
    """One page of a ranked list, by position. ``rows`` is the whole list or a function
    ``(offset, count) -> rows`` (asked for one more than a page, to know whether there is a
    next). ``key`` ties a cursor to its query so it cannot be replayed against another."""
    size = check_limit(limit)
    offset = 0
    if cursor:
        data = _decode(cursor)
        offset = data.get("o", -1)
        if not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET or data.get("k", "") != key:
            raise ApiError(400, "Invalid cursor", "Pass back the cursor from the last page.")
    chunk = list(rows(offset, size + 1) if callable(rows) else rows[offset : offset + size + 1])
    next_cursor = _encode({"o": offset + size, "k": key}) if len(chunk) > size else None
    return _finish(request, chunk[:size], next_cursor)
