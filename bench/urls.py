"""The project's URLs plus ``/bench/ok``: the bare Django view every page is compared with.

``ok`` does no database or template work but still passes through the full middleware stack
(sessions, CSRF, auth, messages, CSP …), so the ratio of a page to it measures the page's own cost.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from knowledgehub.urls import (
    handler400,
    handler403,
    handler404,
    handler500,
)
from knowledgehub.urls import urlpatterns as project_urlpatterns


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bench/ok", ok, name="bench_ok"), *project_urlpatterns]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
