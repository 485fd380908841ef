"""``/sparql``: the read-only SPARQL 1.1 Protocol endpoint (mounted at the site root)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from . import sparql_views

app_name = "sparql"

urlpatterns: list[URLPattern | URLResolver] = [
    path("sparql", sparql_views.endpoint, name="endpoint"),
]
