"""The DCAT catalogue (content negotiation on the other linked-data URIs is done by
``middleware.LinkedDataMiddleware`` on the pages themselves)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "linkeddata"

urlpatterns: list[URLPattern | URLResolver] = [
    path("catalogue", views.catalogue, name="catalogue"),
    path("catalogue.<str:ext>", views.catalogue, name="catalogue_format"),
]
