"""RSVPs: one answer per person; when every place is taken "going" is refused (no waiting
list), and the count happens inside a transaction with the event row locked."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.urls import reverse

from knowledgehub.communities.tests.helpers import messages_of
from knowledgehub.events.choices import RsvpStatus
from knowledgehub.events.models import Event, Rsvp
from knowledgehub.events.services import EventFull, rsvp_set
from knowledgehub.people.models import User
from knowledgehub.testing.factories import EventFactory, UserFactory, community_with

pytestmark = pytest.mark.django_db


def _rsvp_url(event: Event) -> str:
    return reverse("events:rsvp", kwargs={"slug": event.community.slug, "pk": event.pk})


def test_going_then_not_going_keeps_one_answer(client: Any, alice: User) -> None:
    event = EventFactory()
    client.force_login(alice)
    response = client.post(_rsvp_url(event), {"status": "going"})
    assert response.status_code == 302
    assert messages_of(response) == ["You are going to this event."]
    client.post(_rsvp_url(event), {"status": "not_going"})
    assert list(Rsvp.objects.values_list("user_id", "status")) == [(alice.pk, RsvpStatus.NOT_GOING)]


def test_one_rsvp_per_person_is_a_database_rule(alice: User) -> None:
    event = EventFactory()
    Rsvp.objects.create(event=event, user=alice, status=RsvpStatus.GOING)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rsvp.objects.create(event=event, user=alice, status=RsvpStatus.NOT_GOING)


def test_full_event_refuses_going_with_a_clear_message(
    client: Any, alice: User, bob: User, carol: User
) -> None:
    event = EventFactory(capacity=2)
    rsvp_set(event=event, user=alice, status=RsvpStatus.GOING)
    rsvp_set(event=event, user=bob, status=RsvpStatus.GOING)
    client.force_login(carol)
    response = client.post(_rsvp_url(event), {"status": "going"})
    assert response.status_code == 302
    assert messages_of(response) == [
        "Sorry, this event is full. There are no places left, so you are not going."
    ]
    assert not Rsvp.objects.filter(user=carol).exists()
    page = client.get(event.get_absolute_url()).content.decode()
    assert "This event is full." in page
    assert "0 of 2 left" in page


def test_someone_already_going_can_confirm_again_when_full(alice: User) -> None:
    event = EventFactory(capacity=1)
    rsvp_set(event=event, user=alice, status=RsvpStatus.GOING)
    rsvp_set(event=event, user=alice, status=RsvpStatus.GOING)
    assert event.going_count() == 1


def test_a_place_freed_can_be_taken(alice: User, bob: User) -> None:
    event = EventFactory(capacity=1)
    rsvp_set(event=event, user=alice, status=RsvpStatus.GOING)
    with pytest.raises(EventFull):
        rsvp_set(event=event, user=bob, status=RsvpStatus.GOING)
    rsvp_set(event=event, user=alice, status=RsvpStatus.NOT_GOING)
    rsvp_set(event=event, user=bob, status=RsvpStatus.GOING)
    assert list(Rsvp.objects.filter(status=RsvpStatus.GOING).values_list("user_id", flat=True)) == [
        bob.pk
    ]


def test_not_going_is_always_allowed_when_full(alice: User, bob: User) -> None:
    event = EventFactory(capacity=1)
    rsvp_set(event=event, user=alice, status=RsvpStatus.GOING)
    rsvp_set(event=event, user=bob, status=RsvpStatus.NOT_GOING)
    assert event.going_count() == 1


def test_unlimited_event_takes_everyone() -> None:
    event = EventFactory(capacity=None)
    for user in UserFactory.create_batch(5):
        rsvp_set(event=event, user=user, status=RsvpStatus.GOING)
    assert event.going_count() == 5


@pytest.mark.parametrize("data", [{}, {"status": "maybe"}, {"status": "x" * 1000}])
def test_bad_status_is_a_message_not_a_500(client: Any, alice: User, data: dict[str, str]) -> None:
    event = EventFactory()
    client.force_login(alice)
    response = client.post(_rsvp_url(event), data)
    assert response.status_code == 302
    assert messages_of(response) == ["Choose whether you are going"]
    assert not Rsvp.objects.exists()


def test_rsvp_is_post_only_and_needs_sign_in(client: Any, alice: User) -> None:
    event = EventFactory()
    assert client.post(_rsvp_url(event), {"status": "going"}).status_code == 302
    assert not Rsvp.objects.exists()
    client.force_login(alice)
    assert client.get(_rsvp_url(event)).status_code == 405


def test_past_event_refuses_answers(client: Any, alice: User) -> None:
    from django.utils import timezone

    start = timezone.now() - timedelta(days=2)
    event = EventFactory(start=start, end=start + timedelta(hours=1))
    client.force_login(alice)
    response = client.post(_rsvp_url(event), {"status": "going"})
    assert messages_of(response) == ["This event has finished"]
    assert not Rsvp.objects.exists()


def test_community_event_rsvp_is_404_to_non_members(client: Any, alice: User, carol: User) -> None:
    community = community_with(alice, visibility="private")
    event = EventFactory(community=community, organiser=alice, audience="community")
    client.force_login(carol)
    assert client.post(_rsvp_url(event), {"status": "going"}).status_code == 404
    assert not Rsvp.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_rsvps_cannot_overbook() -> None:
    """Several people press "going" at once for the last place: exactly one gets it."""
    event = EventFactory(capacity=1)
    users = UserFactory.create_batch(6)
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []
    lock = threading.Lock()

    def answer(user: User) -> None:
        try:
            barrier.wait()
            result = ""
            # The test database on SQLite is an in-memory shared-cache one, whose table locks
            # fail at once ("database table is locked") where the real file database waits out
            # its busy timeout: wait and try again here as the file database would.
            for attempt in range(50):
                try:
                    rsvp_set(event=event, user=user, status=RsvpStatus.GOING)
                    result = "going"
                except EventFull:
                    result = "full"
                except Exception as exc:
                    result = f"error: {exc}"
                    if "locked" in str(exc) and attempt < 49:
                        time.sleep(0.02)
                        continue
                break
            with lock:
                outcomes.append(result)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=answer, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("going") == 1, outcomes
    assert Rsvp.objects.filter(event=event, status=RsvpStatus.GOING).count() == 1
