"""Who sees which events: the one visibility rule, on every page and in the calendars."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.events.models import Event
from knowledgehub.knowledge.choices import Audience
from knowledgehub.people.models import User
from knowledgehub.testing.factories import EventFactory, community_with

pytestmark = pytest.mark.django_db


def _urls(event: Event) -> list[str]:
    slug, pk = event.community.slug, event.pk
    return [
        reverse("events:detail", kwargs={"slug": slug, "pk": pk}),
        reverse("events:ics", kwargs={"slug": slug, "pk": pk}),
    ]


def _calendar(client: Any, event: Event) -> str:
    url = reverse("events:calendar", kwargs={"slug": event.community.slug})
    response = client.get(url)
    assert response.status_code == 200
    return str(response.content.decode())


def _list(client: Any, event: Event) -> str:
    url = reverse("events:list", kwargs={"slug": event.community.slug})
    response = client.get(url)
    assert response.status_code == 200
    return str(response.content.decode())


def test_secret_community_is_404_to_outsiders_everywhere(
    client: Any, alice: User, carol: User
) -> None:
    community = community_with(alice, visibility=Visibility.SECRET)
    event = EventFactory(community=community, organiser=alice, audience=Audience.PUBLIC)
    slug = community.slug
    urls = [
        *_urls(event),
        reverse("events:list", kwargs={"slug": slug}),
        reverse("events:calendar", kwargs={"slug": slug}),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    client.force_login(carol)
    for url in [
        *urls,
        reverse("events:create", kwargs={"slug": slug}),
        reverse("events:edit", kwargs={"slug": slug, "pk": event.pk}),
        reverse("events:delete", kwargs={"slug": slug, "pk": event.pk}),
    ]:
        assert client.get(url).status_code == 404, url
    rsvp = reverse("events:rsvp", kwargs={"slug": slug, "pk": event.pk})
    assert client.post(rsvp, {"status": "going"}).status_code == 404
    client.force_login(alice)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_community_audience_hidden_from_non_members(
    client: Any, alice: User, bob: User, carol: User
) -> None:
    community = community_with(alice, visibility=Visibility.PRIVATE, members=(bob,))
    event = EventFactory(
        community=community, organiser=alice, audience=Audience.COMMUNITY, title="Members only"
    )
    public = EventFactory(
        community=community, organiser=alice, audience=Audience.PUBLIC, title="Open day"
    )
    for who in (None, carol):
        if who:
            client.force_login(who)
        for url in _urls(event):
            assert client.get(url).status_code == 404, url
        assert "Members only" not in _list(client, event)
        assert "Open day" in _list(client, event)
        calendar = _calendar(client, event)
        assert "SUMMARY:Members only" not in calendar
        assert "SUMMARY:Open day" in calendar
        assert client.get(_urls(public)[0]).status_code == 200
    client.force_login(bob)
    for url in _urls(event):
        assert client.get(url).status_code == 200, url
    assert "SUMMARY:Members only" in _calendar(client, event)


def test_former_member_loses_access_at_once(client: Any, alice: User, bob: User) -> None:
    community = community_with(alice, visibility=Visibility.RESTRICTED, members=(bob,))
    event = EventFactory(
        community=community, organiser=alice, audience=Audience.COMMUNITY, title="Members only"
    )
    client.force_login(bob)
    assert client.get(_urls(event)[0]).status_code == 200
    Membership.objects.filter(community=community, user=bob).delete()
    for url in _urls(event):
        assert client.get(url).status_code == 404, url
    assert "Members only" not in _list(client, event)
    assert "Members only" not in _calendar(client, event)


def test_anonymous_calendar_has_public_events_only(client: Any, alice: User) -> None:
    community = community_with(alice)
    EventFactory(community=community, organiser=alice, audience=Audience.PUBLIC, title="Pub")
    event = EventFactory(
        community=community, organiser=alice, audience=Audience.MEMBERS, title="Signed"
    )
    EventFactory(community=community, organiser=alice, audience=Audience.COMMUNITY, title="Comm")
    body = _calendar(client, event)
    assert "SUMMARY:Pub" in body
    assert "SUMMARY:Signed" not in body
    assert "SUMMARY:Comm" not in body
    assert body.count("BEGIN:VEVENT") == 1


def test_event_from_another_community_is_404(client: Any, alice: User) -> None:
    event = EventFactory(audience=Audience.PUBLIC)
    other = community_with(alice)
    url = reverse("events:detail", kwargs={"slug": other.slug, "pk": event.pk})
    assert client.get(url).status_code == 404


def test_only_members_can_create(client: Any, alice: User, carol: User) -> None:
    community = community_with(alice)
    url = reverse("events:create", kwargs={"slug": community.slug})
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(carol)
    assert client.get(url).status_code == 403
    assert client.post(url, {"title": "x"}).status_code == 403
    assert not Event.objects.exists()


def test_only_organiser_or_managers_can_change(
    client: Any, alice: User, bob: User, carol: User, dave: User
) -> None:
    community = community_with(alice, members=(bob, carol))
    event = EventFactory(community=community, organiser=bob, audience=Audience.PUBLIC)
    edit = reverse("events:edit", kwargs={"slug": community.slug, "pk": event.pk})
    delete = reverse("events:delete", kwargs={"slug": community.slug, "pk": event.pk})
    client.force_login(carol)  # a member, but not the organiser
    assert client.get(edit).status_code == 403
    assert client.post(delete).status_code == 403
    for who in (bob, alice, dave):  # organiser, owner, site admin
        client.force_login(who)
        assert client.get(edit).status_code == 200
        assert client.get(delete).status_code == 200
    assert Event.objects.filter(pk=event.pk).exists()
