"""RDF for what the site publishes: datasets (DCAT-AP), organisations, communities, people and
content items, each under a stable URI (the site address plus the object's page path).

Builders take objects the caller has already read through the visibility rule; the two that
choose objects themselves (``catalogue_graph`` and ``public_graphs``) read only what the given
viewer (an anonymous visitor, for the public catalogue and the SPARQL store) may see. Personal
data follows the profile rule: a person is described, or named as a creator, only when their
profile is visible to the viewer.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import translation
from rdflib import BNode, Graph, Literal, Namespace, URIRef, namespace
from rdflib.namespace import RDF, RDFS

from knowledgehub.datasets.choices import (
    EU_FREQUENCY,
    EU_THEME,
    LICENCE_URIS,
    DataTheme,
    Frequency,
    ImportStatus,
    Licence,
)
from knowledgehub.lib.markdown import html_text
from knowledgehub.organisations.models import GSS_CODE_RE

if TYPE_CHECKING:
    from knowledgehub.communities.models import Community
    from knowledgehub.datasets.models import Dataset, Distribution
    from knowledgehub.knowledge.models import Item
    from knowledgehub.organisations.models import Organisation
    from knowledgehub.people.models import User

    Viewer = User | AnonymousUser

# rdflib's defined namespaces where it has them: a misspelt term is an error, and terms that
# are also ``str`` methods (``DCT.title``, ``DCT.format``) work, unlike on a plain Namespace.
DCAT = namespace.DCAT
DCT = namespace.DCTERMS
FOAF = namespace.FOAF
ORG = namespace.ORG
SKOS = namespace.SKOS
SCHEMA = namespace.SDO
XSD = namespace.XSD
OWL = namespace.OWL
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SIOC = Namespace("http://rdfs.org/sioc/ns#")

PREFIXES: dict[str, Any] = {
    "dcat": DCAT,
    "dct": DCT,
    "foaf": FOAF,
    "vcard": VCARD,
    "adms": ADMS,
    "org": ORG,
    "skos": SKOS,
    "schema": SCHEMA,
    "sioc": SIOC,
    "xsd": XSD,
    "owl": OWL,
}

ONS_AREA = "http://statistics.data.gov.uk/id/statistical-geography/"
IANA_MEDIA_TYPE = "http://www.iana.org/assignments/media-types/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"

# What each item kind is, in schema.org terms (every item is also a sioc:Item).
ITEM_TYPES: dict[str, URIRef] = {
    "blog_post": SCHEMA.BlogPosting,
    "wiki_page": SCHEMA.WebPage,
    "forum_thread": SCHEMA.DiscussionForumPosting,
    "library_document": SCHEMA.DigitalDocument,
    "event": SCHEMA.Event,
    "offer_ask": SCHEMA.CreativeWork,
    "feed_item": SCHEMA.Article,
    "dataset": SCHEMA.Dataset,
}

ANONYMOUS = AnonymousUser()


def new_graph() -> Graph:
    graph = Graph()
    for prefix, uri in PREFIXES.items():
        graph.bind(prefix, uri, override=True, replace=True)
    return graph


def absolute(path: str) -> str:
    """A site path as an absolute URI; a link that is already absolute is left alone."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + path


def uri_for(obj: Any) -> str:
    """The stable URI of anything with a page here: the site address plus its page path, so
    the URI is the page and content negotiation gives its data."""
    return absolute(obj.get_absolute_url())


def catalogue_uri() -> str:
    return absolute(reverse("linkeddata:catalogue"))


def site_agent_uri() -> str:
    return settings.SITE_URL + "/#publisher"


def distribution_uri(distribution: Distribution) -> str:
    """A version of a dataset: a fragment of the dataset's page, so fetching the dataset URI
    describes its distributions too (they have no page of their own)."""
    return f"{uri_for(distribution.dataset)}#distribution-{distribution.version}"


def download_url(distribution: Distribution) -> str:
    """Where this version's rows download as CSV (the datasets app's download view)."""
    path = reverse("datasets:download", kwargs={"slug": distribution.dataset.slug, "fmt": "csv"})
    return absolute(f"{path}?version={distribution.version}")


def _text(value: str) -> Literal:
    return Literal(value, lang="en")


