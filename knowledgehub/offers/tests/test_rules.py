from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from knowledgehub.knowledge.choices import Audience
from knowledgehub.offers.choices import Status
from knowledgehub.offers.services import (
    offer_ask_close,
    offer_ask_mark_met,
    response_add,
)
from knowledgehub.testing.factories import CommunityFactory, offer_ask

pytestmark = pytest.mark.django_db


def test_community_audience_needs_a_community(alice):
    with pytest.raises(ValidationError):
        offer_ask(author=alice, audience=Audience.COMMUNITY)


def test_cannot_post_in_a_community_you_do_not_belong_to(alice):
    with pytest.raises(ValidationError):
        offer_ask(author=alice, community=CommunityFactory())


def test_cannot_respond_to_your_own(alice):
    obj = offer_ask(author=alice)
    with pytest.raises(ValidationError, match="your own"):
        response_add(offer_ask=obj, author=alice, body="Me!")


def test_mark_met_records_helper_and_thanks(alice, bob, carol):
    obj = offer_ask(author=alice)
    response_add(offer_ask=obj, author=bob, body="I can help")
    with pytest.raises(ValidationError, match="responded"):
        offer_ask_mark_met(offer_ask=obj, asker=alice, helper=carol)
    with pytest.raises(ValidationError, match="Only the person"):
        offer_ask_mark_met(offer_ask=obj, asker=bob, helper=bob)
    offer_ask_mark_met(offer_ask=obj, asker=alice, helper=bob, thanks="Brilliant, thanks")
    obj.refresh_from_db()
    assert obj.status == Status.MET
    assert obj.thanked_helper == bob
    assert obj.thanks == "Brilliant, thanks"
    assert obj.met_at is not None
    with pytest.raises(ValidationError, match="no longer open"):
        response_add(offer_ask=obj, author=carol, body="Late")


def test_closed_takes_no_responses(alice, bob):
    obj = offer_ask(author=alice)
    with pytest.raises(ValidationError):
        offer_ask_close(offer_ask=obj, user=bob)
    offer_ask_close(offer_ask=obj, user=alice)
    with pytest.raises(ValidationError, match="no longer open"):
        response_add(offer_ask=obj, author=bob, body="Hi")
