"""From number to people: the top-quartile councils of a group, the people there who write about
the metric's topic (only those the viewer may see), related items, and "ask them" as a forum
thread or an ask."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgehub.benchmarks.choices import Polarity
from knowledgehub.communities.choices import Visibility
from knowledgehub.forums.models import Thread
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.offers.models import OfferAsk
from knowledgehub.people.choices import ProfileVisibility
from knowledgehub.serendipity import people as people_service
from knowledgehub.serendipity import services as serendipity
from knowledgehub.testing.factories import (
    ItemFactory,
    OrganisationFactory,
    UserFactory,
    community_with,
    forum_category,
)

from .factories import ContributorFactory, MetricFactory, ServiceAreaFactory, ValueFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
RECYCLING = (
    "Household recycling rate: how we raised household waste recycling with weekly food waste "
    "collections, clear bin stickers and recycling rate league tables for each round."
)
OTHER_TOPICS = [
    "Parking enforcement: resident permits, pay and display machines and traffic wardens.",
    "Library opening hours, volunteers and the reading challenge for children.",
    "Council tax collection, direct debits and reminders for arrears.",
    "Potholes and highway maintenance: surveys, patching crews and road resurfacing.",
    "Allotments waiting lists, plots and water troughs for growers.",
    "Cemetery and crematorium fees, burial plots and memorial safety checks.",
]


@pytest.fixture
def world(alice):  # type: ignore[no-untyped-def]
    """Eight councils with public recycling rates 30 … 65; the two best (Bestshire 65,
    Goodshire 60) are the top quartile. People there and elsewhere write about recycling."""
    names = ["Bestshire", "Goodshire", "C3", "C4", "C5", "C6", "C7", "Worstshire"]
    councils = {
        name: OrganisationFactory(code=f"E06{800001 + i:06d}", name=name)
        for i, name in enumerate(names)
    }
    community = community_with(alice, name="Waste people", visibility=Visibility.OPEN)
    forum_category(community=community)
    area = ServiceAreaFactory(slug="waste", name="Waste and recycling", community=community)
    metric = MetricFactory(
        identifier="household-recycling-rate",
        title="Household recycling rate",
        description="Percentage of household waste sent for recycling, reuse or composting.",
        polarity=Polarity.HIGHER,
        service_area=area,
    )
    for i, name in enumerate(names):
        ValueFactory(metric=metric, organisation=councils[name], value=65.0 - 5 * i)
    writer = UserFactory(username="writer", name="Wendy Writer", organisation=councils["Bestshire"])
    quiet = UserFactory(username="quiet", name="Quentin Quiet", organisation=councils["Goodshire"])
    hidden = UserFactory(
        username="membersonly",
        name="Mona Members",
        organisation=councils["Goodshire"],
        profile_visibility=ProfileVisibility.MEMBERS,
    )
    bottom = UserFactory(username="bottom", name="Bob Bottom", organisation=councils["Worstshire"])
    secret = community_with(alice, name="Hidden circle", visibility=Visibility.SECRET)
    for n in range(2):
        ItemFactory(
            kind="blog_post",
            title=f"Raising our recycling rate, part {n + 1}",
            text=RECYCLING,
            author=writer,
        )
    ItemFactory(
        kind="library_document", title="Recycling round guide", text=RECYCLING, author=quiet
    )
    ItemFactory(kind="blog_post", title="Members recycling notes", text=RECYCLING, author=hidden)
    ItemFactory(kind="blog_post", title="How we recycle", text=RECYCLING, author=bottom)
    ItemFactory(
        kind="blog_post",
        title="Secret recycling plan",
        text=RECYCLING,
        author=quiet,
        community=secret,
        audience=Audience.COMMUNITY,
    )
    for n, text in enumerate(OTHER_TOPICS):
        ItemFactory(kind="blog_post", title=f"Other topic {n}", text=text)
    return {
        "metric": metric,
        "councils": councils,
        "community": community,
        "writer": writer,
        "quiet": quiet,
        "hidden": hidden,
        "bottom": bottom,
    }


def sections(body: str) -> tuple[str, str, str]:
    """The fragment's top-councils list, people list and related items."""
    top = body.split("Top-quartile councils", 1)[1].split("People from those councils", 1)[0]
    people = body.split("People from those councils", 1)[1].split("Related", 1)[0]
    related = body.split("People from those councils", 1)[1].split("</ul>", 1)[1]
    return top, people, related


def rebuild() -> None:
    serendipity.rebuild()
    people_service.rebuild_people()


def learn_url(metric, **params: str) -> str:  # type: ignore[no-untyped-def]
    from urllib.parse import urlencode

    url = reverse("benchmarks:learn", kwargs={"identifier": metric.identifier})
    return url + ("?" + urlencode(params) if params else "")


def test_the_fragment_names_the_top_councils_and_their_writers(client, world) -> None:  # type: ignore[no-untyped-def]
    rebuild()
    response = client.get(learn_url(world["metric"], group="all"), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]
    for name in ("Bestshire", "Goodshire"):
        code = world["councils"][name].code
        assert reverse("benchmarks:council", kwargs={"code": code}) in body
    top, people, related = sections(body)
    assert "Bestshire" in top and "Goodshire" in top
    assert "Worstshire" not in top and "C3" not in top
    # Wendy wrote two related items, Quentin one: Wendy first. Bob is at a bottom council;
    # Mona's profile is for members only; the secret item is never shown.
    assert "Wendy Writer" in people and "Quentin Quiet" in people
    assert people.index("Wendy Writer") < people.index("Quentin Quiet")
    assert "Bob Bottom" not in body
    assert "Mona Members" not in body
    # Related items by the top councils' people come first.
    assert related.index("Raising our recycling rate") < related.index("How we recycle")
    assert "Raising our recycling rate" in body
    assert "Recycling round guide" in body
    assert "Secret recycling plan" not in body and "Hidden circle" not in body
    assert reverse("benchmarks:ask", kwargs={"identifier": "household-recycling-rate"}) in body


