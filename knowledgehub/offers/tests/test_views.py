from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgehub.offers.choices import Status
from knowledgehub.offers.models import OfferAsk
from knowledgehub.offers.services import response_add
from knowledgehub.testing.factories import community_with, offer_ask

pytestmark = pytest.mark.django_db


def test_create_page_posts_and_redirects(client, alice):
    client.force_login(alice)
    assert client.get(reverse("offers:create")).status_code == 200
    response = client.post(
        reverse("offers:create"),
        {
            "kind": "offer",
            "title": "I can proofread",
            "body": "Happy to **help**.",
            "audience": "public",
            "tags": "writing, proofreading",
        },
    )
    obj = OfferAsk.objects.get()
    assert response.status_code == 302
    assert response["Location"] == obj.get_absolute_url()
    assert obj.kind == "offer"
    assert "<strong>help</strong>" in obj.body_html


def test_create_bad_input_gives_clear_errors(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("offers:create"), {"kind": "nonsense", "title": "", "audience": "community"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "Choose a community" in body
    assert not OfferAsk.objects.exists()


def test_create_needs_login(client):
    response = client.get(reverse("offers:create"))
    assert response.status_code == 302


def test_respond_met_and_close_flow(client, alice, bob, carol):
    obj = offer_ask(author=alice)
    client.force_login(bob)
    response = client.post(reverse("offers:respond", args=[obj.pk]), {"body": "I can help"})
    assert response.status_code == 302
    # Only the asker may mark met or close.
    assert client.post(reverse("offers:met", args=[obj.pk]), {"helper": bob.pk}).status_code == 404
    assert client.post(reverse("offers:close", args=[obj.pk])).status_code == 404
    client.force_login(alice)
    page = client.get(obj.get_absolute_url()).content.decode()
    assert "I can help" in page
    assert "Mark as met" in page
    # Helper must be a responder: a clear error, not a 500.
    response = client.post(
        reverse("offers:met", args=[obj.pk]), {"helper": carol.pk, "thanks": "x"}
    )
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    response = client.post(
        reverse("offers:met", args=[obj.pk]), {"helper": bob.pk, "thanks": "Thanks Bob"}
    )
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.status == Status.MET and obj.thanked_helper == bob
    assert "Thanks Bob" in client.get(obj.get_absolute_url()).content.decode()


def test_respond_to_own_or_empty_is_a_clear_error(client, alice, bob):
    obj = offer_ask(author=alice)
    client.force_login(alice)
    response = client.post(reverse("offers:respond", args=[obj.pk]), {"body": "me"})
    assert response.status_code == 400
    assert "your own" in response.content.decode()
    client.force_login(bob)
    response = client.post(reverse("offers:respond", args=[obj.pk]), {"body": ""})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()


def test_respond_is_post_only(client, alice, bob):
    obj = offer_ask(author=alice)
    client.force_login(bob)
    assert client.get(reverse("offers:respond", args=[obj.pk])).status_code == 405


def test_list_filters_by_kind_and_status(client, alice, bob):
    ask = offer_ask(author=alice, kind="ask", title="Need a hand")
    offer = offer_ask(author=alice, kind="offer", title="Free advice")
    response_add(offer_ask=ask, author=bob, body="ok")
    body = client.get(reverse("offers:list"), {"kind": "offer"}).content.decode()
    assert "Free advice" in body and "Need a hand" not in body
    OfferAsk.objects.filter(pk=offer.pk).update(status=Status.CLOSED)
    body = client.get(reverse("offers:list"), {"status": "open"}).content.decode()
    assert "Need a hand" in body and "Free advice" not in body
    # Unknown filter values are ignored, not an error.
    assert client.get(reverse("offers:list"), {"kind": "x", "status": "y"}).status_code == 200


def test_community_asker_can_post_in_own_community(client, alice):
    community = community_with(alice)
    client.force_login(alice)
    response = client.post(
        reverse("offers:create"),
        {
            "kind": "ask",
            "title": "Help",
            "body": "Please",
            "community": community.pk,
            "audience": "community",
        },
    )
    assert response.status_code == 302
    assert OfferAsk.objects.get().community == community


def test_detail_shows_tags_and_thanks_to_anonymous(client, alice, bob):
    from knowledgehub.offers.services import offer_ask_mark_met

    obj = offer_ask(author=alice, tags=["surveys"])
    response_add(offer_ask=obj, author=bob, body="Sent you notes")
    offer_ask_mark_met(offer_ask=obj, asker=alice, helper=bob, thanks="Much appreciated")
    body = client.get(obj.get_absolute_url()).content.decode()
    assert "surveys" in body
    assert "Much appreciated" in body
    assert "Sent you notes" in body
    assert "Mark as met" not in body
