"""Tags, edit history and @mentions on events, and who may change them."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.events.models import Event
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.history import revisions_of
from knowledgehub.knowledge.models import Item
from knowledgehub.notifications.models import Notification
from knowledgehub.people.models import User
from knowledgehub.testing.factories import EventFactory, community_with

pytestmark = pytest.mark.django_db


def _data(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Fly-tipping clinic",
        "description": "Bring *examples*.",
        "time_zone": "Europe/London",
        "start": "2026-12-01T10:00",
        "end": "2026-12-01T12:00",
        "place": "Civic Centre",
        "online_url": "",
        "capacity": "",
        "tags": "",
        "audience": Audience.COMMUNITY,
    }
    data.update(overrides)
    return data


def _create(client: Any, community: Any, **overrides: str) -> Event:
    url = reverse("events:create", kwargs={"slug": community.slug})
    response = client.post(url, _data(**overrides))
    assert response.status_code == 302, response.content
    return Event.objects.latest("pk")


def _edit_url(event: Event) -> str:
    return reverse("events:edit", kwargs={"slug": event.community.slug, "pk": event.pk})


def test_tags_show_on_the_event_and_the_tag_page(
    client: Any, alice: User, bob: User, carol: User
) -> None:
    community = community_with(alice, members=(bob,))
    client.force_login(alice)
    event = _create(client, community, tags="Fly-tipping, Data", title="Clinic")
    assert sorted(t.name for t in event.tags.all()) == ["Data", "Fly-tipping"]
    assert sorted(Item.objects.get(kind="event").tags.values_list("slug", flat=True)) == [
        "data",
        "fly-tipping",
    ]
    page = client.get(event.get_absolute_url()).text
    assert reverse("tag", args=["fly-tipping"]) in page
    client.force_login(bob)
    assert "Clinic" in client.get(reverse("tag", args=["data"])).text
    client.force_login(carol)  # not a member: a community event is not listed for her
    assert "Clinic" not in client.get(reverse("tag", args=["data"])).text
    # Editing keeps the tags shown in the form, and can change them.
    client.force_login(alice)
    assert "Data, Fly-tipping" in client.get(_edit_url(event)).text
    client.post(_edit_url(event), _data(title="Clinic", tags="Data"))
    assert [t.name for t in event.tags.all()] == ["Data"]
    assert not Item.objects.filter(kind="event", tags__slug="fly-tipping").exists()


def test_edit_history_records_time_and_place(client: Any, alice: User) -> None:
    community = community_with(alice)
    client.force_login(alice)
    event = _create(client, community)
    client.post(_edit_url(event), _data(start="2026-12-02T14:30", end="2026-12-02T16:00"))
    client.post(_edit_url(event), _data(start="2026-12-02T14:30", end="2026-12-02T16:00"))
    revisions = list(revisions_of(event).order_by("number"))
    assert [r.number for r in revisions] == [1, 2]  # an unchanged save adds nothing
    assert revisions[0].body.startswith("When: 1 December 2026, 10am GMT to 1 December 2026")
    assert "Where: Civic Centre" in revisions[0].body
    assert "Bring *examples*." in revisions[0].body
    assert revisions[1].body.startswith("When: 2 December 2026, 2:30pm GMT")
    assert revisions[1].editor == alice
    item = event.knowledge_item
    history = reverse("item_history", args=[item.pk])
    assert history in client.get(event.get_absolute_url()).text
    assert client.get(history).status_code == 200
    diff = client.get(reverse("item_diff", args=[item.pk]), {"from": 1, "to": 2})
    assert diff.status_code == 200
    assert "2 December 2026, 2:30pm GMT" in diff.text


def test_mentions_notify_members_but_not_outsiders(
    client: Any, alice: User, bob: User, carol: User
) -> None:
    community = community_with(alice, visibility=Visibility.RESTRICTED, members=(bob,))
    client.force_login(alice)
    event = _create(client, community, description="Ask @bob or @carol about it.")
    mentions = Notification.objects.filter(key=f"event:{event.pk}")
    assert list(mentions.values_list("recipient__username", flat=True)) == ["bob"]
    assert mentions.get().actor == alice
    assert '<a class="govuk-link" href="/people/bob/">@bob</a>' in event.description_html
    client.post(_edit_url(event), _data(description="Ask @bob or @carol about it, please."))
    assert mentions.count() == 1  # one notification per event and person


def test_former_organiser_may_no_longer_change_the_event(
    client: Any, alice: User, bob: User
) -> None:
    community = community_with(alice, members=(bob,))
    event = EventFactory(community=community, organiser=bob, audience=Audience.PUBLIC)
    client.force_login(bob)
    assert client.get(_edit_url(event)).status_code == 200
    Membership.objects.filter(community=community, user=bob).delete()
    assert client.get(_edit_url(event)).status_code == 403
    delete = reverse("events:delete", kwargs={"slug": community.slug, "pk": event.pk})
    assert client.post(delete).status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


def test_outsider_cannot_reach_a_community_event(client: Any, alice: User, carol: User) -> None:
    community = community_with(alice)
    event = EventFactory(community=community, organiser=alice, audience=Audience.COMMUNITY)
    client.force_login(carol)
    assert client.get(_edit_url(event)).status_code == 404
    assert client.post(_edit_url(event), _data(title="Mine")).status_code == 404
    event.refresh_from_db()
    assert event.title != "Mine"


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        (", ".join(f"topic {i}" for i in range(21)), "Enter 20 topics or fewer"),
        ("y" * 61, "Each topic must be 60 characters or fewer"),
    ],
)
def test_bad_tags_give_clear_errors(client: Any, alice: User, tags: str, message: str) -> None:
    community = community_with(alice)
    client.force_login(alice)
    response = client.post(
        reverse("events:create", kwargs={"slug": community.slug}), _data(tags=tags)
    )
    assert response.status_code == 200
    assert message in response.text
    assert "#id_tags" in response.text
    assert not Event.objects.exists()


def test_blank_title_is_refused(client: Any, alice: User) -> None:
    community = community_with(alice)
    client.force_login(alice)
    response = client.post(
        reverse("events:create", kwargs={"slug": community.slug}), _data(title="   ")
    )
    assert response.status_code == 200
    assert "#id_title" in response.text
    assert not Event.objects.exists()


def test_list_detail_create_edit_delete_all_work(client: Any, alice: User) -> None:
    community = community_with(alice)
    client.force_login(alice)
    assert client.get(reverse("events:create", kwargs={"slug": community.slug})).status_code == 200
    event = _create(client, community, title="Whole life")
    assert "Whole life" in client.get(reverse("events:list", args=[community.slug])).text
    assert client.get(event.get_absolute_url()).status_code == 200
    assert client.get(_edit_url(event)).status_code == 200
    delete = reverse("events:delete", kwargs={"slug": community.slug, "pk": event.pk})
    assert client.get(delete).status_code == 200
    assert client.post(delete).status_code == 302
    assert not Event.objects.exists()
    assert not revisions_of(event).exists()
