"""URL routes (filled in by issue 6 work)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

app_name = "trends"

urlpatterns: list[URLPattern | URLResolver] = []
