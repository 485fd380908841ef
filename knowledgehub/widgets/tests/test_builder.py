"""The widget builder: a GET form that shows a preview and both snippets, and explains bad
choices with an error summary (never a 500)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from .conftest import item_of

pytestmark = pytest.mark.django_db


def test_builder_renders_without_choice(client, world) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/widgets/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and html.count("<h1") == 1
    assert 'value="waste"' in html
    assert 'value="hush"' not in html and 'value="closed"' not in html  # not public
    assert "govuk-error-summary" not in html
    assert response["X-Frame-Options"] == "DENY"


def test_builder_community_snippets(client, world) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/widgets/", {"type": "community", "community": "waste", "count": "3"})
    html = html.content.decode()
    widget = f"{settings.SITE_URL}/widgets/communities/waste/latest/?count=3"
    preview = '<iframe class="kh-widget-preview" src="/widgets/communities/waste/latest/?count=3"'
    assert preview in html
    assert f"&lt;iframe src=&quot;{widget}&quot;" in html.replace("&amp;", "&")
    assert "data-knowledgehub-widget=&quot;/widgets/communities/waste/latest/?count=3" in html
    assert "/static/widgets/embed.js" in html
    assert "sandbox=" in html


@pytest.mark.parametrize(
    "params",
    [
        {"type": "trending"},
        {"type": "item", "item": "ITEM"},
    ],
)
def test_builder_other_widgets(client, world, params) -> None:  # type: ignore[no-untyped-def]
    item = item_of(world.public_post)
    params = {k: (str(item.pk) if v == "ITEM" else v) for k, v in params.items()}
    html = client.get("/widgets/", params).content.decode()
    assert "govuk-error-summary" not in html
    assert "Snippets" in html


def test_builder_metric_and_dataset(client) -> None:  # type: ignore[no-untyped-def]
    from knowledgehub.benchmarks.tests.test_pages import make_world
    from knowledgehub.datasets.tests.builders import make_dataset

    make_world()
    dataset = make_dataset(title="Recycling rates")
    html = client.get(
        "/widgets/",
        {"type": "metric", "metric": "recycling-rate", "council": "E06000101", "chart": "line"},
    ).content.decode()
    assert "/widgets/metrics/recycling-rate/E06000101/?kind=line" in html
    html = client.get(
        "/widgets/", {"type": "dataset", "dataset": dataset.slug, "rows": "5"}
    ).content.decode()
    assert f"/widgets/datasets/{dataset.slug}/preview/?rows=5" in html


@pytest.mark.parametrize(
    "params",
    [
        {"type": "nope"},
        {"type": ""},
        {"type": "community"},
        {"type": "community", "community": "hush"},
        {"type": "community", "community": "waste", "count": "99"},
        {"type": "community", "community": "waste", "count": "lots"},
        {"type": "metric", "metric": "nope"},
        {"type": "metric"},
        {"type": "dataset", "dataset": "nope"},
        {"type": "item", "item": "abc"},
        {"type": "item", "item": "99999999999999999999999"},
        {"type": "item", "item": "RESTRICTED"},
        {"type": "item", "item": "SECRET"},
    ],
)
def test_builder_bad_input_is_an_error_summary(client, world, bob, params) -> None:  # type: ignore[no-untyped-def]
    ids = {"RESTRICTED": world.items["members"].pk, "SECRET": world.items["secret"].pk}
    params = {k: str(ids.get(v, v)) for k, v in params.items()}
    client.force_login(bob)  # may see the restricted items, but widgets are public only
    response = client.get("/widgets/", params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Snippets" not in html
    assert "Secret plan" not in html and "Members-only note" not in html


def test_builder_works_signed_out_and_in(world, alice) -> None:  # type: ignore[no-untyped-def]
    member = Client()
    member.force_login(alice)
    for c in (Client(), member):
        assert c.get("/widgets/", {"type": "trending"}).status_code == 200