def _english(label: Any) -> Literal:
    """A choice's label, in English whatever the request's language (the data is cached and
    shared, and says it is English)."""
    with translation.override("en"):
        return Literal(str(label), lang="en")


def _datetime(value: datetime) -> Literal:
    return Literal(value.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)


def _date(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def _plain(html_source: str) -> str:
    """Text of rendered (sanitised) Markdown, entities decoded: RDF literals are not HTML."""
    return html.unescape(html_text(html_source))


# --- agents ------------------------------------------------------------------------------------


def _agent(graph: Graph, organisation: Organisation) -> URIRef:
    """An organisation as the agent DCAT-AP expects (a foaf:Agent with a name)."""
    node = URIRef(uri_for(organisation))
    graph.add((node, RDF.type, FOAF.Agent))
    graph.add((node, RDF.type, FOAF.Organization))
    graph.add((node, FOAF.name, _text(organisation.name)))
    return node


def organisation_graph(organisation: Organisation, graph: Graph | None = None) -> Graph:
    """An organisation (public reference data), linked to its ONS statistical-geography URI
    when it is a council with a GSS code."""
    graph = graph if graph is not None else new_graph()
    node = _agent(graph, organisation)
    graph.add((node, RDF.type, ORG.Organization))
    graph.add((node, DCT.identifier, Literal(organisation.code)))
    if organisation.official_name and organisation.official_name != organisation.name:
        graph.add((node, SKOS.altLabel, _text(organisation.official_name)))
    if organisation.gss_code:
        graph.add((node, OWL.sameAs, URIRef(ONS_AREA + organisation.gss_code)))
        graph.add((node, SKOS.notation, Literal(organisation.gss_code)))
    if organisation.website:
        graph.add((node, FOAF.homepage, URIRef(organisation.website)))
    if organisation.description:
        graph.add((node, DCT.description, _text(organisation.description)))
    return graph


def community_graph(community: Community, graph: Graph | None = None) -> Graph:
    """A community the caller has checked the viewer may see (``Community.objects.visible_to``)."""
    graph = graph if graph is not None else new_graph()
    node = URIRef(uri_for(community))
    graph.add((node, RDF.type, SIOC.Community))
    graph.add((node, RDF.type, FOAF.Group))
    graph.add((node, FOAF.name, _text(community.name)))
    graph.add((node, DCT.title, _text(community.name)))
    graph.add((node, DCT.description, _text(community.description)))
    if community.created_at:
        graph.add((node, DCT.created, _datetime(community.created_at)))
    return graph


def person_graph(person: User, graph: Graph | None = None) -> Graph:
    """A person whose profile the caller has checked the viewer may see
    (``User.objects.visible_to``). Only what the profile shows everyone: name, job title and
    organisation; never the e-mail address."""
    graph = graph if graph is not None else new_graph()
    node = URIRef(uri_for(person))
    graph.add((node, RDF.type, FOAF.Person))
    graph.add((node, FOAF.name, Literal(person.display_name)))
    if person.job_title:
        graph.add((node, SCHEMA.jobTitle, Literal(person.job_title)))
    organisation = person.organisation
    if organisation is not None:
        org_node = _agent(graph, organisation)
        graph.add((node, ORG.memberOf, org_node))
        graph.add((node, SCHEMA.worksFor, org_node))
    return graph


# --- datasets ----------------------------------------------------------------------------------


def _done_distributions(dataset: Dataset) -> list[Distribution]:
    prefetched = getattr(dataset, "done_distributions", None)
    if prefetched is not None:
        return list(prefetched)
    return list(
        dataset.distributions.filter(status=ImportStatus.DONE)
        .defer("columns", "problems")
        .order_by("-version")
    )


def _keywords(dataset: Dataset) -> list[str]:
    return [tag.name for tag in dataset.tags.all()] if dataset.pk else []


def _licence(graph: Graph, subject: URIRef, code: str) -> None:
    if code not in Licence.values:
        return  # never guess a licence
    licence = Licence(code)
    node = URIRef(LICENCE_URIS[licence])
    graph.add((node, RDF.type, DCT.LicenseDocument))
    graph.add((node, RDFS.label, _english(licence.label)))
    graph.add((subject, DCT.license, node))


def distribution_graph(distribution: Distribution, graph: Graph | None = None) -> Graph:
    """One imported version of a dataset, described as its CSV download."""
    graph = graph if graph is not None else new_graph()
    dataset = distribution.dataset
    node = URIRef(distribution_uri(distribution))
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCT.title, _text(f"{dataset.title} (version {distribution.version})")))
    if distribution.note:
        graph.add((node, DCT.description, _text(distribution.note)))
    graph.add((node, DCAT.accessURL, URIRef(uri_for(dataset))))
    graph.add((node, DCAT.downloadURL, URIRef(download_url(distribution))))
    media_type = URIRef(IANA_MEDIA_TYPE + "text/csv")
    graph.add((media_type, RDF.type, DCT.MediaType))
    graph.add((node, DCAT.mediaType, media_type))
    file_type = URIRef(EU_FILE_TYPE + "CSV")
    graph.add((file_type, RDF.type, DCT.MediaTypeOrExtent))
    graph.add((node, DCT.format, file_type))
    if distribution.format == "csv" and distribution.byte_size:
        # The size of the CSV as uploaded; other formats are converted, so their size would lie.
        graph.add(
            (node, DCAT.byteSize, Literal(distribution.byte_size, datatype=XSD.nonNegativeInteger))
        )
    graph.add((node, DCT.issued, _datetime(distribution.imported_at or distribution.created_at)))
    _licence(graph, node, dataset.licence)
    return graph


