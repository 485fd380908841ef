"""Editing your profile (interests and skills as comma lists) and who may see it."""

from __future__ import annotations

from datetime import date

import pytest

from knowledgehub.knowledge.models import Tag
from knowledgehub.people.choices import ProfileVisibility
from knowledgehub.people.models import User
from knowledgehub.testing.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def profile_data(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Alice Adams",
        "job_title": "Waste strategy lead",
        "organisation": "",
        "bio": "I work on waste.",
        "interests": "",
        "skills": "",
        "experience": "",
        "looking_for": "",
        "profile_visibility": ProfileVisibility.PUBLIC,
    }
    data.update(overrides)
    return data


def test_edit_page_needs_sign_in(client):
    response = client.get("/people/me/edit/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/people/me/edit/"


def test_edit_profile_with_comma_separated_interests_and_skills(client, alice):
    trafford = OrganisationFactory(code="E08000009", name="Trafford")
    client.force_login(alice)
    response = client.post(
        "/people/me/edit/",
        profile_data(
            organisation=str(trafford.pk),
            interests="Recycling, food waste,  behaviour   change , recycling,,",
            skills="Data analysis, procurement, Food Waste",
            experience="Ten years in waste contracts.",
            looking_for="People who have tried food waste collections.",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == "/people/alice/"
    alice.refresh_from_db()
    assert alice.job_title == "Waste strategy lead"
    assert alice.organisation == trafford
    assert sorted(alice.interests.values_list("slug", flat=True)) == [
        "behaviour-change", "food-waste", "recycling",
    ]  # fmt: skip
    assert sorted(alice.skills.values_list("slug", flat=True)) == [
        "data-analysis", "food-waste", "procurement",
    ]  # fmt: skip
    # "food waste" as an interest and "Food Waste" as a skill are the same topic.
    assert Tag.objects.filter(slug="food-waste").count() == 1
    assert Tag.objects.count() == 5
    page = client.get("/people/alice/").content.decode()
    assert 'href="/people/?interest=behaviour-change"' in page
    assert 'href="/people/?skill=data-analysis"' in page
    assert "Ten years in waste contracts." in page


def test_edit_form_shows_current_tags_and_editing_replaces_them(client):
    person = UserFactory(username="erin", interests=["housing", "planning"], skills=["GIS"])
    client.force_login(person)
    form = client.get("/people/me/edit/").context["form"]
    assert form.initial["interests"] == "housing, planning"
    assert form.initial["skills"] == "GIS"
    client.post("/people/me/edit/", profile_data(name="Erin", interests="planning", skills=""))
    assert list(person.interests.values_list("slug", flat=True)) == ["planning"]
    assert not person.skills.exists()
    # The tag itself stays: other people and items may use it.
    assert Tag.objects.filter(slug="housing").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "This field is required."),
        ({"interests": ",".join(map(str, range(21)))}, "interests", "Enter 20 topics or fewer"),
        ({"skills": "x" * 61}, "skills", "Each topic must be 60 characters or fewer"),
        ({"profile_visibility": "everyone"}, "profile_visibility", None),
        ({"organisation": "999999"}, "organisation", None),
    ],
)  # fmt: skip
def test_invalid_profile_shows_errors_and_saves_nothing(client, alice, overrides, field, message):
    client.force_login(alice)
    response = client.post(
        "/people/me/edit/",
        profile_data(**{"job_title": "Changed", "interests": "not saved", **overrides}),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert errors[field] == [message]
        assert message in response.content.decode()
    alice.refresh_from_db()
    assert alice.job_title == "Policy officer"
    assert not alice.interests.exists()
    assert not Tag.objects.exists()


def test_abolished_councils_cannot_be_chosen(client, alice):
    craven = OrganisationFactory(code="E07000163", name="Craven", end_date=date(2023, 4, 1))
    client.force_login(alice)
    response = client.post("/people/me/edit/", profile_data(organisation=str(craven.pk)))
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    alice.refresh_from_db()
    assert alice.organisation is None


def test_visibility_choice_is_saved(client, alice):
    client.force_login(alice)
    client.post("/people/me/edit/", profile_data(profile_visibility=ProfileVisibility.MEMBERS))
    alice.refresh_from_db()
    assert alice.profile_visibility == ProfileVisibility.MEMBERS


def test_public_profile_is_visible_to_everyone(client, alice, carol):
    assert alice.profile_visibility == ProfileVisibility.PUBLIC
    assert client.get("/people/alice/").status_code == 200
    client.force_login(carol)
    assert client.get("/people/alice/").status_code == 200


def test_members_only_profile_is_hidden_from_anonymous(client, carol):
    UserFactory(username="mo", name="Mo Members", profile_visibility=ProfileVisibility.MEMBERS)
    response = client.get("/people/mo/")
    assert response.status_code == 404
    assert "Mo Members" not in response.content.decode()
    client.force_login(carol)
    response = client.get("/people/mo/")
    assert response.status_code == 200
    assert "Mo Members" in response.content.decode()


def test_switching_to_members_only_hides_the_profile(client, alice):
    signed_in = client.__class__()
    signed_in.force_login(alice)
    signed_in.post("/people/me/edit/", profile_data(profile_visibility=ProfileVisibility.MEMBERS))
    assert client.get("/people/alice/").status_code == 404
    assert signed_in.get("/people/alice/").status_code == 200


def test_deactivated_and_unknown_people_are_404(client, carol):
    UserFactory(username="left", is_active=False)
    client.force_login(carol)
    assert client.get("/people/left/").status_code == 404
    assert client.get("/people/nobody-by-this-name/").status_code == 404
    assert User.objects.filter(username="left").exists()
