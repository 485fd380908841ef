"""Widget addresses, under /widgets/: the builder and the frameable widgets. (The oEmbed
provider is at /oembed, in the site URLconf.)"""

from __future__ import annotations

from django.urls import URLPattern, path

from . import views

app_name = "widgets"

urlpatterns: list[URLPattern] = [
    path("", views.builder, name="builder"),
    path("communities/<slug:slug>/latest/", views.community_latest, name="community_latest"),
    path("themes/trending/", views.trending_themes, name="trending"),
    path("metrics/<slug:identifier>/<str:gss>/", views.metric, name="metric"),
    path("datasets/<slug:slug>/preview/", views.dataset_preview, name="dataset_preview"),
    path("items/<int:item_id>/", views.item, name="item"),
]

#: Every route other sites may frame (``frame-ancestors *``, no X-Frame-Options): the widgets
#: here and the two frameable pages elsewhere. A test keeps every other route unframeable.
FRAMEABLE_VIEWS = frozenset(
    {
        "widgets:community_latest",
        "widgets:trending",
        "widgets:metric",
        "widgets:dataset_preview",
        "widgets:item",
        "trends:heatmap_embed",
        "benchmarks:embed",
    }
)
