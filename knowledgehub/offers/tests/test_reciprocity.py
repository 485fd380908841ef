from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory

from knowledgehub.knowledge.choices import Audience
from knowledgehub.offers.services import offer_ask_mark_met, reciprocity_for, response_add
from knowledgehub.testing.factories import community_with, offer_ask

pytestmark = pytest.mark.django_db


def _met(asker, helper, **kwargs):  # type: ignore[no-untyped-def]
    obj = offer_ask(author=asker, **kwargs)
    response_add(offer_ask=obj, author=helper, body="I can help")
    return offer_ask_mark_met(offer_ask=obj, asker=asker, helper=helper, thanks="Thanks!")


def test_reciprocity_counts_respect_visibility(alice, bob, carol):
    community = community_with(alice, members=(bob,))
    public = _met(alice, bob, title="Public help")
    _met(alice, bob, title="Community help", community=community, audience=Audience.COMMUNITY)
    _met(bob, alice, title="Bob was helped")
    # Not met: does not count.
    open_one = offer_ask(author=alice)
    response_add(offer_ask=open_one, author=bob, body="hi")

    as_member = reciprocity_for(bob, bob)
    assert as_member.given_count == 2
    assert as_member.received_count == 1

    as_outsider = reciprocity_for(bob, carol)
    assert as_outsider.given == [public]
    assert as_outsider.received_count == 1

    anonymous = reciprocity_for(alice, AnonymousUser())
    assert anonymous.given_count == 1  # helped Bob, publicly
    assert anonymous.received_count == 1  # only the public one


def test_reciprocity_template_tag(alice, bob):
    _met(alice, bob, title="Review our survey")
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    html = Template("{% load offers %}{% reciprocity person %}").render(
        Context({"request": request, "person": bob})
    )
    assert "Review our survey" in html
    assert "Helped others" in html
