"""The oEmbed provider, its discovery links, and Open Graph / Twitter card metadata."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client

from .conftest import item_of

pytestmark = [pytest.mark.django_db, pytest.mark.urls("knowledgehub.widgets.tests.urls")]


class _Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a.get("content", "")
        if tag == "link" and a.get("type") == "application/json+oembed":
            self.links.append(a)


def head(html: str) -> _Head:
    parser = _Head()
    parser.feed(html)
    return parser


def oembed(client: Client, url: str, **params: str) -> Any:
    return client.get("/oembed", {"url": url, **params})


def test_oembed_for_a_public_item(client, world) -> None:  # type: ignore[no-untyped-def]
    item = item_of(world.public_post)
    response = oembed(client, settings.SITE_URL + item.url, format="json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert not response.cookies
    data = json.loads(response.content)
    assert data["version"] == "1.0" and data["type"] == "rich"
    assert data["title"] == "How we cut food waste"
    assert data["provider_name"] == "Knowledge Hub"
    assert data["provider_url"].startswith(settings.SITE_URL)
    assert data["author_name"] == "Alice Adams"
    assert data["author_url"] == settings.SITE_URL + "/people/alice/"
    assert data["cache_age"] > 0
    assert f'src="{settings.SITE_URL}/widgets/items/{item.pk}/"' in data["html"]
    assert data["html"].startswith("<iframe ") and 'title="How we cut food waste"' in data["html"]
    assert 'sandbox="' in data["html"] and 'loading="lazy"' in data["html"]
    assert (data["width"], data["height"]) == (600, 240)


def test_oembed_honours_maxwidth_and_maxheight(client, world) -> None:  # type: ignore[no-untyped-def]
    item = item_of(world.public_post)
    data = oembed(client, settings.SITE_URL + item.url, maxwidth="320", maxheight="100").json()
    assert (data["width"], data["height"]) == (320, 100)
    assert 'width="320" height="100"' in data["html"]


def test_oembed_same_for_a_signed_in_member(client, world, alice) -> None:  # type: ignore[no-untyped-def]
    members = item_of(world.members_post)
    client.force_login(alice)  # its author
    assert oembed(client, settings.SITE_URL + members.url).status_code == 404
    public = item_of(world.public_post)
    visitor = oembed(Client(), settings.SITE_URL + public.url)
    assert oembed(client, settings.SITE_URL + public.url).content == visitor.content


def test_oembed_404_for_restricted_unknown_and_foreign(client, world) -> None:  # type: ignore[no-untyped-def]
    restricted = item_of(world.members_post)
    for url in (
        settings.SITE_URL + restricted.url,
        settings.SITE_URL + "/people/alice/blog/999999/",
        settings.SITE_URL + "/communities/hush/",
        settings.SITE_URL + "/communities/closed/",
        settings.SITE_URL + "/no/such/page/",
        "https://elsewhere.example/people/alice/blog/1/",
        "javascript:alert(1)",
    ):
        response = oembed(client, url)
        assert response.status_code == 404, url
        assert b"Members-only" not in response.content


def test_oembed_xml_is_501_and_bad_params_400(client, world) -> None:  # type: ignore[no-untyped-def]
    url = settings.SITE_URL + item_of(world.public_post).url
    assert oembed(client, url, format="xml").status_code == 501
    assert oembed(client, url, format="yaml").status_code == 400
    assert oembed(client, url, maxwidth="wide").status_code == 400
    assert oembed(client, url, maxheight="-5").status_code == 400
    assert client.get("/oembed").status_code == 400


def test_oembed_community_and_dataset(client, world) -> None:  # type: ignore[no-untyped-def]
    from knowledgehub.datasets.tests.builders import make_dataset

    data = oembed(client, settings.SITE_URL + "/communities/waste/").json()
    assert data["title"] == "Waste and recycling"
    assert "/widgets/communities/waste/latest/" in data["html"]
    dataset = make_dataset(title="Recycling rates")
    data = oembed(client, settings.SITE_URL + dataset.get_absolute_url()).json()
    assert f"/widgets/datasets/{dataset.slug}/preview/" in data["html"]


def test_oembed_metric_page_with_council() -> None:
    from knowledgehub.benchmarks.tests.test_pages import make_world

    make_world()
    page = settings.SITE_URL + "/benchmarks/metrics/recycling-rate/"
    data = Client().get("/oembed", {"url": page + "?council=e06000101&kind=line"}).json()
    assert "/widgets/metrics/recycling-rate/E06000101/?kind=line" in data["html"]
    data = Client().get("/oembed", {"url": page}).json()
    assert "/benchmarks/metrics/recycling-rate/embed/" in data["html"]


def test_public_item_page_has_og_and_discovery(client, world) -> None:  # type: ignore[no-untyped-def]
    item = item_of(world.public_post)
    html = client.get(item.url).content.decode()
    found = head(html)
    assert found.meta["og:title"] == "How we cut food waste"
    assert found.meta["twitter:title"] == "How we cut food waste"
    assert found.meta["og:type"] == "article"
    assert found.meta["og:url"] == settings.SITE_URL + item.url
    assert found.meta["og:site_name"] == "Knowledge Hub"
    assert found.meta["twitter:card"] == "summary"
    assert found.meta["og:description"]
    assert len(found.links) == 1
    href = found.links[0]["href"]
    page = quote(settings.SITE_URL + item.url, safe="")
    assert href == f"{settings.SITE_URL}/oembed?url={page}&format=json"
    assert found.links[0]["title"] == "How we cut food waste"


def test_restricted_item_page_has_generic_meta_only(client, world, alice) -> None:  # type: ignore[no-untyped-def]
    item = item_of(world.members_post)
    client.force_login(alice)  # the author sees the page...
    response = client.get(item.url)
    assert response.status_code == 200
    html = response.content.decode()
    found = head(html)
    # ...but what a shared link would reveal is the site's, never the item's.
    assert found.meta["og:title"] == "Knowledge Hub"
    assert found.meta["og:type"] == "website"
    assert "Members-only plans" not in found.meta.values()
    assert "Not for the world" not in found.meta["og:description"]
    assert not found.links


def test_community_page_meta_and_secret_community(client, world, bob) -> None:  # type: ignore[no-untyped-def]
    found = head(client.get("/communities/waste/").content.decode())
    assert found.meta["og:title"] == "Waste and recycling"
    assert found.meta["og:type"] == "website"
    assert len(found.links) == 1
    client.force_login(bob)
    found = head(client.get(f"/communities/{world.secret.slug}/").content.decode())
    assert found.meta["og:title"] == "Knowledge Hub"
    assert not found.links


def test_generic_pages_cost_no_query_for_meta(client, world, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    from knowledgehub.widgets.context_processors import build

    request = Client().get("/").wsgi_request
    with django_assert_max_num_queries(0):
        meta = build(request)
    assert meta.title == "Knowledge Hub" and not meta.oembed_href


def test_item_meta_is_one_query(world, rf, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    from knowledgehub.widgets.context_processors import build

    item = item_of(world.public_post)
    request = rf.get(item.url)
    with django_assert_num_queries(1):
        meta = build(request)
    assert meta.title == "How we cut food waste"
