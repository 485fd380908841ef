"""Errors as RFC 9457 problem details (``application/problem+json``): ``type``, ``title``,
``status``, ``detail``, and for invalid input an ``errors`` list naming each field."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://knowledgehub.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

TYPES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    422: "invalid-input",
    429: "rate-limited",
    500: "server-error",
    503: "unavailable",
}


class ApiError(Exception):
    """Raise anywhere in an endpoint to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def problem_response(
    request: HttpRequest | None,
    status: int,
    title: str,
    detail: str = "",
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + TYPES.get(status, "error"),
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.path
    if errors:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def from_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return problem_response(
        request, exc.status, exc.title, exc.detail, errors=exc.errors, headers=exc.headers
    )


def _location(loc: Any) -> str:
    """A field's name from pydantic's location: ("body", "payload", "title") → "title"."""
    parts = [str(p) for p in (loc or [])]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
        parts = parts[1:]
    if parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "request"


def from_validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
    errors = [
        {"field": _location(err.get("loc")), "message": str(err.get("msg", "Invalid value"))}
        for err in getattr(exc, "errors", [])
    ]
    return problem_response(
        request,
        422,
        "Invalid input",
        "Some of what was sent is not valid; see errors.",
        errors=errors,
    )


def install(api: Any) -> None:
    """Register the problem+json handlers on a NinjaAPI."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404
    from ninja.errors import AuthenticationError, HttpError, ValidationError

    api.add_exception_handler(ApiError, from_api_error)
    api.add_exception_handler(ValidationError, from_validation_error)
    api.add_exception_handler(
        AuthenticationError,
        lambda request, exc: problem_response(
            request,
            401,
            "Authentication required",
            "The token is missing, unknown, expired or revoked.",
            headers={"WWW-Authenticate": 'Bearer realm="knowledgehub"'},
        ),
    )
    api.add_exception_handler(
        Http404,
        lambda request, exc: problem_response(
            request, 404, "Not found", "There is nothing here that you may see."
        ),
    )
    api.add_exception_handler(
        PermissionDenied,
        lambda request, exc: problem_response(
            request, 403, "Forbidden", str(exc) or "You may not do this."
        ),
    )
    api.add_exception_handler(
        HttpError,
        lambda request, exc: problem_response(
            request,
            exc.status_code,
            TYPES.get(exc.status_code, "Error").replace("-", " ").capitalize(),
            str(exc),
        ),
    )

    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s", request.path, exc_info=exc)
        return problem_response(
            request, 500, "Server error", "Something went wrong on our side; it has been logged."
        )

    api.add_exception_handler(Exception, server_error)
