"""Creating, listing, changing and deleting events through the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledgehub.communities.choices import Visibility
from knowledgehub.events.models import Event
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
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
        "capacity": "20",
        "audience": Audience.PUBLIC,
    }
    data.update(overrides)
    return data


def test_member_creates_an_event(client: Any, alice: User, bob: User) -> None:
    community = community_with(alice, members=(bob,))
    client.force_login(bob)
    url = reverse("events:create", kwargs={"slug": community.slug})
    page = client.get(url).content.decode()
    assert 'type="datetime-local"' in page
    assert '<label class="govuk-label govuk-label--s" for="id_start">' in page
    response = client.post(url, _data())
    event = Event.objects.get()
    assert response.status_code == 302
    assert response["Location"] == event.get_absolute_url()
    assert event.organiser == bob
    assert event.capacity == 20
    assert Item.objects.filter(kind="event", title="Fly-tipping clinic").count() == 1


def test_audience_defaults_to_community_in_a_non_open_community(client: Any, alice: User) -> None:
    community = community_with(alice, visibility=Visibility.RESTRICTED)
    client.force_login(alice)
    page = client.get(reverse("events:create", kwargs={"slug": community.slug})).content.decode()
    assert 'value="community" checked' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("online_url", "javascript:alert(1)", "Enter a web address starting http:// or https://"),
        ("online_url", "ftp://example.org/x", "Enter a web address starting http:// or https://"),
        ("end", "2026-12-01T09:00", "The end must be after the start"),
        ("capacity", "0", "Ensure this value is greater than or equal to 1."),
        ("title", "", "This field is required."),
        ("time_zone", "Nowhere/Land", "Enter a time zone name such as Europe/London"),
    ],
)
def test_bad_input_gives_clear_errors(
    client: Any, alice: User, field: str, value: str, message: str
) -> None:
    community = community_with(alice)
    client.force_login(alice)
    response = client.post(
        reverse("events:create", kwargs={"slug": community.slug}), _data(**{field: value})
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert message in body
    assert not Event.objects.exists()


def test_online_http_link_is_accepted(client: Any, alice: User) -> None:
    community = community_with(alice)
    client.force_login(alice)
    client.post(
        reverse("events:create", kwargs={"slug": community.slug}),
        _data(online_url="http://meet.example.org/x", place=""),
    )
    assert Event.objects.get().online_url == "http://meet.example.org/x"


def test_list_shows_upcoming_then_past(client: Any, alice: User) -> None:
    community = community_with(alice)
    now = timezone.now()
    day = timedelta(days=1)
    hour = timedelta(hours=1)
    for title, start in [
        ("Later", now + 3 * day),
        ("Long ago", now - 30 * day),
        ("Soon", now + day),
        ("Recently", now - day),
    ]:
        EventFactory(community=community, title=title, start=start, end=start + hour)
    body = client.get(reverse("events:list", kwargs={"slug": community.slug})).content.decode()
    order = [body.index(t) for t in ("Upcoming events", "Soon", "Later", "Past events",
                                     "Recently", "Long ago")]  # fmt: skip
    assert order == sorted(order)


def test_list_is_paginated(client: Any, alice: User, settings: Any) -> None:
    settings.KH_PAGE_SIZE = 2
    community = community_with(alice)
    EventFactory.create_batch(5, community=community)
    url = reverse("events:list", kwargs={"slug": community.slug})
    body = client.get(url).content.decode()
    assert "govuk-pagination" in body
    assert client.get(url + "?page=3").status_code == 200
    assert client.get(url + "?page=nonsense").status_code == 200


def test_organiser_edits_and_deletes(client: Any, alice: User) -> None:
    community = community_with(alice)
    event = EventFactory(community=community, organiser=alice, title="Old")
    client.force_login(alice)
    edit = reverse("events:edit", kwargs={"slug": community.slug, "pk": event.pk})
    response = client.post(edit, _data(title="New", capacity=""))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "New"
    assert event.capacity is None
    assert Item.objects.get(kind="event").title == "New"
    delete = reverse("events:delete", kwargs={"slug": community.slug, "pk": event.pk})
    response = client.post(delete)
    assert response.status_code == 302
    assert not Event.objects.exists()
    assert not Item.objects.filter(kind="event").exists()