def test_a_member_sees_members_profiles(client, world, bob) -> None:  # type: ignore[no-untyped-def]
    rebuild()
    client.force_login(bob)
    body = client.get(learn_url(world["metric"], group="all"), **HTMX).content.decode()
    assert "Mona Members" in body
    assert "Secret recycling plan" not in body


def test_without_related_items_people_are_found_by_the_metrics_words(client, world) -> None:  # type: ignore[no-untyped-def]
    body = client.get(learn_url(world["metric"], group="all"), **HTMX).content.decode()
    _top, people, _related = sections(body)
    assert "Wendy Writer" in people and "Quentin Quiet" in people
    assert people.index("Wendy Writer") < people.index("Quentin Quiet")
    assert "Bob Bottom" not in body and "Mona Members" not in body
    assert "Secret recycling plan" not in body


def test_the_full_page_is_a_page(client, world) -> None:  # type: ignore[no-untyped-def]
    response = client.get(learn_url(world["metric"], group="all"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body
    assert '<h1 class="govuk-heading-l" id="learn-heading">' in body


def test_the_viewers_council_sets_the_default_group(client, world) -> None:  # type: ignore[no-untyped-def]
    other = OrganisationFactory(code="E07000001", name="Districtshire", type="district")
    ValueFactory(metric=world["metric"], organisation=other, value=99.0)
    person = ContributorFactory(organisation=world["councils"]["C5"]).user
    client.force_login(person)
    body = client.get(learn_url(world["metric"]), **HTMX).content.decode()
    # Same type as C5 (unitary): the district's 99 does not make it top.
    top = sections(body)[0]
    assert "Districtshire" not in top
    assert "Bestshire" in top
    everyone = client.get(learn_url(world["metric"], group="all"), **HTMX).content.decode()
    assert "Districtshire" in sections(everyone)[0]


@pytest.mark.parametrize(
    "params", [{"group": "nonsense:thing"}, {"council": "E99999999"}, {"council": "<b>x"}]
)
def test_bad_parameters_are_a_400(client, world, params: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    response = client.get(learn_url(world["metric"], **params), **HTMX)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert "<b>x" not in response.content.decode()


def test_too_few_councils_means_no_top_quartile(client, alice) -> None:  # type: ignore[no-untyped-def]
    metric = MetricFactory(identifier="tiny")
    for i in range(2):
        ValueFactory(metric=metric, organisation=OrganisationFactory(), value=10.0 + i)
    body = client.get(learn_url(metric, group="all"), **HTMX).content.decode()
    assert "too few councils" in body.lower()


def test_ask_needs_signing_in(client, world) -> None:  # type: ignore[no-untyped-def]
    url = reverse("benchmarks:ask", kwargs={"identifier": "household-recycling-rate"})
    response = client.get(url)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_ask_them_starts_a_thread_in_the_service_area_community(client, world, alice) -> None:  # type: ignore[no-untyped-def]
    rebuild()
    client.force_login(alice)  # owner of the Waste people community
    url = reverse("benchmarks:ask", kwargs={"identifier": "household-recycling-rate"})
    response = client.get(url, {"group": "all"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "How does Bestshire get its household recycling rate results?" in body
    assert "@writer" in body and "@quiet" in body
    assert "Waste people" in body
    form = response.context["form"]
    response = client.post(
        url + "?group=all",
        {"title": form.initial["title"], "body": form.initial["body"]},
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert thread.community == world["community"]
    assert thread.author == alice
    item = Item.objects.get(kind="forum_thread")
    assert "Bestshire" in item.text
    assert not OfferAsk.objects.exists()


def test_ask_them_is_an_ask_outside_the_community(client, world, carol) -> None:  # type: ignore[no-untyped-def]
    client.force_login(carol)  # not a member of the service area's community
    url = reverse("benchmarks:ask", kwargs={"identifier": "household-recycling-rate"}) + (
        "?group=all"
    )
    body = client.get(url).content.decode()
    assert "Waste people" not in body
    response = client.post(url, {"title": "How does Bestshire do it?", "body": "Tell me @writer"})
    ask = OfferAsk.objects.get()
    assert response.status_code == 302
    assert response["Location"] == ask.get_absolute_url()
    assert ask.kind == "ask" and ask.audience == Audience.MEMBERS and ask.author == carol
    assert Item.objects.filter(kind="offer_ask").exists()
    assert not Thread.objects.exists()


def test_ask_them_shows_form_errors(client, world, carol) -> None:  # type: ignore[no-untyped-def]
    client.force_login(carol)
    url = reverse("benchmarks:ask", kwargs={"identifier": "household-recycling-rate"})
    response = client.post(url, {"title": "", "body": ""})
    assert response.status_code == 200
    assert "Enter a title" in response.content.decode()
    assert not OfferAsk.objects.exists()
