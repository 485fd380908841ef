"""URL routes for people suggestions: none of their own (the sections are template tags on the
home page, profiles and item pages).

Importing ``people`` here connects its profile-change signals in every web process before the
first request is handled (the URLconf is loaded first); ``SerendipityConfig.ready`` should import
it too so that management commands and the worker connect them as well."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

from . import people  # noqa: F401 (connects the signals that mark person vectors stale)

app_name = "people_like_you"

urlpatterns: list[URLPattern | URLResolver] = []
