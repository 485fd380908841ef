"""The chart widget: frameable, public figures only whoever is looking, no session, no cookie."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from knowledgehub.benchmarks.tests.test_pages import (
    CLUB_VALUE,
    MEMBERS_VALUE,
    World,
    make_world,
    viewers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


def embed_url(world: World) -> str:
    return reverse("benchmarks:embed", args=[world.metric.identifier])


def test_embed_can_be_framed_and_sets_no_cookie(client: Client, world: World) -> None:
    response = client.get(embed_url(world), {"kind": "bar", "council": "E06000101"})
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert not response.cookies
    html = response.content.decode()
    assert "Household waste recycled" in html and "Council B" in html
    assert 'target="_top"' in html
    page = client.get(reverse("benchmarks:metric", args=[world.metric.identifier]))
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_embed_shows_public_figures_to_everyone(world: World) -> None:
    for who, c in viewers(world).items():
        for kind in ("distribution", "bar", "tiles"):
            response = c.get(embed_url(world), {"kind": kind, "council": "E06000101"})
            assert response.status_code == 200, (who, kind)
            html = response.content.decode()
            assert f"{MEMBERS_VALUE:.1f}" not in html, (who, kind)
            assert f"{CLUB_VALUE:.1f}" not in html, (who, kind)
            assert "Not public" not in html
            assert "public=1" in html  # the image and CSV are drawn for a visitor too
            assert not response.cookies


def test_embed_images_and_csv_are_public_for_a_signed_in_viewer(world: World) -> None:
    member = viewers(world)["member"]
    csv_url = reverse("benchmarks:chart_csv", args=[world.metric.identifier, "bar"])
    params = {"council": "E06000101"}
    own = member.get(csv_url, params).content.decode()
    assert str(MEMBERS_VALUE) in own  # the member sees it on the site
    public = member.get(csv_url, {**params, "public": "1"}).content.decode()
    assert str(MEMBERS_VALUE) not in public


def test_embed_line_chart(client: Client, world: World) -> None:
    response = client.get(embed_url(world), {"kind": "line", "council": "E06000101"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "2022/23" in html and "2023/24" in html


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "pie"},
        {"kind": "bar"},  # needs a council
        {"kind": "line"},
        {"kind": "bar", "council": "E99999999"},
        {"kind": "distribution", "group": "nope"},
        {"kind": "distribution", "period": "1066/67"},
    ],
)
def test_embed_bad_parameters(client: Client, world: World, params: dict[str, Any]) -> None:
    response = client.get(embed_url(world), params)
    assert response.status_code == 400
    assert not response.cookies


def test_embed_unknown_metric_is_404(client: Client, world: World) -> None:
    assert client.get(reverse("benchmarks:embed", args=["nope"])).status_code == 404
