"""The heat map in a real browser: with JavaScript it becomes interactive (vega-embed, with
tooltips) under the site's strict Content Security Policy; without it the static SVG and the
table remain."""

from __future__ import annotations

from typing import Any

import pytest

from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import ItemFactory
from knowledgehub.themes.models import Theme, ThemeItem

from .helpers import unexpected

pytestmark = pytest.mark.browser


@pytest.fixture
def theme(transactional_db: Any) -> Theme:
    theme = Theme.objects.create(label="food waste, caddies, rounds", keywords=["food waste"])
    for _ in range(7):
        ThemeItem.objects.create(theme=theme, item=ItemFactory(audience=Audience.PUBLIC))
    return theme


def test_interactive_under_the_csp(new_context: Any, live_server: Any, problems: Any, theme: Theme):
    page = new_context().new_page()
    page.goto("/trends/heatmap?by=week")
    page.wait_for_selector("[data-kh-heatmap-ready=true]", timeout=15_000)
    chart = page.locator(".kh-heatmap svg").first
    assert chart.get_attribute("role") == "img"
    assert "a grid of themes" in (chart.get_attribute("aria-label") or "")
    # Hovering a cell shows its tooltip (vega-tooltip, styled by our CSS, not an inline style).
    box = page.locator(".kh-heatmap svg .layer_1_marks path").first.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
    assert "food waste" in page.locator("#vg-tooltip-element").inner_text()
    assert not unexpected(problems.errors, document_url=page.url), problems.errors


def test_static_without_javascript(
    new_context: Any, live_server: Any, problems: Any, theme: Theme
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/trends/heatmap?by=week")
    image = page.locator(".kh-heatmap img")
    assert image.count() == 1
    assert page.evaluate("document.querySelector('.kh-heatmap img').naturalWidth") > 0
    assert "food waste, caddies, rounds" in page.locator("table").inner_text()
