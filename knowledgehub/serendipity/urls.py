"""URL routes of the related-items engine (mounted at the site root)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "serendipity"

urlpatterns: list[URLPattern | URLResolver] = [
    path("items/<int:item_id>/related/", views.related, name="related"),
]
