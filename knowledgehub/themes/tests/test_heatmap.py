"""Theme heat maps: one query per map, suppression everywhere the data goes, CSV safety, the SVG,
bad parameters and framing of the embed route."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.organisations.choices import OrganisationType
from knowledgehub.testing.factories import (
    CommunityFactory,
    ItemFactory,
    OrganisationFactory,
    UserFactory,
    community_with,
)
from knowledgehub.themes import heatmap as hm
from knowledgehub.themes.models import Theme, ThemeItem
from knowledgehub.themes.trends import week_start

pytestmark = pytest.mark.django_db
URL = "/trends/heatmap"


def _add(theme: Theme, n: int, weeks_ago: int = 1, **item_kwargs: object) -> None:
    monday = week_start(timezone.now()) - timedelta(weeks=weeks_ago)
    when = timezone.make_aware(datetime.combine(monday, datetime.min.time())) + timedelta(days=1)
    for _ in range(n):
        ThemeItem.objects.create(theme=theme, item=ItemFactory(published_at=when, **item_kwargs))


@pytest.fixture
def mixed() -> dict[str, Theme]:
    """A theme with an open cell of 6, and one with a cell of 3 that holds a restricted item."""
    open_theme = Theme.objects.create(label="Food waste")
    mixed_theme = Theme.objects.create(label="Potholes")
    _add(open_theme, 6)
    _add(mixed_theme, 2)
    _add(mixed_theme, 1, audience=Audience.MEMBERS)
    _add(mixed_theme, 7, weeks_ago=2)  # an open cell for the same theme, so it has a row
    return {"open": open_theme, "mixed": mixed_theme}


def _csv(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_url_name() -> None:
    assert reverse("trends:heatmap") == URL


def test_one_query_per_map(django_assert_max_num_queries, mixed) -> None:  # type: ignore[no-untyped-def]
    for by in hm.BY_CHOICES:
        with django_assert_max_num_queries(2):  # the grouped counts, then the theme rows
            hm.build_heatmap(by)


def test_suppressed_in_html(client, mixed) -> None:  # type: ignore[no-untyped-def]
    response = client.get(URL, {"by": "week"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption" in html and 'scope="row"' in html and 'scope="col"' in html
    assert "Food waste" in html and "Potholes" in html
    assert "fewer than 5" in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">6</td>' in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>' not in html
    assert "format=csv" in html and "format=svg" in html


def test_suppressed_in_csv(client, mixed) -> None:  # type: ignore[no-untyped-def]
    response = client.get(URL, {"by": "week", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="themes-by-week.csv"'
    rows = _csv(response)
    last_week = (week_start(timezone.now()) - timedelta(weeks=1)).isoformat()
    potholes = next(r for r in rows if r["theme"] == "Potholes" and r["week"] == last_week)
    assert potholes["count"] == "" and potholes["suppressed"] == "true"
    food = next(r for r in rows if r["theme"] == "Food waste" and r["week"] == last_week)
    assert food["count"] == "6" and food["suppressed"] == "false"


def test_suppressed_in_chart_data(client, mixed) -> None:  # type: ignore[no-untyped-def]
    spec = client.get(URL, {"by": "week", "format": "vl.json"}).json()
    values = spec["data"]["values"] if "data" in spec else spec["datasets"]
    records = values if isinstance(values, list) else next(iter(values.values()))
    potholes = [r for r in records if r["theme"] == "Potholes" and r["count"] is None]
    assert potholes and all(r["shown"] == "fewer than 5" for r in potholes)
    assert 3 not in [r["count"] for r in records if r["theme"] == "Potholes"]


def test_minimum_count_is_a_setting(client, settings, mixed) -> None:  # type: ignore[no-untyped-def]
    settings.KH_HEATMAP_MIN_COUNT = 3
    rows = _csv(client.get(URL, {"by": "week", "format": "csv"}))
    assert "3" in [r["count"] for r in rows if r["theme"] == "Potholes"]


def test_svg_is_valid_and_labelled(client, mixed) -> None:  # type: ignore[no-untyped-def]
    response = client.get(URL, {"by": "week", "format": "svg"})
    assert response["Content-Type"] == "image/svg+xml"
    body = response.content.decode()
    assert "<!DOCTYPE" not in body.upper() and "<!ENTITY" not in body.upper()
    root = ET.fromstring(body)
    assert root.tag.endswith("svg")
    text = " ".join(t for t in root.itertext())
    assert "Food waste" in text and "Potholes" in text and "<5" in text


def test_svg_is_cached(client, monkeypatch, mixed) -> None:  # type: ignore[no-untyped-def]
    import vl_convert

    calls = []
    real = vl_convert.vegalite_to_svg

    def counting(spec):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(spec)

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", counting)
    client.get(URL, {"by": "week", "format": "svg"})
    client.get(URL, {"by": "week", "format": "svg"})
    assert len(calls) == 1


def test_csv_injection_neutralised(client) -> None:  # type: ignore[no-untyped-def]
    theme = Theme.objects.create(label='=HYPERLINK("http://evil.example","x")')
    other = Theme.objects.create(label="@SUM(1+1)")
    _add(theme, 6)
    _add(other, 6)
    rows = _csv(client.get(URL, {"by": "week", "format": "csv"}))
    labels = {r["theme"] for r in rows}
    assert '\'=HYPERLINK("http://evil.example","x")' in labels
    assert "'@SUM(1+1)" in labels
    assert not any(label.startswith(("=", "+", "-", "@")) for label in labels)


def test_region_falls_back_to_author_organisation(client) -> None:  # type: ignore[no-untyped-def]
    theme = Theme.objects.create(label="Libraries")
    north = OrganisationFactory(region="North East")
    wales = OrganisationFactory(region="Wales", type=OrganisationType.WELSH_UNITARY)
    _add(theme, 5, organisation=north)
    _add(theme, 6, author=UserFactory(organisation=wales))
    _add(theme, 7)  # no organisation anywhere
    rows = _csv(client.get(URL, {"by": "region", "format": "csv"}))
    counts = {r["region"]: r["count"] for r in rows}
    assert counts == {"North East": "5", "Wales": "6", "unknown": "7"}
    html = client.get(URL, {"by": "type"}).content.decode()
    assert "Unitary authority" in html and "Welsh unitary authority" in html
    assert "Not known" in html


def test_only_sitewide_themes(client, alice) -> None:  # type: ignore[no-untyped-def]
    community = community_with(alice, visibility=Visibility.SECRET)
    theme = Theme.objects.create(label="Secret plans", community=community)
    _add(theme, 9, community=community, audience=Audience.COMMUNITY)
    client.force_login(alice)
    assert "Secret plans" not in client.get(URL).content.decode()
    assert CommunityFactory._meta.model.objects.filter(pk=community.pk).exists()


@pytest.mark.parametrize(
    "params",
    [{"by": "country"}, {"format": "pdf"}, {"weeks": "many"}, {"weeks": "0"}, {"weeks": "99"}],
)
def test_bad_params_are_400(client, params: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    response = client.get(URL, params)
    assert response.status_code == 400
    assert "problem with that request" in response.content.decode()
    embed = client.get(reverse("trends:heatmap_embed"), params)
    assert embed.status_code == 400


def test_embed_allows_framing_only_there(client, mixed) -> None:  # type: ignore[no-untyped-def]
    embed = client.get(reverse("trends:heatmap_embed"), {"by": "region"})
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed
    assert "frame-ancestors *" in embed["Content-Security-Policy"]
    assert "unsafe-eval" not in embed["Content-Security-Policy"]
    assert not embed.cookies
    assert "Food waste" in embed.content.decode()
    page = client.get(URL, {"by": "region"})
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert client.get(reverse("trends:heatmap_embed"), {"format": "csv"}).status_code == 400


def test_page_renders_spec_for_javascript(client, mixed) -> None:  # type: ignore[no-untyped-def]
    html = client.get(URL).content.decode()
    start = html.index('<script id="kh-heatmap-spec" type="application/json">')
    payload = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    assert json.loads(payload)["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert "kh/js/heatmap.js" in html and 'data-kh-heatmap="kh-heatmap-spec"' in html


def test_empty_heatmap(client) -> None:  # type: ignore[no-untyped-def]
    for by in hm.BY_CHOICES:
        response = client.get(URL, {"by": by})
        assert response.status_code == 200
        assert "no themes with items" in response.content.decode()
        assert client.get(URL, {"by": by, "format": "csv"}).status_code == 200
