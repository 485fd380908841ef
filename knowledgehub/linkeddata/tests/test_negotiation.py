"""Content negotiation on the linked-data URIs: Accept with q-values, ``?format=``, the three
RDF formats (each parsed back with rdflib), ``Vary: Accept``, and the visibility rule (a 404 in
RDF exactly where the page is a 404)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import resolve
from rdflib import URIRef
from rdflib.namespace import RDF

from knowledgehub.benchmarks.models import Metric
from knowledgehub.communities.choices import Visibility
from knowledgehub.datasets.choices import Status
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.registry import kinds
from knowledgehub.linkeddata import rdf
from knowledgehub.linkeddata.middleware import VIEWS
from knowledgehub.linkeddata.negotiation import negotiate_accept, parse_accept, quality
from knowledgehub.linkeddata.rdf import DCT, FOAF, OWL
from knowledgehub.people.choices import ProfileVisibility
from knowledgehub.testing.factories import (
    EventFactory,
    OrganisationFactory,
    UserFactory,
    blog_post,
    community_with,
    feed_item,
    feed_subscription,
    forum_thread,
    library_document,
    offer_ask,
    wiki_page,
)

from .helpers import MIDDLEWARE, make_dataset, parse

FORMATS = [
    ("text/turtle", "ttl", "turtle"),
    ("application/ld+json", "jsonld", "json-ld"),
    ("application/rdf+xml", "rdf", "xml"),
]


@pytest.fixture(autouse=True)
def _linked_data_middleware(settings):  # type: ignore[no-untyped-def]
    """The middleware, wherever the integrator has put it (or last, until then)."""
    if MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]


# --- Accept parsing (no database) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("", "html"),
        ("*/*", "html"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),  # Firefox
        ("text/*", "html"),  # a tie between text/html and text/turtle: the page wins
        ("text/turtle", "ttl"),
        ("application/x-turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/rdf+xml", "rdf"),
        ("text/turtle, text/html", "html"),  # equal q: the page wins
        ("text/turtle;q=0.9, text/html", "html"),
        ("text/turtle, text/html;q=0.9", "ttl"),
        ("application/ld+json;q=0.5, text/html;q=0.4", "jsonld"),
        ("application/rdf+xml, */*;q=0.1", "rdf"),
        ("text/html;q=0, */*", "ttl"),  # anything but HTML: our first RDF format
        ("text/turtle;q=0, */*", "html"),
        ("text/turtle;q=0.3, application/ld+json;q=0.6, application/rdf+xml;q=0.5", "jsonld"),
        ("TEXT/TURTLE", "ttl"),  # media types are case-insensitive
        ("application/json", "html"),  # JSON is not JSON-LD
        ("image/png", "html"),  # nothing we serve: the page
        ("garbage, ;;;, /, text/", "html"),
        ("text/turtle;q=abc", "ttl"),  # a broken q-value counts as absent
        ("text/turtle;q=7", "ttl"),  # clamped to 1
        ("text/html;q=-1, text/turtle;q=0.1", "ttl"),  # clamped to 0
    ],
)
def test_accept_header(accept: str, expected: str) -> None:
    assert negotiate_accept(accept) == expected


def test_more_specific_range_overrides_a_wildcard() -> None:
    ranges = parse_accept("text/*;q=0.2, text/turtle;q=0.7, */*;q=0.1")
    assert quality(ranges, "text/turtle") == 0.7
    assert quality(ranges, "text/html") == 0.2
    assert quality(ranges, "application/ld+json") == 0.1


def test_a_huge_accept_header_is_cut_not_slow() -> None:
    assert negotiate_accept("text/plain, " * 100_000 + "text/turtle") == "html"


# --- the dataset page --------------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "fmt", "rdflib_format"), FORMATS)
def test_dataset_page_answers_each_rdf_format(client, alice, accept, fmt, rdflib_format) -> None:  # type: ignore[no-untyped-def]
    dataset = make_dataset(alice, title="Fly-tipping incidents")
    response = client.get(dataset.get_absolute_url(), HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == accept
    assert "Accept" in response["Vary"]
    graph = parse(response.content, rdflib_format)
    node = URIRef(rdf.uri_for(dataset))
    assert (node, RDF.type, rdf.DCAT.Dataset) in graph
    assert str(graph.value(node, DCT.title)) == "Fly-tipping incidents"
    assert graph.value(node, rdf.DCAT.distribution) is not None


@pytest.mark.parametrize(("accept", "fmt", "rdflib_format"), FORMATS)
def test_format_parameter_gives_the_same_data(client, alice, accept, fmt, rdflib_format) -> None:  # type: ignore[no-untyped-def]
    dataset = make_dataset(alice)
    response = client.get(f"{dataset.get_absolute_url()}?format={fmt}", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == accept
    graph = parse(response.content, rdflib_format)
    assert (URIRef(rdf.uri_for(dataset)), RDF.type, rdf.DCAT.Dataset) in graph


def test_html_is_the_default_and_varies_by_accept(client, alice) -> None:  # type: ignore[no-untyped-def]
    dataset = make_dataset(alice, title="Street lights")
    for accept in (None, "*/*", "text/html", "text/turtle;q=0.5, text/html"):
        headers: dict[str, Any] = {"HTTP_ACCEPT": accept} if accept else {}
        response = client.get(dataset.get_absolute_url(), **headers)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert "Accept" in response["Vary"]
        assert b"Street lights" in response.content
    link = response["Link"]
    uri = rdf.uri_for(dataset)
    assert f'<{uri}?format=ttl>; rel="alternate"; type="text/turtle"' in link
    assert f'<{uri}?format=jsonld>; rel="alternate"; type="application/ld+json"' in link
    assert f'<{uri}?format=rdf>; rel="alternate"; type="application/rdf+xml"' in link


def test_unknown_format_is_a_clear_400(client, alice) -> None:  # type: ignore[no-untyped-def]
    dataset = make_dataset(alice)
    response = client.get(f"{dataset.get_absolute_url()}?format=docx")
    assert response.status_code == 400
    assert b"format=ttl" in response.content


def test_head_is_negotiated_too(client, alice) -> None:  # type: ignore[no-untyped-def]
    dataset = make_dataset(alice)
    response = client.head(dataset.get_absolute_url(), HTTP_ACCEPT="text/turtle")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/turtle")


def test_other_pages_are_left_alone(client, alice) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/datasets/", HTTP_ACCEPT="text/turtle")
    assert not response["Content-Type"].startswith("text/turtle")
    assert "Accept" not in response.get("Vary", "")


# --- visibility: RDF is a 404 wherever the page is -----------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Status.DRAFT},
        {"status": Status.SUBMITTED},
        {"status": Status.RETURNED},
        {"audience": Audience.MEMBERS},
        {"audience": Audience.PRIVATE},
    ],
)
def test_dataset_rdf_is_404_for_those_who_may_not_see_it(client, alice, carol, fields) -> None:  # type: ignore[no-untyped-def]
    dataset = make_dataset(alice, title="Not for everyone", **fields)
    url = dataset.get_absolute_url()
    for accept, _fmt, _parser in FORMATS:
        response = client.get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 404
        assert b"Not for everyone" not in response.content
        assert "Accept" in response["Vary"]
    page = client.get(url)
    assert page.status_code == 404
    client.force_login(alice)  # the creator sees their own dataset, in every form
    response = client.get(url, HTTP_ACCEPT="text/turtle")
    assert response.status_code == 200
    assert b"Not for everyone" in response.content


def test_dataset_in_a_secret_community_is_404_to_outsiders(client, alice, bob, carol) -> None:  # type: ignore[no-untyped-def]
    secret = community_with(alice, visibility=Visibility.SECRET, members=(bob,))
    dataset = make_dataset(alice, community=secret, audience=Audience.COMMUNITY)
    client.force_login(carol)
    assert client.get(dataset.get_absolute_url(), HTTP_ACCEPT="text/turtle").status_code == 404
    client.force_login(bob)
    assert client.get(dataset.get_absolute_url(), HTTP_ACCEPT="text/turtle").status_code == 200


def test_person_rdf_only_where_the_profile_is_visible(client, alice) -> None:  # type: ignore[no-untyped-def]
    public = UserFactory(username="open", name="Olive Open")
    members = UserFactory(
        username="quiet", name="Quinn Quiet", profile_visibility=ProfileVisibility.MEMBERS
    )
    response = client.get(public.get_absolute_url(), HTTP_ACCEPT="text/turtle")
    assert response.status_code == 200
    graph = parse(response.content, "turtle")
    assert (URIRef(rdf.uri_for(public)), RDF.type, FOAF.Person) in graph
    assert public.email.encode() not in response.content

    response = client.get(members.get_absolute_url(), HTTP_ACCEPT="text/turtle")
    assert response.status_code == 404
    assert b"Quinn" not in response.content
    client.force_login(alice)  # a members-only profile is visible to members, page and data
    assert client.get(members.get_absolute_url(), HTTP_ACCEPT="text/turtle").status_code == 200


def test_community_rdf_follows_the_community_rule(client, alice, carol) -> None:  # type: ignore[no-untyped-def]
    open_community = community_with(alice, name="Open doors")
    secret = community_with(alice, visibility=Visibility.SECRET, name="Back room")
    response = client.get(open_community.get_absolute_url(), HTTP_ACCEPT="application/ld+json")
    assert response.status_code == 200
    assert b"Open doors" in response.content
    client.force_login(carol)
    response = client.get(secret.get_absolute_url(), HTTP_ACCEPT="application/ld+json")
    assert response.status_code == 404
    assert b"Back room" not in response.content


def test_organisation_rdf_links_to_ons(client, db) -> None:  # type: ignore[no-untyped-def]
    council = OrganisationFactory(code="E06000047", name="County Durham")
    # GSS codes match in any case, as the page does.
    response = client.get("/organisations/e06000047/", HTTP_ACCEPT="text/turtle")
    assert response.status_code == 200
    graph = parse(response.content, "turtle")
    assert graph.value(URIRef(rdf.uri_for(council)), OWL.sameAs) == URIRef(
        "http://statistics.data.gov.uk/id/statistical-geography/E06000047"
    )
    assert client.get("/organisations/E09999999/", HTTP_ACCEPT="text/turtle").status_code == 404


# --- every content kind's page -----------------------------------------------------------------


def _one_of_each_kind(alice: Any) -> list[Any]:
    community = community_with(alice)
    return [
        blog_post(author=alice, title="Personal post"),
        blog_post(author=alice, community=community, title="Community post"),
        wiki_page(community=community, author=alice, title="Wiki page"),
        forum_thread(author=alice, community=community, title="Forum thread"),
        library_document(community, alice, title="Library document", audience=Audience.PUBLIC),
        EventFactory(community=community, organiser=alice, title="Event"),
        offer_ask(author=alice, title="Offer"),
        feed_item(feed_subscription(), title="Feed item"),
        Metric.objects.create(identifier="a-metric", title="A metric"),
    ]


def test_every_content_page_answers_rdf(client, alice) -> None:  # type: ignore[no-untyped-def]
    for obj in _one_of_each_kind(alice):
        item = Item.objects.get(url=obj.get_absolute_url())
        response = client.get(item.url, HTTP_ACCEPT="text/turtle")
        assert response.status_code == 200, item.kind
        graph = parse(response.content, "turtle")
        assert str(graph.value(URIRef(rdf.uri_for(item)), DCT.title)) == item.title
        html = client.get(item.url)
        assert html["Content-Type"].startswith("text/html"), item.kind
        assert "Accept" in html["Vary"], item.kind


def test_every_registered_kind_has_a_negotiated_page(alice) -> None:  # type: ignore[no-untyped-def]
    """A new content kind must be added to middleware.VIEWS, or its pages give no RDF."""
    make_dataset(alice)
    _one_of_each_kind(alice)
    made = set(Item.objects.values_list("kind", flat=True))
    assert made >= {info.kind for info in kinds()}, "make one of the new kind above"
    for item in Item.objects.all():
        assert resolve(item.url).view_name in VIEWS, item.kind


def test_private_item_rdf_is_404_to_others(client, alice, bob) -> None:  # type: ignore[no-untyped-def]
    post = blog_post(author=alice, title="Only mine", audience=Audience.PRIVATE)
    client.force_login(bob)
    response = client.get(post.get_absolute_url(), HTTP_ACCEPT="text/turtle")
    assert response.status_code == 404
    assert b"Only mine" not in response.content
    client.force_login(alice)
    assert client.get(post.get_absolute_url(), HTTP_ACCEPT="text/turtle").status_code == 200


def test_item_rdf_names_no_creator_whose_profile_is_hidden(client, alice) -> None:  # type: ignore[no-untyped-def]
    quiet = UserFactory(username="quiet", profile_visibility=ProfileVisibility.MEMBERS)
    community = community_with(alice, members=(quiet,))
    post = blog_post(author=quiet, community=community, title="Public words, quiet author")
    response = client.get(post.get_absolute_url(), HTTP_ACCEPT="text/turtle")
    assert response.status_code == 200
    graph = parse(response.content, "turtle")
    node = URIRef(rdf.uri_for(post))
    assert str(graph.value(node, DCT.title)) == "Public words, quiet author"
    assert graph.value(node, DCT.creator) is None
    assert rdf.uri_for(quiet).encode() not in response.content
    client.force_login(alice)
    response = client.get(post.get_absolute_url(), HTTP_ACCEPT="text/turtle")
    assert parse(response.content, "turtle").value(node, DCT.creator) == URIRef(rdf.uri_for(quiet))


# --- the anonymous page cache ------------------------------------------------------------------


def test_page_cache_never_answers_a_request_for_rdf_with_a_page(client, settings, alice) -> None:  # type: ignore[no-untyped-def]
    """Needs ``and not wants_rdf(request)`` in core.pagecache._cacheable_request."""
    settings.KH_PAGE_CACHE_SECONDS = 300
    dataset = make_dataset(alice)
    url = dataset.get_absolute_url()
    first = client.get(url)
    assert first["Content-Type"].startswith("text/html")
    assert client.get(url)["X-Page-Cache"] == "hit"
    for accept, _fmt, _parser in FORMATS:
        response = client.get(url, HTTP_ACCEPT=accept)
        assert response["Content-Type"].split(";")[0] == accept
    assert client.get(url, HTTP_ACCEPT="text/html")["Content-Type"].startswith("text/html")


def test_uris_are_absolute_on_the_site_address(alice) -> None:  # type: ignore[no-untyped-def]
    dataset = make_dataset(alice)
    assert rdf.uri_for(dataset).startswith(settings.SITE_URL + "/")
    graph = rdf.catalogue_graph(AnonymousUser())
    assert (URIRef(rdf.catalogue_uri()), rdf.DCAT.dataset, URIRef(rdf.uri_for(dataset))) in graph
