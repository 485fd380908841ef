"""/people/: the directory, its filters, who appears in it, and its pages."""

from __future__ import annotations

import pytest
from django.test import Client

from knowledgehub.organisations.choices import OrganisationType
from knowledgehub.people.choices import ProfileVisibility
from knowledgehub.testing.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    trafford = OrganisationFactory(
        code="E08000009", name="Trafford", type=OrganisationType.METROPOLITAN, region="North West"
    )
    cardiff = OrganisationFactory(
        code="W06000015", name="Cardiff", type=OrganisationType.WELSH_UNITARY, nation="Wales",
        region="Wales",
    )  # fmt: skip
    UserFactory(
        username="alice", name="Alice Adams", organisation=trafford,
        interests=["Recycling", "Food waste"], skills=["Data analysis"],
    )  # fmt: skip
    UserFactory(
        username="bob", name="Bob Brown", organisation=trafford,
        profile_visibility=ProfileVisibility.MEMBERS, interests=["Housing"], skills=["Procurement"],
    )  # fmt: skip
    UserFactory(
        username="carol", name="Carol Clark", organisation=cardiff, interests=["Recycling"],
        skills=["Procurement", "Data analysis"],
    )  # fmt: skip
    UserFactory(username="dan", name="Dan Dare", interests=["Recycling"])
    UserFactory(username="gone", name="Gone Away", organisation=trafford, is_active=False,
                interests=["Recycling"])  # fmt: skip


def usernames(client: Client, query: str = "") -> list[str]:
    response = client.get(f"/people/{query}")
    assert response.status_code == 200
    return [p.username for p in response.context["paged"].object_list]


@pytest.fixture
def member(client, people):
    client.force_login(UserFactory(username="zed", name="Zed Zee", interests=["Recycling"]))
    return client


def test_anonymous_sees_only_public_profiles(client, people):
    assert usernames(client) == ["alice", "carol", "dan"]
    html = client.get("/people/").content.decode()
    assert "Bob Brown" not in html
    assert "Gone Away" not in html
    assert "Sign in to see everyone" in html


def test_signed_in_members_see_members_only_profiles(member):
    assert usernames(member) == ["alice", "bob", "carol", "dan", "zed"]
    assert "Bob Brown" in member.get("/people/").content.decode()


@pytest.mark.parametrize(
    ("query", "anonymous", "signed_in"),
    [
        ("?organisation=E08000009", ["alice"], ["alice", "bob"]),
        ("?organisation=W06000015", ["carol"], ["carol"]),
        ("?organisation=E09999999", [], []),
        ("?region=North+West", ["alice"], ["alice", "bob"]),
        ("?region=Wales", ["carol"], ["carol"]),
        ("?interest=recycling", ["alice", "carol", "dan"], ["alice", "carol", "dan", "zed"]),
        ("?interest=housing", [], ["bob"]),
        ("?interest=food-waste", ["alice"], ["alice"]),
        ("?skill=procurement", ["carol"], ["bob", "carol"]),
        ("?skill=data-analysis", ["alice", "carol"], ["alice", "carol"]),
        ("?interest=recycling&skill=data-analysis&region=Wales", ["carol"], ["carol"]),
        ("?q=brown", [], ["bob"]),
        ("?q=CLARK", ["carol"], ["carol"]),
        ("?q=dan", ["dan"], ["dan"]),  # the username matches too
        ("?q=a", ["alice", "carol", "dan"], ["alice", "carol", "dan"]),
        ("?q=nobody", [], []),
    ],
)
def test_filters(client, people, query, anonymous, signed_in):
    assert usernames(client, query) == anonymous
    client.force_login(UserFactory(username="zed", name="Zed Zee", interests=["Recycling"]))
    assert usernames(client, query) == signed_in


def test_a_person_matching_twice_is_listed_once(client, people):
    # Alice's name and username both contain "ali": one result, not two.
    assert usernames(client, "?q=ali") == ["alice"]
    assert usernames(client, "?interest=recycling&q=a") == ["alice", "carol", "dan"]


def test_filter_choices_for_members(member):
    context = member.get("/people/").context
    assert [o.code for o in context["organisations"]] == ["W06000015", "E08000009"]
    assert context["regions"] == ["North West", "Wales"]
    assert {t.slug for t in context["interests"]} == {"recycling", "food-waste", "housing"}
    assert {t.slug for t in context["skills"]} == {"data-analysis", "procurement"}


def test_filter_choices_do_not_reveal_members_only_profiles(client, people):
    UserFactory(
        username="hid", organisation=OrganisationFactory(code="E09000033", name="Westminster"),
        profile_visibility=ProfileVisibility.MEMBERS, interests=["Secret topic"],
        skills=["Secret skill"],
    )  # fmt: skip
    context = client.get("/people/").context
    assert [o.code for o in context["organisations"]] == ["W06000015", "E08000009"]
    assert {t.slug for t in context["interests"]} == {"recycling", "food-waste"}
    assert {t.slug for t in context["skills"]} == {"data-analysis", "procurement"}
    html = client.get("/people/").content.decode()
    assert "Secret topic" not in html
    assert "Westminster" not in html


def test_selected_filters_are_kept_in_the_form(client, people):
    html = client.get("/people/?interest=recycling&organisation=E08000009").content.decode()
    assert '<option value="recycling" selected>' in html
    assert '<option value="E08000009" selected>' in html


@pytest.fixture
def crowd(db, settings):
    settings.KH_PAGE_SIZE = 3
    for n in range(8):
        UserFactory(username=f"p{n}", name=f"Person {n:02d}", interests=["Recycling"])
    UserFactory(username="hidden", name="Person 99", profile_visibility=ProfileVisibility.MEMBERS)


def test_pagination(client, crowd):
    assert usernames(client) == ["p0", "p1", "p2"]
    response = client.get("/people/?interest=recycling&page=2")
    assert [p.username for p in response.context["paged"].object_list] == ["p3", "p4", "p5"]
    paged = response.context["paged"]
    assert paged.page.paginator.count == 8
    assert paged.previous_url == "?interest=recycling&page=1"
    assert paged.next_url == "?interest=recycling&page=3"
    html = response.content.decode()
    assert 'href="?interest=recycling&amp;page=3"' in html
    assert 'aria-current="page"' in html
    assert usernames(client, "?page=3") == ["p6", "p7"]


@pytest.mark.parametrize(("page", "expected"), [("999", ["p6", "p7"]), ("x", ["p0", "p1", "p2"])])
def test_out_of_range_pages_do_not_fail(client, crowd, page, expected):
    assert usernames(client, f"?page={page}") == expected


def test_signed_in_members_count_members_only_profiles_in_pages(client, crowd):
    client.force_login(UserFactory(username="zz", name="Zz"))
    response = client.get("/people/?page=3")
    assert response.context["paged"].page.paginator.count == 10
    assert [p.username for p in response.context["paged"].object_list] == ["p6", "p7", "hidden"]
