"""Catch-up summaries: a long forum thread and a community's week (mounted at the site root, so
the full paths are spelled out here; they sit beside the forum and community pages they sum up)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import summary_views

app_name = "catchup"

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "communities/<slug:slug>/forums/t/<int:thread_id>/catch-up/",
        summary_views.thread_catch_up,
        name="thread",
    ),
    path(
        "communities/<slug:slug>/catch-up/",
        summary_views.community_catch_up,
        name="community",
    ),
]
