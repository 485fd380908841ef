"""Plain Django views of the API app (the developer pages live in token_views.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .errors import problem_response


@csrf_exempt  # an API client has no CSRF token: any method gets the problem document
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/: a problem document, not the HTML 404 page."""
    return problem_response(
        request, 404, "Not found", "No such API endpoint; see /api/v1/docs for the list."
    )
