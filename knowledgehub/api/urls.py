"""Developer pages: /developers/ (tokens, OAuth apps). Filled in by token_views."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "developers"

urlpatterns: list[URLPattern] = []