def dataset_graph(dataset: Dataset, graph: Graph | None = None) -> Graph:
    """A dataset in DCAT-AP terms, with each successfully imported version as a distribution.
    The caller has checked the viewer may see the dataset."""
    graph = graph if graph is not None else new_graph()
    node = URIRef(uri_for(dataset))
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCT.identifier, Literal(dataset.slug)))
    graph.add((node, DCT.title, _text(dataset.title)))
    graph.add((node, DCT.description, _text(_plain(dataset.description_html))))
    graph.add((node, DCAT.landingPage, _landing_page(graph, node)))
    if dataset.publisher is not None:
        graph.add((node, DCT.publisher, _agent(graph, dataset.publisher)))
    if dataset.contact_email or dataset.contact_name:
        contact = URIRef(f"{node}#contact")
        graph.add((contact, RDF.type, VCARD.Kind))
        graph.add((contact, VCARD.fn, Literal(dataset.contact_name or dataset.title)))
        if dataset.contact_email:
            graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{dataset.contact_email}")))
        graph.add((node, DCAT.contactPoint, contact))
    _licence(graph, node, dataset.licence)
    for code in dataset.themes or []:
        if code not in DataTheme.values:
            continue
        theme = URIRef(EU_THEME + code)
        graph.add((theme, RDF.type, SKOS.Concept))
        graph.add((theme, SKOS.prefLabel, _english(DataTheme(code).label)))
        graph.add((theme, SKOS.inScheme, URIRef(EU_THEME.rstrip("/"))))
        graph.add((node, DCAT.theme, theme))
    for keyword in _keywords(dataset):
        graph.add((node, DCAT.keyword, _text(keyword)))
    for gss in dataset.spatial or []:
        if not GSS_CODE_RE.match(str(gss)):
            continue  # only well-formed codes become URIs
        area = URIRef(ONS_AREA + str(gss))
        graph.add((area, RDF.type, DCT.Location))
        graph.add((node, DCT.spatial, area))
    if dataset.temporal_start or dataset.temporal_end:
        period = BNode()
        graph.add((period, RDF.type, DCT.PeriodOfTime))
        if dataset.temporal_start:
            graph.add((period, DCAT.startDate, _date(dataset.temporal_start)))
        if dataset.temporal_end:
            graph.add((period, DCAT.endDate, _date(dataset.temporal_end)))
        graph.add((node, DCT.temporal, period))
    if dataset.frequency and dataset.frequency in Frequency.values:
        frequency = URIRef(EU_FREQUENCY + dataset.frequency)
        graph.add((frequency, RDF.type, DCT.Frequency))
        graph.add((node, DCT.accrualPeriodicity, frequency))
    if dataset.issued_at:
        graph.add((node, DCT.issued, _datetime(dataset.issued_at)))
    graph.add((node, DCT.modified, _datetime(dataset.updated_at)))
    for distribution in _done_distributions(dataset):
        distribution.dataset = dataset  # no query per distribution for its dataset
        distribution_graph(distribution, graph)
        graph.add((node, DCAT.distribution, URIRef(distribution_uri(distribution))))
    return graph


