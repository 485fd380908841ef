"""The metric chart and dataset preview widgets: public figures and rows only, whoever asks."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from knowledgehub.benchmarks.tests.test_pages import CLUB_VALUE, MEMBERS_VALUE, make_world, viewers
from knowledgehub.datasets.choices import Status
from knowledgehub.datasets.tests.builders import make_dataset
from knowledgehub.knowledge.choices import Audience

pytestmark = pytest.mark.django_db


def _same_for_everyone(clients: dict[str, Client], url: str) -> str:
    bodies = set()
    for who, c in clients.items():
        response = c.get(url)
        assert response.status_code == 200, (who, response.content[:300])
        assert not response.cookies, who
        assert "X-Frame-Options" not in response.headers
        assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "public, max-age=300"
        bodies.add(response.content)
    assert len(bodies) == 1, "a signed-in viewer saw something else"
    return bodies.pop().decode()


@pytest.mark.parametrize("kind", ["bar", "line", "distribution", "tiles"])
def test_metric_widget_public_figures_only(kind: str) -> None:
    world = make_world()
    clients = viewers(world)
    for code in ("E06000101", world.members_council.code, world.club_council.code):
        html = _same_for_everyone(clients, f"/widgets/metrics/recycling-rate/{code}/?kind={kind}")
        assert "Household waste recycled" in html
        assert f"{MEMBERS_VALUE:.1f}" not in html
        assert f"{CLUB_VALUE:.1f}" not in html
        assert "Not public" not in html
        assert "<table" in html or "no public figures" in html
        if "<table" in html:
            assert f"/benchmarks/metrics/recycling-rate/chart/{kind}.csv?" in html
            assert "public=1" in html
            assert 'target="_blank" rel="noopener"' in html


def test_metric_widget_default_is_a_bar_chart_with_table() -> None:
    make_world()
    html = Client().get("/widgets/metrics/recycling-rate/E06000101/").content.decode()
    assert "chart/bar.svg?" in html and "Council B" in html and "<caption" in html


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/widgets/metrics/nope/E06000101/", 404),
        ("/widgets/metrics/recycling-rate/E99999999/", 404),
        ("/widgets/metrics/recycling-rate/E06000101/?kind=pie", 400),
        ("/widgets/metrics/recycling-rate/E06000101/?group=nope", 400),
        ("/widgets/metrics/recycling-rate/E06000101/?period=1066/67", 400),
    ],
)
def test_metric_widget_bad_input(url: str, status: int) -> None:
    make_world()
    response = Client().get(url)
    assert response.status_code == status
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]


def _datasets(alice: Any, bob: Any) -> dict[str, Any]:
    from knowledgehub.testing.factories import community_with

    community = community_with(alice, members=(bob,))
    return {
        "public": make_dataset(title="Recycling rates"),
        "members": make_dataset(title="Members rates", audience=Audience.MEMBERS),
        "community": make_dataset(
            title="Community rates", audience=Audience.COMMUNITY, community=community, creator=bob
        ),
        "draft": make_dataset(title="Draft rates", status=Status.SUBMITTED, creator=bob),
    }


def test_dataset_preview(alice, bob) -> None:  # type: ignore[no-untyped-def]
    sets = _datasets(alice, bob)
    member = Client()
    member.force_login(bob)
    url = f"/widgets/datasets/{sets['public'].slug}/preview/?rows=2"
    html = _same_for_everyone({"visitor": Client(), "member": member}, url)
    assert "Recycling rates" in html
    assert "Barnsley" in html and "Anglesey" in html
    assert "Cardiff" not in html  # only two rows
    assert "The first 2 rows of 4" in html
    assert f"/datasets/{sets['public'].slug}/" in html
    assert "download.csv" in html


@pytest.mark.parametrize("which", ["members", "community", "draft"])
def test_dataset_preview_restricted_is_404(alice, bob, which) -> None:  # type: ignore[no-untyped-def]
    sets = _datasets(alice, bob)
    member = Client()
    member.force_login(bob)  # may see all three on the site
    url = f"/widgets/datasets/{sets[which].slug}/preview/"
    for c in (Client(), member):
        response = c.get(url)
        assert response.status_code == 404
        assert "Barnsley" not in response.content.decode()
        assert not response.cookies


@pytest.mark.parametrize("rows", ["0", "21", "x"])
def test_dataset_preview_bad_rows(alice, bob, rows) -> None:  # type: ignore[no-untyped-def]
    sets = _datasets(alice, bob)
    response = Client().get(f"/widgets/datasets/{sets['public'].slug}/preview/?rows={rows}")
    assert response.status_code == 400
