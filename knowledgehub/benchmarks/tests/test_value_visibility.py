"""The three forms of the visibility rule (Audience.can_see, values_visible_to / value_q, and the
NumPy mask used by snapshots) agree with each other and with the rule written out here, for every
kind of viewer and every sharing level."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from knowledgehub.benchmarks.choices import Sharing
from knowledgehub.benchmarks.models import MetricValue
from knowledgehub.benchmarks.snapshot import snapshot
from knowledgehub.benchmarks.visibility import audience_for, values_visible_to
from knowledgehub.testing.factories import OrganisationFactory, UserFactory

from .factories import ClubFactory, ContributorFactory, MetricFactory, ValueFactory

pytestmark = pytest.mark.django_db

VARIANTS = [
    "public",
    "members",
    "club",
    "club_past_embargo",
    "club_future_embargo",
    "members_past_embargo",
]


def expected(role: str, variant: str) -> bool:
    """The rule in words, for a value belonging to ``owner`` shared with ``club``:
    public or past-embargo values: everyone; members values: anyone signed in; club values:
    contributors of the club's councils; the owner's contributors and site admins: everything."""
    if variant == "public" or variant.endswith("past_embargo"):
        return True
    if role in {"superuser", "owner_contributor"}:
        return True
    if variant == "members":
        return role != "visitor"
    # club values (no embargo, or one still to come)
    return role == "club_contributor"


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    owner = OrganisationFactory(name="Owner Council")
    club_peer = OrganisationFactory(name="Club Peer Council")
    outsider_org = OrganisationFactory(name="Outsider Council")
    club = ClubFactory(councils=[owner, club_peer])
    metric = MetricFactory()
    today = timezone.localdate()
    values = {}
    for n, variant in enumerate(VARIANTS):  # one period each
        sharing = Sharing.PUBLIC if variant == "public" else Sharing.MEMBERS
        embargo = None
        if variant.startswith("club"):
            sharing = Sharing.CLUB
        if variant.endswith("past_embargo"):
            # on the day itself for the club value, the day before for the members value
            embargo = today if variant.startswith("club") else today - timedelta(days=1)
        if variant.endswith("future_embargo"):
            embargo = today + timedelta(days=1)
        values[variant] = ValueFactory(
            metric=metric,
            organisation=owner,
            period=f"{2010 + n}/{(11 + n) % 100:02d}",
            sharing=sharing,
            club=club if sharing == Sharing.CLUB else None,
            embargo_until=embargo,
            value=float(n),
        )
    users = {
        "visitor": AnonymousUser(),
        "member": UserFactory(),
        "owner_contributor": ContributorFactory(organisation=owner).user,
        "club_contributor": ContributorFactory(organisation=club_peer).user,
        "other_contributor": ContributorFactory(organisation=outsider_org).user,
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }
    metric.refresh_from_db()
    return metric, values, users


@pytest.mark.parametrize(
    "role",
    [
        "visitor",
        "member",
        "owner_contributor",
        "club_contributor",
        "other_contributor",
        "superuser",
    ],
)
def test_three_forms_agree_with_the_rule(world, role):
    metric, values, users = world
    user = users[role]
    audience = audience_for(user)
    via_q = set(
        values_visible_to(user, MetricValue.objects.filter(metric=metric)).values_list(
            "pk", flat=True
        )
    )
    snap = snapshot(metric)
    via_mask: set[int] = set()
    for period in snap.periods:
        seen = audience.mask(
            period.sharing, period.club_ids, period.embargo, period.organisation_ids
        )
        via_mask |= {int(i) for i in period.value_ids[seen]}
    for variant, value in values.items():
        rule = expected(role, variant)
        assert audience.can_see(value) is rule, (role, variant)
        assert (value.pk in via_q) is rule, (role, variant)
        assert (value.pk in via_mask) is rule, (role, variant)


def test_restricted_means_not_public_to_everyone(world):
    metric, values, users = world
    snap = snapshot(metric)
    today = timezone.localdate()
    for variant, value in values.items():
        period = snap.get(value.period)
        assert period is not None
        restricted = period.restricted_all(today)
        assert bool(restricted[0]) is (not expected("visitor", variant)), variant
        _ids, _vals, seen_restricted = period.visible(audience_for(users["superuser"]))
        assert bool(seen_restricted[0]) is (not expected("visitor", variant))
