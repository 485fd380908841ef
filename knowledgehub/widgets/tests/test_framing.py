"""Only widget routes may be framed: every other page keeps ``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``. Walks every route that takes no arguments, plus a sample of pages
with arguments, and the embed script is served."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

from knowledgehub.widgets.urls import FRAMEABLE_VIEWS

from .conftest import item_of

pytestmark = [pytest.mark.django_db, pytest.mark.urls("knowledgehub.widgets.tests.urls")]

REGEX_SYNTAX = re.compile(r"[()\[\]*+?\\{}|]")


def _plain(pattern: Any) -> str | None:
    """A route's literal text, or None when it takes arguments."""
    text = str(pattern)
    if "<" in text:
        return None
    text = text.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    return None if REGEX_SYNTAX.search(text) else text.replace(r"\.", ".").replace("\\", "")


def argumentless_paths(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = ""
) -> Iterator[str]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        text = _plain(entry.pattern)
        if text is None:
            continue
        if isinstance(entry, URLResolver):
            yield from argumentless_paths(entry.url_patterns, prefix + text)
        else:
            yield "/" + prefix + text


def _frameable(response: Any) -> bool:
    csp = response.headers.get("Content-Security-Policy", "")
    return "X-Frame-Options" not in response.headers and "frame-ancestors *" in csp


def _denied(response: Any) -> bool:
    csp = response.headers.get("Content-Security-Policy", "")
    return response.headers.get("X-Frame-Options") == "DENY" and "frame-ancestors 'none'" in csp


def _check(client: Client, path: str) -> str:
    response = client.get(path)
    try:
        view_name = resolve(path.split("?")[0]).view_name
    except Resolver404:
        view_name = ""
    if view_name in FRAMEABLE_VIEWS and response.status_code < 500:
        assert _frameable(response), (path, response.headers)
        return "frameable"
    assert _denied(response), (path, view_name, response.status_code, dict(response.headers))
    return "denied"


def test_only_widget_routes_are_frameable(world, alice) -> None:  # type: ignore[no-untyped-def]
    from knowledgehub.benchmarks.tests.test_pages import make_world
    from knowledgehub.datasets.tests.builders import make_dataset

    make_world()
    dataset = make_dataset(title="Recycling rates")
    client = Client(raise_request_exception=False)
    paths = sorted(set(argumentless_paths()))
    assert "/widgets/" in paths and "/" in paths and "/oembed" in paths
    assert len(paths) > 40
    post = item_of(world.public_post)
    sample = [
        post.url,
        "/communities/waste/",
        "/people/alice/",
        f"/datasets/{dataset.slug}/",
        "/benchmarks/metrics/recycling-rate/",
        "/benchmarks/councils/E06000101/",
        f"/items/{post.pk}/history/",
        "/no/such/page/",
        "/oembed?url=x",
    ]
    frameable = [
        "/widgets/communities/waste/latest/",
        "/widgets/communities/hush/latest/",
        "/widgets/themes/trending/",
        "/widgets/metrics/recycling-rate/E06000101/",
        f"/widgets/datasets/{dataset.slug}/preview/",
        f"/widgets/items/{post.pk}/",
        "/trends/heatmap/embed",
        "/benchmarks/metrics/recycling-rate/embed/",
    ]
    results = {path: _check(client, path) for path in [*paths, *sample, *frameable]}
    assert {p for p, r in results.items() if r == "frameable"} == set(frameable)
    client.force_login(alice)
    for path in [*sample[:4], "/widgets/", "/"]:
        assert _check(client, path) == "denied"


def test_embed_js_is_served(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/static/widgets/embed.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode()
    assert "data-knowledgehub-widget" in text and "knowledgehub:height" in text
    assert "event.origin !== origin" in text
    assert "eval(" not in text and "innerHTML" not in text
    frame = client.get("/static/widgets/frame.js")
    assert frame.status_code == 200
