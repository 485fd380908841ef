"""Comparison groups: relative and explicit specs, clubs, neighbours, clear errors, and the
in-process list of current councils."""

from __future__ import annotations

from datetime import date

import pytest

from knowledgehub.benchmarks.groups import GroupError, councils, group_choices, resolve_group
from knowledgehub.benchmarks.visibility import PUBLIC
from knowledgehub.organisations.choices import OrganisationType
from knowledgehub.testing.factories import OrganisationFactory, PartnerOrganisationFactory

from .factories import ClubFactory, MetricFactory, ValueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():  # type: ignore[no-untyped-def]
    nw = OrganisationFactory(name="Northtown", region="North West")
    nw2 = OrganisationFactory(name="Westtown", region="North West")
    ne_district = OrganisationFactory(
        name="Easton", region="North East", type=OrganisationType.DISTRICT, code="E07000001"
    )
    wales = OrganisationFactory(
        name="Cymru Town",
        region="Wales",
        nation="Wales",
        type=OrganisationType.WELSH_UNITARY,
        code="W06000001",
    )
    gone = OrganisationFactory(name="Abolished", end_date=date(2020, 3, 31))
    partner = PartnerOrganisationFactory()
    return nw, nw2, ne_district, wales, gone, partner


def test_councils_index_holds_current_councils_only(places):
    nw, nw2, ne_district, wales, _gone, _partner = places
    index = councils()
    assert set(index.by_id) == {nw.pk, nw2.pk, ne_district.pk, wales.pk}
    assert index.by_code["W06000001"] == wales.pk
    info = index.by_id[ne_district.pk]
    assert (info.type, info.region, info.nation) == ("district", "North East", "England")
    assert info.type_label == str(OrganisationType.DISTRICT.label)


def test_councils_index_refreshes_on_change(places, django_assert_num_queries):
    councils()
    with django_assert_num_queries(0):
        councils()
    new = OrganisationFactory(name="Newtown")
    assert new.pk in councils().by_id
    new.end_date = date(2024, 1, 1)
    new.save()
    assert new.pk not in councils().by_id


def test_relative_groups(places):
    nw, nw2, ne_district, wales, _gone, _partner = places
    g = resolve_group(None, council=nw, audience=PUBLIC)
    assert g.spec == "type" and g.organisation_ids == {nw.pk, nw2.pk}
    assert resolve_group("region", council=nw, audience=PUBLIC).organisation_ids == {nw.pk, nw2.pk}
    nation = resolve_group("nation", council=nw, audience=PUBLIC)
    assert nation.organisation_ids == {nw.pk, nw2.pk, ne_district.pk}
    everyone = resolve_group(None, council=None, audience=PUBLIC)
    assert everyone.spec == "all" and len(everyone.organisation_ids) == 4
    assert resolve_group("nation", council=wales, audience=PUBLIC).organisation_ids == {wales.pk}


def test_explicit_groups_and_clubs(places):
    nw, nw2, ne_district, wales, gone, _partner = places
    assert resolve_group("type:district", council=None, audience=PUBLIC).organisation_ids == {
        ne_district.pk
    }
    assert resolve_group("region:North West", council=None, audience=PUBLIC).organisation_ids == {
        nw.pk,
        nw2.pk,
    }
    assert resolve_group("nation:Wales", council=None, audience=PUBLIC).organisation_ids == {
        wales.pk
    }
    club = ClubFactory(slug="northern", name="Northern club", councils=[nw, ne_district, gone])
    g = resolve_group("club:northern", council=None, audience=PUBLIC)
    assert g.organisation_ids == {nw.pk, ne_district.pk}  # the abolished member is not current
    assert club.name in g.label


@pytest.mark.parametrize(
    ("spec", "with_council"),
    [
        ("type", False),
        ("region", False),
        ("neighbours", False),
        ("type:charity", False),
        ("region:Atlantis", False),
        ("club:nope", False),
        ("neighbours:E06999999", False),
        ("sideways", True),
        ("all:x", True),
    ],
)
def test_bad_specs_raise_group_error(places, spec, with_council):
    council = places[0] if with_council else None
    with pytest.raises(GroupError) as err:
        resolve_group(spec, council=council, audience=PUBLIC)
    assert str(err.value)


def test_abolished_council_cannot_anchor_a_group(places):
    with pytest.raises(GroupError):
        resolve_group("type", council=places[4], audience=PUBLIC)


def test_neighbour_group_includes_the_council(places):
    nw, nw2, *_rest = places
    third = OrganisationFactory(name="Thirdtown")
    far = OrganisationFactory(name="Fartown")
    metric = MetricFactory(identifier="population", is_context=True)
    for org, value in [(nw, 100.0), (nw2, 110.0), (third, 130.0), (far, 900.0)]:
        ValueFactory(metric=metric, organisation=org, value=value)
    g = resolve_group("neighbours", council=nw, audience=PUBLIC, k=2)
    assert g.organisation_ids == {nw.pk, nw2.pk, third.pk}
    assert g.neighbours is not None and g.explanation
    explicit = resolve_group(f"neighbours:{nw.code}", council=None, audience=PUBLIC, k=1)
    assert explicit.organisation_ids == {nw.pk, nw2.pk}
    with pytest.raises(GroupError):
        resolve_group("neighbours", council=nw, audience=PUBLIC, context=["no-such-metric"])


def test_neighbours_without_context_metrics_is_an_error(places):
    with pytest.raises(GroupError):
        resolve_group("neighbours", council=places[0], audience=PUBLIC)


def test_group_choices(places):
    nw, *_rest = places
    ClubFactory(slug="northern", councils=[nw])
    ClubFactory(slug="southern")
    relative = dict(group_choices(nw))
    assert {"type", "region", "nation", "neighbours", "all", "club:northern"} <= set(relative)
    assert "club:southern" not in relative
    explicit = dict(group_choices(None))
    assert {"all", "type:district", "region:North West", "nation:Wales"} <= set(explicit)
    assert {"club:northern", "club:southern"} <= set(explicit)
    for spec in explicit:
        resolve_group(spec, council=None, audience=PUBLIC)  # every offered choice resolves
