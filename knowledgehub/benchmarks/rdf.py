"""Performance metrics as RDF Data Cube (https://www.w3.org/TR/vocab-data-cube/).

A metric is a ``qb:DataSet`` whose URI is the metric's page (so content negotiation on the page
gives the cube). Its structure (``<metric>#structure``) has two dimensions, the area (the
council's ONS statistical-geography URI) and the period (a reference.data.gov.uk interval), one
measure (``sdmx-measure:obsValue``) and the unit as an attribute. Each value is a
``qb:Observation`` at ``<metric>#obs-<GSS>-<period>``.

Only the values the given audience may see are described (``visibility.Audience.value_q``, the
one door), so the public cube (for the SPARQL store) holds public values only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django.utils.text import slugify
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from knowledgehub.linkeddata.rdf import DCT, XSD, new_graph, uri_for

from . import visibility
from .periods import PeriodError, parse_period, period_uri

if TYPE_CHECKING:
    from .models import Metric, MetricValue

QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")

CUBE_PREFIXES = {
    "qb": QB,
    "sdmx-dimension": SDMX_DIMENSION,
    "sdmx-measure": SDMX_MEASURE,
    "sdmx-attribute": SDMX_ATTRIBUTE,
}

REF_AREA = SDMX_DIMENSION.refArea
REF_PERIOD = SDMX_DIMENSION.refPeriod
OBS_VALUE = SDMX_MEASURE.obsValue
UNIT_MEASURE = SDMX_ATTRIBUTE.unitMeasure

#: Observations per graph when the public cubes are written out in chunks (for the store).
OBSERVATION_CHUNK = 5000


def cube_graph() -> Graph:
    """An empty graph with the site's prefixes and the Data Cube ones."""
    graph = new_graph()
    for prefix, uri in CUBE_PREFIXES.items():
        graph.bind(prefix, uri, override=True, replace=True)
    return graph


def dataset_uri(metric: Metric) -> URIRef:
    return URIRef(uri_for(metric))


def structure_uri(metric: Metric) -> URIRef:
    return URIRef(f"{uri_for(metric)}#structure")


def observation_uri(metric: Metric, gss: str, period: str) -> URIRef:
    """``<metric>#obs-E06000001-2023-24``: the council's code and the period label as a slug."""
    return URIRef(f"{uri_for(metric)}#obs-{gss}-{slugify(period.replace('/', '-'))}")


def describe_metric(metric: Metric, graph: Graph) -> URIRef:
    """The dataset and its structure definition (no observations)."""
    node = dataset_uri(metric)
    dsd = structure_uri(metric)
    graph.add((node, RDF.type, QB.DataSet))
    graph.add((node, DCT.title, Literal(metric.title, lang="en")))
    graph.add((node, RDFS.label, Literal(metric.title, lang="en")))
    if metric.description:
        graph.add((node, DCT.description, Literal(metric.description, lang="en")))
    if metric.source:
        graph.add((node, DCT.source, Literal(metric.source)))
    if metric.source_url:
        graph.add((node, DCT.references, URIRef(metric.source_url)))
    graph.add((node, QB.structure, dsd))

    graph.add((dsd, RDF.type, QB.DataStructureDefinition))
    components = [
        ("area", QB.dimension, REF_AREA, QB.DimensionProperty, 1),
        ("period", QB.dimension, REF_PERIOD, QB.DimensionProperty, 2),
        ("value", QB.measure, OBS_VALUE, QB.MeasureProperty, None),
        ("unit", QB.attribute, UNIT_MEASURE, QB.AttributeProperty, None),
    ]
    for name, role, prop, kind, order in components:
        component = URIRef(f"{dsd}-{name}")
        graph.add((dsd, QB.component, component))
        graph.add((component, RDF.type, QB.ComponentSpecification))
        graph.add((component, role, prop))
        # The normalised form too (the integrity constraints are written against it).
        graph.add((component, QB.componentProperty, prop))
        if order is not None:
            graph.add((component, QB.order, Literal(order)))
        if kind == QB.AttributeProperty:
            graph.add((component, QB.componentRequired, Literal(False)))
        graph.add((prop, RDF.type, kind))
        graph.add((prop, RDF.type, QB.ComponentProperty))
    return node


def add_observations(
    metric: Metric,
    values: Iterable[MetricValue],
    graph: Graph,
    periods: dict[str, URIRef | None] | None = None,
) -> int:
    """One ``qb:Observation`` per value (values already read through the visibility door, with
    their organisation). Values whose area or period has no URI are left out, so every
    observation has every dimension. Returns how many were added."""
    node = dataset_uri(metric)
    cache: dict[str, URIRef | None] = periods if periods is not None else {}
    unit = Literal(metric.unit) if metric.unit else None
    added = 0
    for value in values:
        area = value.organisation.ons_uri
        gss = value.organisation.gss_code
        if area is None or gss is None:
            continue
        if value.period not in cache:
            try:
                cache[value.period] = URIRef(
                    period_uri(parse_period(value.period, metric.period_type))
                )
            except PeriodError:
                cache[value.period] = None
        period = cache[value.period]
        if period is None:
            continue
        obs = observation_uri(metric, gss, value.period)
        graph.add((obs, RDF.type, QB.Observation))
        graph.add((obs, QB.dataSet, node))
        graph.add((obs, REF_AREA, URIRef(area)))
        graph.add((obs, REF_PERIOD, period))
        graph.add((obs, OBS_VALUE, Literal(float(value.value), datatype=XSD.double)))
        if unit is not None:
            graph.add((obs, UNIT_MEASURE, unit))
        added += 1
    return added


def _visible_values(metric: Metric, audience: visibility.Audience) -> Iterator[MetricValue]:
    from .models import MetricValue

    return (
        MetricValue.objects.filter(metric=metric)
        .filter(audience.value_q())
        .select_related("organisation")
        .only(
            "period",
            "value",
            "organisation__code",
            "organisation__type",
            "metric_id",
            "organisation_id",
        )
        .order_by("period_start", "organisation__code")
        .iterator(chunk_size=2000)
    )


def metric_graph(
    metric: Metric, audience: visibility.Audience = visibility.PUBLIC, graph: Graph | None = None
) -> Graph:
    """The metric as a Data Cube data set with the observations ``audience`` may see."""
    graph = graph if graph is not None else cube_graph()
    describe_metric(metric, graph)
    add_observations(metric, _visible_values(metric, audience), graph)
    return graph


def public_metric_graphs(chunk_size: int = OBSERVATION_CHUNK) -> Iterator[Graph]:
    """Every metric's public cube, in graphs of at most ``chunk_size`` observations (a metric's
    definition first, then its observations), for the SPARQL store."""
    from django.contrib.auth.models import AnonymousUser

    from .models import Metric

    for metric in Metric.objects.visible_to(AnonymousUser()).order_by("pk"):
        graph = cube_graph()
        describe_metric(metric, graph)
        periods: dict[str, URIRef | None] = {}
        batch: list[MetricValue] = []
        for value in _visible_values(metric, visibility.PUBLIC):
            batch.append(value)
            if len(batch) >= chunk_size:
                add_observations(metric, batch, graph, periods)
                yield graph
                graph = cube_graph()
                batch = []
        add_observations(metric, batch, graph, periods)
        yield graph
