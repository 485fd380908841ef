"""Clubs and confirmed contributors: only stewards manage them, and confirming someone is what
lets them see a club's figures (a profile's organisation alone does not)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgehub.benchmarks.choices import Sharing
from knowledgehub.benchmarks.models import BenchmarkingClub, CouncilContributor
from knowledgehub.benchmarks.visibility import audience_for, values_visible_to
from knowledgehub.testing.factories import OrganisationFactory, UserFactory

from .factories import ClubFactory, ValueFactory, steward

pytestmark = pytest.mark.django_db


def test_only_stewards_start_clubs(client):
    council = OrganisationFactory()
    client.force_login(UserFactory())
    assert client.get(reverse("benchmarks:club_new")).status_code == 403
    client.force_login(steward())
    response = client.post(
        reverse("benchmarks:club_new"),
        {"name": "North West waste club", "description": "", "members": [council.pk]},
    )
    club = BenchmarkingClub.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "benchmarks:club", args=[club.slug]
    )
    assert club.slug == "north-west-waste-club"
    assert list(club.members.all()) == [council]


def test_club_form_errors_are_explained(client):
    client.force_login(steward())
    response = client.post(reverse("benchmarks:club_new"), {"name": "!!!", "members": []})
    assert response.status_code == 200
    assert "Give the club a name with letters or numbers in it" in response.content.decode()
    assert not BenchmarkingClub.objects.exists()


def test_only_stewards_edit_a_club_even_its_creator_without_the_permission(client):
    maker = UserFactory()
    club = ClubFactory(created_by=maker, councils=[OrganisationFactory()])
    client.force_login(maker)
    assert client.get(reverse("benchmarks:club_edit", args=[club.slug])).status_code == 403
    added = OrganisationFactory()
    client.force_login(steward())
    response = client.post(
        reverse("benchmarks:club_edit", args=[club.slug]),
        {"name": club.name, "description": "", "members": [added.pk]},
    )
    assert response.status_code == 302
    assert list(club.members.all()) == [added]


def test_confirming_a_contributor_grants_club_values(client):
    council = OrganisationFactory()
    club = ClubFactory(councils=[council])
    value = ValueFactory(organisation=OrganisationFactory(), sharing=Sharing.CLUB, club=club)
    person = UserFactory(organisation=council)  # says so on the profile: grants nothing
    assert value not in values_visible_to(person)

    client.force_login(UserFactory())
    url = reverse("benchmarks:contributors", args=[council.code.lower()])
    assert client.get(url).status_code == 403

    client.force_login(steward())
    response = client.post(url, {"action": "add", "username": person.username})
    assert response.status_code == 302
    assert CouncilContributor.objects.filter(user=person, organisation=council).exists()
    person = type(person).objects.get(pk=person.pk)  # a new request: no cached audience
    assert council.pk in audience_for(person).organisation_ids
    assert value in values_visible_to(person)

    again = client.post(url, {"action": "add", "username": person.username})
    assert again.status_code == 400 and "already speaks" in again.content.decode()
    missing = client.post(url, {"action": "add", "username": "nobody-here"})
    assert missing.status_code == 400 and "There is no one" in missing.content.decode()

    row = CouncilContributor.objects.get(user=person)
    assert client.post(url, {"action": "remove", "contributor": "abc"}).status_code == 302
    assert CouncilContributor.objects.filter(user=person).exists()  # nothing removed
    client.post(url, {"action": "remove", "contributor": row.pk})
    assert not CouncilContributor.objects.filter(user=person).exists()


def test_contributors_page_404s_for_unknown_or_non_council_codes(client):
    client.force_login(steward())
    assert client.get(reverse("benchmarks:contributors", args=["E06999999"])).status_code == 404
    assert client.get(reverse("benchmarks:contributors", args=["not-a-code"])).status_code == 404