def _landing_page(graph: Graph, node: URIRef) -> URIRef:
    """The dataset's page: the same address as the dataset (the URI is the page, and content
    negotiation on it gives this data), so it is typed as the document DCAT-AP expects."""
    graph.add((node, RDF.type, FOAF.Document))
    return node


def catalogue_datasets(viewer: Viewer) -> QuerySet[Dataset]:
    """The approved datasets whose index entry the viewer may see (the one visibility rule):
    for the anonymous visitor, the public catalogue."""
    from knowledgehub.datasets.services import catalogue

    return catalogue(viewer).order_by("title", "pk")


def _catalogue_datasets(viewer: Viewer) -> QuerySet[Dataset]:
    """``catalogue_datasets`` with everything the graph reads fetched up front (a fixed number
    of queries, however many datasets)."""
    from knowledgehub.datasets.models import Distribution

    done = (
        Distribution.objects.filter(status=ImportStatus.DONE)
        .defer("columns", "problems")
        .order_by("-version")
    )
    return (
        catalogue_datasets(viewer)
        .select_related("publisher")
        .prefetch_related(
            "tags", Prefetch("distributions", queryset=done, to_attr="done_distributions")
        )
    )


def catalogue_graph(viewer: Viewer | None = None, graph: Graph | None = None) -> Graph:
    """The DCAT catalogue of the approved datasets the viewer may see (the public catalogue
    when ``viewer`` is None), with each dataset's description."""
    viewer = viewer if viewer is not None else ANONYMOUS
    graph = graph if graph is not None else new_graph()
    node = URIRef(catalogue_uri())
    home = URIRef(settings.SITE_URL + "/")
    publisher = URIRef(site_agent_uri())
    graph.add((node, RDF.type, DCAT.Catalog))
    graph.add((node, DCT.title, _text(f"{settings.SITE_NAME} data catalogue")))
    graph.add(
        (
            node,
            DCT.description,
            _text(
                f"Datasets published and approved on {settings.SITE_NAME}, where people in UK "
                "local government share what works and compare how their services perform."
            ),
        )
    )
    graph.add((node, DCT.publisher, publisher))
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, _text(settings.SITE_NAME)))
    graph.add((publisher, FOAF.homepage, home))
    graph.add((node, FOAF.homepage, home))
    graph.add((home, RDF.type, FOAF.Document))
    language = URIRef(EU_LANGUAGE + "ENG")
    graph.add((language, RDF.type, DCT.LinguisticSystem))
    graph.add((node, DCT.language, language))
    latest: datetime | None = None
    for dataset in _catalogue_datasets(viewer):
        dataset_graph(dataset, graph)
        graph.add((node, DCAT.dataset, URIRef(uri_for(dataset))))
        latest = max(latest, dataset.updated_at) if latest else dataset.updated_at
    if latest is not None:
        graph.add((node, DCT.modified, _datetime(latest)))
    return graph


# --- content items -----------------------------------------------------------------------------


def _visible_people(viewer: Viewer, ids: Iterable[int | None]) -> dict[int, User]:
    from knowledgehub.people.models import User

    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    people = User.objects.visible_to(viewer).filter(pk__in=wanted).select_related("organisation")
    return {person.pk: person for person in people}


def item_graph(
    item: Item,
    graph: Graph | None = None,
    *,
    viewer: Viewer | None = None,
    people: dict[int, User] | None = None,
) -> Graph:
    """An index entry the caller has checked the viewer may see (``can_view`` or
    ``Item.objects.visible_to``). Its creator is named only when the creator's profile is
    visible to the viewer; ``people`` (visible people by id) saves a query per item."""
    from knowledgehub.knowledge.registry import unauthored_kinds

    viewer = viewer if viewer is not None else ANONYMOUS
    graph = graph if graph is not None else new_graph()
    node = URIRef(uri_for(item))
    graph.add((node, RDF.type, SIOC.Item))
    graph.add((node, RDF.type, ITEM_TYPES.get(item.kind, SCHEMA.CreativeWork)))
    graph.add((node, DCT.type, Literal(item.kind)))
    graph.add((node, DCT.title, Literal(item.title)))
    if item.summary:
        graph.add((node, DCT.abstract, Literal(item.summary)))
    graph.add((node, DCT.created, _datetime(item.published_at)))
    graph.add((node, DCT.modified, _datetime(item.updated_at)))
    if item.author_id is not None and item.kind not in unauthored_kinds():
        found = people if people is not None else _visible_people(viewer, [item.author_id])
        author = found.get(item.author_id)
        if author is not None:
            graph.add((node, DCT.creator, URIRef(uri_for(author))))
            graph.add((URIRef(uri_for(author)), FOAF.name, Literal(author.display_name)))
    if item.community_id is not None:
        # The item is visible, so its community is (a secret one only to its members).
        graph.add((node, DCT.isPartOf, URIRef(uri_for(item.community))))
        graph.add((node, SIOC.has_container, URIRef(uri_for(item.community))))
    if item.organisation is not None:
        graph.add((node, DCT.publisher, _agent(graph, item.organisation)))
    for tag in item.tags.all():
        graph.add((node, SCHEMA.keywords, Literal(tag.name)))
    return graph


