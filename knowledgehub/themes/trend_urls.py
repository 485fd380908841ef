"""URL routes for bubbling up and the theme heat maps (mounted at ``trends/``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import trend_views

app_name = "trends"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", trend_views.trends, name="rising"),
    path("heatmap", trend_views.heatmap, name="heatmap"),
    path("heatmap/embed", trend_views.heatmap_embed, name="heatmap_embed"),
]
