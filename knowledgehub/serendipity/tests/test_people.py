"""People like you, who has done this, who can help: built only from open content, never showing
someone who opted out or whom the viewer may not see, explained, and kept current by the sweep."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from knowledgehub.communities.choices import Visibility
from knowledgehub.forums.models import ThreadRead
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Tag
from knowledgehub.organisations.choices import OrganisationType
from knowledgehub.people.models import User
from knowledgehub.serendipity import people as people_service
from knowledgehub.serendipity import services
from knowledgehub.serendipity.models import ItemPerson, PersonVector, SimilarPerson
from knowledgehub.testing.factories import (
    ItemFactory,
    OrganisationFactory,
    UserFactory,
    community_with,
    forum_thread,
    offer_ask,
)

pytestmark = pytest.mark.django_db

TOPICS = {
    "Recycling food waste": "Recycling food waste caddies, kerbside recycling collections.",
    "Beekeeping on council land": "Beekeeping apiaries, honey bees and pollinator meadows.",
    "Parking permits": "Residents parking permits and controlled parking zones.",
    "Library opening hours": "Library opening hours, books and reading groups.",
    "Adult social care": "Home care packages and social care assessments.",
    "Survey analysis": "Survey questionnaire design, data analysis and statistics.",
}


def _corpus() -> None:
    """Open items that give the model its vocabulary, by someone nobody is compared with."""
    writer = UserFactory(username="writer", job_title="", suggest_me=False)
    for title, text in TOPICS.items():
        ItemFactory(title=title, text=text, author=writer)


def _person(username: str, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("job_title", "")
    return UserFactory(username=username, **kwargs)


def _others(viewer, person) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.person.username for s in people_service.people_like_you(viewer, person, limit=20)]


def _doers(viewer, item) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.person.username for s in people_service.who_has_done_this(viewer, item, limit=20)]


def _rebuild() -> dict[str, int]:
    services.rebuild()
    return people_service.rebuild_people()


@pytest.fixture
def recyclers(alice, bob, carol):  # type: ignore[no-untyped-def]
    """alice and bob both work on recycling; carol (a member) works on parking."""
    _corpus()
    for user, interests in ((alice, ["recycling"]), (bob, ["recycling", "food waste"])):
        user.job_title = ""
        user.save()
        user.interests.set(Tag.objects.get_or_create_many(interests))
    carol.job_title = "Parking manager"
    carol.save()
    item = ItemFactory(
        title="Food waste recycling trial",
        text=TOPICS["Recycling food waste"],
        author=User.objects.get(username="writer"),
    )
    _rebuild()
    return item


# --- vectors use only open content --------------------------------------------------------------


def test_people_whose_only_overlap_is_restricted_content_are_not_similar(alice):  # type: ignore[no-untyped-def]
    _corpus()
    bee = TOPICS["Beekeeping on council land"]
    p1, p2, p3 = _person("p1"), _person("p2"), _person("p3")
    community = community_with(alice, members=(p1, p2))
    secret = community_with(alice, visibility=Visibility.SECRET, members=(p1, p2))
    ItemFactory(
        title="Our hives", text=bee, author=p1, community=community, audience=Audience.COMMUNITY
    )
    ItemFactory(title="Hives in secret", text=bee, author=p1, community=secret)
    ItemFactory(title="Hidden hives", text=bee, author=p2, is_hidden=True)
    ItemFactory(title="My hives", text=bee, author=p2, audience=Audience.PRIVATE)
    ItemFactory(title="Secret bees", text=bee, author=p2, community=secret)
    # The control: the same words in an open (members) item do make p3 like p1's peers.
    p4 = _person("p4")
    ItemFactory(title="Bees for members", text=bee, author=p3, audience=Audience.MEMBERS)
    ItemFactory(title="Bees for all", text=bee, author=p4)
    _rebuild()

    assert not SimilarPerson.objects.filter(person__in=[p1, p2], other__in=[p1, p2]).exists()
    for person in (p1, p2):
        vector = PersonVector.objects.get(person=person)
        assert not any("bee" in t or "hive" in t or "honey" in t for t in vector.terms)
    assert _others(alice, p3) == ["p4"]
    assert "bees" in people_service.people_like_you(alice, p3)[0].reason


def test_threads_read_count_when_open_and_not_when_restricted(alice):  # type: ignore[no-untyped-def]
    _corpus()
    reader, restricted_reader, author = _person("reader"), _person("rr"), _person("author")
    community = community_with(alice, members=(restricted_reader,))
    open_thread = forum_thread(
        author=author,
        community=community,
        title="Beekeeping on the roof",
        body=TOPICS["Beekeeping on council land"],
    )
    closed = forum_thread(
        author=alice,
        community=community,
        title="Beekeeping for members of this community",
        body=TOPICS["Beekeeping on council land"],
        audience=Audience.COMMUNITY,
    )
    ThreadRead.objects.create(user=reader, thread=open_thread, last_read_at=timezone.now())
    ThreadRead.objects.create(user=restricted_reader, thread=closed, last_read_at=timezone.now())
    _rebuild()
    assert _others(alice, author) == ["reader"]
    assert PersonVector.objects.get(person=restricted_reader).terms == []


# --- opting out, visibility, never yourself -------------------------------------------------------


def test_opting_out_hides_everywhere_and_opting_in_restores_after_refresh(
    recyclers, alice, bob, carol
):  # type: ignore[no-untyped-def]
    ask = offer_ask(
        author=carol,
        title="Help with food waste recycling",
        body=TOPICS["Recycling food waste"],
        tags=["recycling"],
    ).knowledge_item
    _rebuild()
    assert "bob" in _others(carol, alice)
    assert "bob" in _doers(carol, recyclers)
    assert "bob" in _doers(carol, ask)

    bob.suggest_me = False
    bob.save()
    assert people_service.refresh_people() == 1
    assert "bob" not in _others(carol, alice)
    assert _others(carol, bob) == []  # nothing about someone who opted out...
    assert "alice" in _others(bob, bob)  # ...except to themselves
    assert "bob" not in _doers(carol, recyclers)
    assert "bob" not in _doers(carol, ask)

    bob.suggest_me = True
    bob.save()
    assert people_service.refresh_people() == 1
    assert "bob" in _others(carol, alice)
    assert "bob" in _doers(carol, recyclers)
    assert "bob" in _doers(carol, ask)


def test_people_the_viewer_may_not_see_are_never_listed(recyclers, alice, bob, carol):  # type: ignore[no-untyped-def]
    assert _others(carol, alice) == ["bob"]
    # Not signed in: no suggestions at all (vectors read members-audience items).
    assert _others(AnonymousUser(), alice) == []
    assert _doers(AnonymousUser(), recyclers) == []
    bob.is_active = False
    bob.save()
    assert _others(carol, alice) == []
    assert "bob" not in _doers(carol, recyclers)


def test_the_viewer_never_sees_themselves(recyclers, alice, bob):  # type: ignore[no-untyped-def]
    assert _others(alice, alice) == ["bob"]
    assert _others(bob, alice) == []
    assert "bob" not in _doers(bob, recyclers)


def test_who_has_done_this_needs_the_item_to_be_visible(recyclers, alice, bob, carol):  # type: ignore[no-untyped-def]
    private = ItemFactory(
        title="Recycling notes",
        text=TOPICS["Recycling food waste"],
        author=carol,
        audience=Audience.PRIVATE,
    )
    services.item_related_update(private.pk)
    people_service.relate_people_for_item(private.pk)
    assert "bob" in _doers(carol, private)
    assert _doers(alice, private) == []


# --- comparable councils and reasons ----------------------------------------------------------


def test_comparable_councils_rank_higher_and_say_so(alice):  # type: ignore[no-untyped-def]
    _corpus()
    mine = OrganisationFactory(type=OrganisationType.LONDON_BOROUGH, region="London")
    similar = OrganisationFactory(type=OrganisationType.LONDON_BOROUGH, region="London")
    other = OrganisationFactory(type=OrganisationType.DISTRICT, region="South West")
    me = _person("me", organisation=mine, interests=["recycling"])
    near = _person("near", organisation=similar, interests=["recycling"])
    far = _person("far", organisation=other, interests=["recycling"])
    _rebuild()
    rows = people_service.people_like_you(alice, me)
    assert [s.person.username for s in rows] == ["near", "far"]
    scores = dict(SimilarPerson.objects.filter(person=me).values_list("other__username", "score"))
    assert scores["near"] == pytest.approx(scores["far"] + 0.08, abs=1e-4)
    assert (
        rows[0].reason == "both interested in recycling; also at a London borough; also in London"
    )
    assert rows[1].reason == "both interested in recycling"
    assert far.pk != near.pk


def test_reasons_are_worded_and_unknown_ones_ignored() -> None:
    assert people_service.reason_text([]) == "similar work"
    assert people_service.reason_text([{"kind": "nonsense"}, "junk"]) == "similar work"  # type: ignore[list-item]
    assert (
        people_service.reason_text([{"kind": "skilled", "values": ["data analysis"]}])
        == "skilled in data analysis"
    )


# --- who can help on an ask ---------------------------------------------------------------------


def test_who_can_help_puts_related_offers_then_skills_first(client, alice):  # type: ignore[no-untyped-def]
    _corpus()
    asker = _person("asker")
    skilled = _person("skilled", skills=["data analysis"], experience="Survey design.")
    keen = _person("keen", interests=["survey"], bio="I like survey analysis and statistics.")
    offerer = _person("offerer")
    offer_ask(
        author=offerer,
        kind="offer",
        title="Survey analysis help on offer",
        body=TOPICS["Survey analysis"],
    )
    ask = offer_ask(
        author=asker,
        title="Can anyone help with survey analysis?",
        body=TOPICS["Survey analysis"],
        tags=["data analysis"],
    )
    _rebuild()
    names = _doers(alice, ask.knowledge_item)
    assert names[0] == "offerer"
    assert names.index("skilled") < names.index("keen")
    assert "asker" not in names
    client.force_login(alice)
    html = client.get(ask.get_absolute_url()).content.decode()
    assert "Who can help?" in html
    assert html.count("who-has-done-this-heading") == 2  # one section: heading id + labelledby
    assert "Offered help: Survey analysis help on offer" in html
    assert skilled.get_absolute_url() in html and keen.get_absolute_url() in html


# --- the worker keeps it current --------------------------------------------------------------


def test_refresh_people_is_idempotent_and_picks_up_changes(recyclers, alice, bob, carol):  # type: ignore[no-untyped-def]
    assert people_service.refresh_people() == 0
    before = set(SimilarPerson.objects.values_list("person_id", "other_id", "score"))

    dan = _person("dan", interests=["recycling"])  # a new member
    assert people_service.refresh_people() == 1
    assert "dan" in _others(carol, alice)
    assert people_service.refresh_people() == 0

    ItemFactory(title="Bees", text=TOPICS["Beekeeping on council land"], author=carol)
    assert people_service.refresh_people() == 1  # carol wrote something new and open
    assert people_service.refresh_people() == 0
    after = set(SimilarPerson.objects.values_list("person_id", "other_id", "score"))
    assert {r for r in before if dan.pk not in r[:2]} <= after | before
    # A full rebuild gives the same lists as the incremental path.
    incremental = set(SimilarPerson.objects.values_list("person_id", "other_id"))
    people_service.rebuild_people()
    assert set(SimilarPerson.objects.values_list("person_id", "other_id")) == incremental


def test_login_does_not_mark_a_person_stale(recyclers, alice, client):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    alice.last_login = timezone.now()
    alice.save(update_fields=["last_login"])
    assert people_service.refresh_people() == 0


def test_relate_people_for_new_item(recyclers, alice, bob, carol):  # type: ignore[no-untyped-def]
    item = ItemFactory(
        title="Kerbside recycling", text=TOPICS["Recycling food waste"], author=alice
    )
    assert people_service.relate_people_for_item(item.pk) == "no vector yet"
    services.item_related_update(item.pk)
    people_service.relate_people_for_item(item.pk)
    assert set(ItemPerson.objects.filter(item=item).values_list("person__username", flat=True)) >= {
        "bob"
    }
    assert not ItemPerson.objects.filter(item=item, person=alice).exists()
    assert people_service.relate_people_for_item(item.pk) == people_service.relate_people_for_item(
        item.pk
    )


def test_nothing_happens_before_a_first_rebuild(alice) -> None:  # type: ignore[no-untyped-def]
    assert people_service.refresh_people() == 0
    assert people_service.rebuild_people() == {"people": 0, "similar": 0, "item_people": 0}
    assert people_service.relate_people_for_item(12345).startswith("no model")


# --- pages ----------------------------------------------------------------------------------------


def test_dashboard_and_profile_show_people_like_you(client, recyclers, alice, bob, carol):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    home = client.get("/")
    assert home.status_code == 200
    html = home.content.decode()
    assert "People like you" in html and bob.get_absolute_url() in html
    assert "both interested in recycling" in html.lower()

    client.force_login(carol)
    html = client.get(alice.get_absolute_url()).content.decode()
    assert "People like Alice Adams" in html and bob.get_absolute_url() in html
    html = client.get("/").content.decode()  # carol has nobody yet: a helpful line instead
    assert "Add your interests and skills to your profile" in html

    client.logout()
    page = client.get(alice.get_absolute_url())
    assert page.status_code == 200 and "People like" not in page.content.decode()


def test_item_tag_renders_once_and_handles_bad_input(rf, recyclers, carol):  # type: ignore[no-untyped-def]
    from django.template import Context, Template

    request = rf.get("/")
    request.user = carol
    template = Template(
        "{% load people_like_you %}{% who_has_done_this item %}{% who_has_done_this item %}"
        "{% who_has_done_this nothing %}{% people_like_you nothing %}"
    )
    html = template.render(Context({"request": request, "item": recyclers, "nothing": None}))
    assert html.count("Who has done this?") == 1


def test_profile_edit_saves_suggest_me(client, alice):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    form = client.get("/people/me/edit/").content.decode()
    assert 'name="suggest_me"' in form and "govuk-checkboxes__input" in form
    data = {"name": "Alice Adams", "profile_visibility": "public", "interests": "", "skills": ""}
    assert client.post("/people/me/edit/", data).status_code == 302
    assert User.objects.get(pk=alice.pk).suggest_me is False
    assert client.post("/people/me/edit/", {**data, "suggest_me": "on"}).status_code == 302
    assert User.objects.get(pk=alice.pk).suggest_me is True
