"""The widget embed script on someone else's web page: each
``<div data-knowledgehub-widget="/widgets/...">`` becomes a sandboxed iframe of that widget,
which loads and is resized to fit from the height the widget reports by postMessage.

The host page is a test-only view served from another origin (127.0.0.1 rather than the
hub's localhost), with no Content-Security-Policy of its own, like a third-party site."""

from __future__ import annotations

from typing import Any

import pytest
from csp.decorators import csp_exempt
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from knowledgehub import urls as site
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import ItemFactory
from knowledgehub.themes.models import Theme, ThemeItem

from .helpers import unexpected

pytestmark = [pytest.mark.browser, pytest.mark.urls(__name__)]

HOST_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>A council's website</title>
<link rel="icon" href="data:,"></head>
<body><main><h1>Our news</h1>
<div data-knowledgehub-widget="/widgets/themes/trending/"></div>
<p id="after">After the widget.</p>
<script src="{hub}/static/widgets/embed.js" async></script>
</main></body></html>
"""


@csp_exempt()
def host_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(HOST_PAGE.format(hub=request.GET["hub"]))


urlpatterns: list[URLPattern | URLResolver] = [
    path("test-host-page/", host_page),
    *site.urlpatterns,
]
handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500


@pytest.fixture
def themes(transactional_db: Any) -> None:
    theme = Theme.objects.create(label="food waste, caddies, rounds", keywords=["food waste"])
    for _ in range(7):
        ThemeItem.objects.create(theme=theme, item=ItemFactory(audience=Audience.PUBLIC))


def test_embed_script_makes_a_resizing_iframe(
    new_context: Any, live_server: Any, problems: Any, themes: None
) -> None:
    hub = live_server.url  # http://localhost:PORT
    host = hub.replace("localhost", "127.0.0.1")
    assert host != hub
    page = new_context().new_page()
    page.goto(f"{host}/test-host-page/?hub={hub}")

    frame_element = page.locator("iframe[data-knowledgehub-frame]")
    frame_element.wait_for()
    assert page.locator("[data-knowledgehub-widget]").count() == 0, "the div was not replaced"
    assert frame_element.get_attribute("src") == f"{hub}/widgets/themes/trending/"
    assert frame_element.get_attribute("title") == "Knowledge Hub widget"
    assert "allow-scripts" in (frame_element.get_attribute("sandbox") or "")

    # The widget loads inside the frame...
    widget = page.frame_locator("iframe[data-knowledgehub-frame]")
    widget.locator("body").wait_for()
    frame = next(f for f in page.frames if f.url.startswith(f"{hub}/widgets/"))
    frame.wait_for_load_state()
    assert "Rising themes" in frame.locator("body").inner_text()
    # ...and embed.js sets the iframe's height to the one the widget reported.
    content_height = frame.evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
    page.wait_for_function(
        "(h) => document.querySelector('iframe[data-knowledgehub-frame]')"
        ".getAttribute('height') === String(Math.max(50, h))",
        arg=content_height,
    )
    assert frame_element.get_attribute("height") != "400"  # the default, before any message
    box = frame_element.bounding_box()
    assert box is not None and abs(box["height"] - max(50, content_height)) <= 1

    assert not unexpected(problems.errors, document_url=page.url), problems.errors
