"""Request guards that apply to every view."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse


class RejectNulMiddleware:
    """Answer 400 when the path or query string holds a NUL character.

    PostgreSQL text cannot contain NUL, so ``?q=%00`` reaching a queryset filter raises
    ``DataError`` (a 500) instead of finding nothing. Forms already refuse NUL; this covers the
    values views read straight from the URL.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            if request.path.startswith("/api/"):
                from knowledgehub.api.errors import problem_response

                return problem_response(
                    request,
                    400,
                    "Bad request",
                    "The address contains a NUL character, which no value may hold.",
                )
            raise SuspiciousOperation("NUL character in the request URL")
        return self.get_response(request)