# --- everything public, for the SPARQL store ---------------------------------------------------

PUBLIC_CHUNK = 500


def public_graphs(chunk_size: int = PUBLIC_CHUNK) -> Iterator[Graph]:
    """Everything an anonymous visitor may see, as a series of graphs of bounded size (so the
    store can be filled without holding the whole site in memory): the catalogue with its
    datasets and distributions, every organisation, the communities that are not secret, the
    public profiles, the basic metadata of public items, and the performance metrics as Data
    Cubes with their public values. A fixed number of queries per chunk, never one per
    object."""
    from knowledgehub.communities.models import Community
    from knowledgehub.knowledge.models import Item
    from knowledgehub.organisations.models import Organisation
    from knowledgehub.people.models import User

    yield catalogue_graph(ANONYMOUS)

    graph = new_graph()
    for count, organisation in enumerate(Organisation.objects.order_by("pk").iterator(), 1):
        organisation_graph(organisation, graph)
        if count % chunk_size == 0:
            yield graph
            graph = new_graph()
    for community in Community.objects.visible_to(ANONYMOUS).order_by("pk"):
        community_graph(community, graph)
    yield graph

    graph = new_graph()
    people = User.objects.visible_to(ANONYMOUS).select_related("organisation").order_by("pk")
    for count, person in enumerate(people.iterator(chunk_size=chunk_size), 1):
        person_graph(person, graph)
        if count % chunk_size == 0:
            yield graph
            graph = new_graph()
    yield graph

    items = (
        Item.objects.visible_to(ANONYMOUS)
        .exclude(kind="dataset")  # described in full by the catalogue
        .filter(url__startswith="/")  # a page here, so its URI is ours
        .select_related("community", "organisation")
        .prefetch_related("tags")
        .order_by("pk")
    )
    batch: list[Item] = []
    for item in items.iterator(chunk_size=chunk_size):
        batch.append(item)
        if len(batch) >= chunk_size:
            yield _items_graph(batch)
            batch = []
    if batch:
        yield _items_graph(batch)

    # Performance metrics as RDF Data Cubes, with their public values only.
    from knowledgehub.benchmarks.rdf import public_metric_graphs

    yield from public_metric_graphs()


def _items_graph(items: list[Item]) -> Graph:
    graph = new_graph()
    people = _visible_people(ANONYMOUS, (item.author_id for item in items))
    for item in items:
        item_graph(item, graph, viewer=ANONYMOUS, people=people)
    return graph


def public_graph() -> Graph:
    """``public_graphs`` merged into one graph (for tests and small sites)."""
    graph = new_graph()
    for part in public_graphs():
        graph += part
    return graph


# --- serialisation -----------------------------------------------------------------------------

# Our name for a format (see negotiation.MEDIA_TYPES) -> rdflib's serialiser.
FORMATS: dict[str, str] = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}


def serialise(graph: Graph, fmt: str) -> bytes:
    """The graph as bytes in one of ``FORMATS``; JSON-LD carries its context inline (no
    remote context for a client to fetch)."""
    serialiser = FORMATS[fmt]
    if serialiser == "json-ld":
        context = {prefix: str(uri) for prefix, uri in PREFIXES.items()}
        data = graph.serialize(format="json-ld", context=context, indent=2)
    else:
        data = graph.serialize(format=serialiser)
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)
