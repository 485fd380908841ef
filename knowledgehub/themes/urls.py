"""Theme pages: ``/themes/`` and ``/themes/<id>/``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "themes"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.theme_list, name="list"),
    path("<int:pk>/", views.theme_detail, name="detail"),
]
