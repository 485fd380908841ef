"""The RDF builders: what a dataset, organisation, person, community and item say, under which
URI, and that personal data follows the profile rule."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from knowledgehub.communities.choices import Visibility
from knowledgehub.datasets.choices import EU_FREQUENCY, EU_THEME, LICENCE_URIS, ImportStatus
from knowledgehub.datasets.models import Distribution
from knowledgehub.knowledge.choices import Audience
from knowledgehub.linkeddata import rdf
from knowledgehub.linkeddata.rdf import DCT, FOAF, ONS_AREA, OWL, SKOS, VCARD
from knowledgehub.organisations.models import Organisation
from knowledgehub.people.choices import ProfileVisibility
from knowledgehub.testing.factories import (
    OrganisationFactory,
    PartnerOrganisationFactory,
    UserFactory,
    blog_post,
    community_with,
)

from .helpers import make_dataset

pytestmark = pytest.mark.django_db


def test_uri_is_the_site_address_plus_the_page_path(alice) -> None:  # type: ignore[no-untyped-def]
    dataset = make_dataset(alice)
    assert rdf.uri_for(dataset) == settings.SITE_URL + f"/datasets/{dataset.slug}/"
    assert rdf.uri_for(alice) == settings.SITE_URL + "/people/alice/"
    assert rdf.catalogue_uri() == settings.SITE_URL + "/catalogue"


def test_dataset_graph_describes_the_dataset_in_dcat(alice) -> None:  # type: ignore[no-untyped-def]
    council = OrganisationFactory(code="E06000001", name="Hartlepool")
    dataset = make_dataset(alice, publisher=council, versions=2)
    graph = rdf.dataset_graph(dataset)
    node = URIRef(rdf.uri_for(dataset))

    assert (node, RDF.type, rdf.DCAT.Dataset) in graph
    assert graph.value(node, DCT.title) == Literal("Household waste collected", lang="en")
    # Plain text, not Markdown and not HTML entities.
    assert str(graph.value(node, DCT.description)) == (
        "Tonnes of household waste collected & recycled, by month."
    )
    publisher = URIRef(rdf.uri_for(council))
    assert graph.value(node, DCT.publisher) == publisher
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert str(graph.value(publisher, FOAF.name)) == "Hartlepool"

    contact = graph.value(node, rdf.DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in graph
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:data@testshire.gov.uk")

    licence = URIRef(LICENCE_URIS[dataset.licence])
    assert graph.value(node, DCT.license) == licence
    assert (licence, RDF.type, DCT.LicenseDocument) in graph

    themes = set(graph.objects(node, rdf.DCAT.theme))
    assert themes == {URIRef(EU_THEME + "ENVI"), URIRef(EU_THEME + "GOVE")}
    for theme in themes:
        assert (theme, RDF.type, SKOS.Concept) in graph
        assert graph.value(theme, SKOS.prefLabel) is not None
    assert {str(k) for k in graph.objects(node, rdf.DCAT.keyword)} == {"waste", "recycling"}

    area = URIRef(ONS_AREA + "E06000001")
    assert graph.value(node, DCT.spatial) == area
    assert (area, RDF.type, DCT.Location) in graph

    period = graph.value(node, DCT.temporal)
    assert graph.value(period, rdf.DCAT.startDate) == Literal("2023-04-01", datatype=rdf.XSD.date)
    assert graph.value(period, rdf.DCAT.endDate) == Literal("2024-03-31", datatype=rdf.XSD.date)
    assert graph.value(node, DCT.accrualPeriodicity) == URIRef(EU_FREQUENCY + "MONTHLY")
    assert graph.value(node, DCT.issued).datatype == rdf.XSD.dateTime
    assert graph.value(node, rdf.DCAT.landingPage) == node


def test_each_imported_version_is_a_distribution(alice) -> None:  # type: ignore[no-untyped-def]
    dataset = make_dataset(alice, versions=2)
    Distribution.objects.create(
        dataset=dataset, version=3, format="csv", status=ImportStatus.FAILED, created_by=alice
    )
    graph = rdf.dataset_graph(dataset)
    node = URIRef(rdf.uri_for(dataset))
    distributions = set(graph.objects(node, rdf.DCAT.distribution))
    assert distributions == {
        URIRef(f"{node}#distribution-1"),
        URIRef(f"{node}#distribution-2"),
    }  # the failed version 3 is not published
    second = URIRef(f"{node}#distribution-2")
    assert (second, RDF.type, rdf.DCAT.Distribution) in graph
    assert graph.value(second, rdf.DCAT.accessURL) == node
    download = reverse("datasets:download", kwargs={"slug": dataset.slug, "fmt": "csv"})
    assert graph.value(second, rdf.DCAT.downloadURL) == URIRef(
        f"{settings.SITE_URL}{download}?version=2"
    )
    media_type = URIRef("http://www.iana.org/assignments/media-types/text/csv")
    assert graph.value(second, rdf.DCAT.mediaType) == media_type
    assert (media_type, RDF.type, DCT.MediaType) in graph
    assert graph.value(second, rdf.DCAT.byteSize) == Literal(
        4096, datatype=rdf.XSD.nonNegativeInteger
    )
    assert graph.value(second, DCT.license) == URIRef(LICENCE_URIS[dataset.licence])


def test_the_download_url_in_the_graph_really_downloads(client, alice) -> None:  # type: ignore[no-untyped-def]
    dataset = make_dataset(alice)
    graph = rdf.dataset_graph(dataset)
    url = str(graph.value(URIRef(f"{rdf.uri_for(dataset)}#distribution-1"), rdf.DCAT.downloadURL))
    response = client.get(url.removeprefix(settings.SITE_URL))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_council_is_the_same_as_its_ons_area() -> None:
    council = OrganisationFactory(
        code="E08000009", name="Trafford", website="https://www.trafford.gov.uk/"
    )
    graph = rdf.organisation_graph(council)
    node = URIRef(rdf.uri_for(council))
    assert graph.value(node, OWL.sameAs) == URIRef(
        "http://statistics.data.gov.uk/id/statistical-geography/E08000009"
    )
    assert str(graph.value(node, FOAF.name)) == "Trafford"
    assert graph.value(node, FOAF.homepage) == URIRef("https://www.trafford.gov.uk/")


def test_partner_has_no_ons_area() -> None:
    partner: Organisation = PartnerOrganisationFactory()
    graph = rdf.organisation_graph(partner)
    assert graph.value(URIRef(rdf.uri_for(partner)), OWL.sameAs) is None


def test_person_graph_never_carries_the_email_address() -> None:
    council = OrganisationFactory()
    person = UserFactory(name="Priya Shah", job_title="Data lead", organisation=council)
    turtle = rdf.serialise(rdf.person_graph(person), "ttl").decode()
    assert "Priya Shah" in turtle
    assert "Data lead" in turtle
    assert person.email not in turtle
    assert rdf.uri_for(council) in turtle


def test_item_names_its_creator_only_when_the_profile_is_visible(alice) -> None:  # type: ignore[no-untyped-def]
    private_profile = UserFactory(profile_visibility=ProfileVisibility.MEMBERS)
    post = blog_post(author=private_profile, title="Composting at scale")
    item = post.knowledge_item
    author_uri = URIRef(rdf.uri_for(private_profile))

    anonymous = rdf.item_graph(item, viewer=AnonymousUser())
    node = URIRef(rdf.uri_for(item))
    assert str(anonymous.value(node, DCT.title)) == "Composting at scale"
    assert anonymous.value(node, DCT.creator) is None
    assert (author_uri, None, None) not in anonymous

    member = rdf.item_graph(item, viewer=alice)
    assert member.value(node, DCT.creator) == author_uri


def test_item_in_a_community_is_part_of_it(alice) -> None:  # type: ignore[no-untyped-def]
    community = community_with(alice)
    post = blog_post(author=alice, community=community, title="Notes")
    graph = rdf.item_graph(post.knowledge_item, viewer=alice)
    assert graph.value(URIRef(rdf.uri_for(post)), DCT.isPartOf) == URIRef(rdf.uri_for(community))


def test_public_graph_holds_only_what_anyone_may_see(alice, bob) -> None:  # type: ignore[no-untyped-def]
    secret = community_with(alice, visibility=Visibility.SECRET, name="Hidden circle")
    public = make_dataset(alice, title="Open data")
    draft = make_dataset(alice, title="Draft data", status="draft")
    members_only = make_dataset(alice, title="Members data", audience=Audience.MEMBERS)
    in_secret = make_dataset(alice, title="Secret data", community=secret)
    public_post = blog_post(author=alice, title="A public post")
    private_post = blog_post(author=alice, title="A private note", audience=Audience.PRIVATE)
    members_profile = UserFactory(
        username="quiet", name="Quinn Quiet", profile_visibility=ProfileVisibility.MEMBERS
    )

    graph = rdf.public_graph()
    subjects = {str(s) for s in graph.subjects()}
    assert rdf.uri_for(public) in subjects
    for hidden in (draft, members_only, in_secret):
        assert rdf.uri_for(hidden) not in subjects
    assert rdf.uri_for(public_post) in subjects
    assert rdf.uri_for(private_post) not in subjects
    assert rdf.uri_for(secret) not in subjects
    assert rdf.uri_for(alice) in subjects  # a public profile
    assert rdf.uri_for(members_profile) not in subjects
    text = rdf.serialise(graph, "ttl").decode()
    for words in ("Draft data", "Members data", "Secret data", "A private note", "Hidden circle"):
        assert words not in text
    assert "Quinn Quiet" not in text


def test_public_graph_queries_do_not_grow_with_the_site(alice) -> None:  # type: ignore[no-untyped-def]
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            rdf.public_graph()
        return len(queries)

    make_dataset(alice, title="First")
    blog_post(author=alice, title="First post")
    few = count()
    for n in range(6):
        make_dataset(alice, title=f"More {n}", publisher=OrganisationFactory(), versions=2)
        blog_post(author=UserFactory(), title=f"Post {n}", tags=[f"topic {n}"])
    assert count() == few
