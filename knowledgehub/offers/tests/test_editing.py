"""Editing and deleting offers and asks: who may, what it changes, history and bad input."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from knowledgehub.communities.choices import Role
from knowledgehub.communities.models import Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.history import revisions_of
from knowledgehub.knowledge.models import ContentRevision, Item
from knowledgehub.offers.models import OfferAsk
from knowledgehub.offers.services import offer_ask_edit, response_add
from knowledgehub.testing.factories import MembershipFactory, community_with, offer_ask

pytestmark = pytest.mark.django_db


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "kind": "ask",
        "title": "Can anyone review our survey?",
        "body": "Second pair of eyes, please.",
        "audience": "public",
        "tags": "",
    }
    data.update(overrides)
    return data


def _item(obj: OfferAsk) -> Item:
    return Item.objects.get(kind="offer_ask", object_id=obj.pk)


def test_author_edits_and_the_index_and_history_follow(client, alice):  # type: ignore[no-untyped-def]
    obj = offer_ask(author=alice, body="Old words", tags=["surveys"])
    client.force_login(alice)
    edit = reverse("offers:edit", args=[obj.pk])
    page = client.get(edit)
    assert page.status_code == 200 and "Old words" in page.content.decode()
    response = client.post(
        edit, _form(kind="offer", title="I can review surveys", body="New **words**", tags="a, b")
    )
    assert response.status_code == 302
    obj.refresh_from_db()
    assert (obj.kind, obj.title) == ("offer", "I can review surveys")
    assert "<strong>words</strong>" in obj.body_html
    item = _item(obj)
    assert item.title == "Offer: I can review surveys"
    assert "New words" in item.text
    assert sorted(t.name for t in item.tags.all()) == ["a", "b"]
    assert [r.body for r in revisions_of(obj)] == ["New **words**", "Old words"]
    detail = client.get(obj.get_absolute_url()).content.decode()
    assert reverse("item_history", args=[item.pk]) in detail
    history = client.get(reverse("item_history", args=[item.pk]))
    assert history.status_code == 200


def test_saving_the_same_text_records_no_new_revision(alice):  # type: ignore[no-untyped-def]
    obj = offer_ask(author=alice)
    for _ in range(2):
        offer_ask_edit(
            offer_ask=obj,
            editor=alice,
            kind=obj.kind,
            title=obj.title,
            body=obj.body,
            audience=obj.audience,
        )
    assert revisions_of(obj).count() == 1


def test_empty_title_is_a_clear_error(client, alice):  # type: ignore[no-untyped-def]
    obj = offer_ask(author=alice, title="Keep me")
    client.force_login(alice)
    response = client.post(reverse("offers:edit", args=[obj.pk]), _form(title="  ", body=""))
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    obj.refresh_from_db()
    assert obj.title == "Keep me"
    with pytest.raises(ValidationError, match="Enter a title"):
        offer_ask_edit(
            offer_ask=obj, editor=alice, kind="ask", title=" ", body="x", audience="public"
        )


def test_non_author_cannot_edit_and_outsiders_cannot_delete(client, alice, bob):  # type: ignore[no-untyped-def]
    obj = offer_ask(author=alice, title="Alice's ask")
    client.force_login(bob)
    assert client.get(reverse("offers:edit", args=[obj.pk])).status_code == 403
    assert client.post(reverse("offers:edit", args=[obj.pk]), _form()).status_code == 403
    assert client.get(reverse("offers:delete", args=[obj.pk])).status_code == 403
    assert client.post(reverse("offers:delete", args=[obj.pk])).status_code == 403
    obj.refresh_from_db()
    assert obj.title == "Alice's ask"
    page = client.get(obj.get_absolute_url()).content.decode()
    assert reverse("offers:edit", args=[obj.pk]) not in page
    assert reverse("offers:delete", args=[obj.pk]) not in page
    with pytest.raises(ValidationError):
        offer_ask_edit(
            offer_ask=obj, editor=bob, kind="ask", title="Mine", body="x", audience="public"
        )


def test_anonymous_is_sent_to_sign_in(client, alice):  # type: ignore[no-untyped-def]
    obj = offer_ask(author=alice)
    assert client.get(reverse("offers:edit", args=[obj.pk])).status_code == 302
    assert client.post(reverse("offers:delete", args=[obj.pk])).status_code == 302
    assert OfferAsk.objects.filter(pk=obj.pk).exists()


def test_author_deletes_after_confirming(client, alice, bob):  # type: ignore[no-untyped-def]
    obj = offer_ask(author=alice)
    response_add(offer_ask=obj, author=bob, body="I can help")
    client.force_login(alice)
    page = client.get(reverse("offers:delete", args=[obj.pk]))
    assert page.status_code == 200
    assert "You cannot undo this" in page.content.decode()
    assert OfferAsk.objects.filter(pk=obj.pk).exists()
    response = client.post(reverse("offers:delete", args=[obj.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("offers:list")
    assert not OfferAsk.objects.filter(pk=obj.pk).exists()
    assert not Item.objects.filter(kind="offer_ask").exists()
    assert not ContentRevision.objects.exists()


def test_facilitator_and_site_admin_may_delete_community_items(client, alice, bob, carol, dave):  # type: ignore[no-untyped-def]
    community = community_with(alice, facilitators=(carol,), members=(bob,))
    first = offer_ask(author=bob, community=community, audience=Audience.COMMUNITY)
    second = offer_ask(author=bob, community=community, audience=Audience.PUBLIC)
    personal = offer_ask(author=bob)
    client.force_login(carol)
    assert client.get(reverse("offers:edit", args=[first.pk])).status_code == 403
    assert client.post(reverse("offers:delete", args=[first.pk])).status_code == 302
    assert not OfferAsk.objects.filter(pk=first.pk).exists()
    # A facilitator moderates their community only, not personal posts.
    assert client.post(reverse("offers:delete", args=[personal.pk])).status_code == 403
    client.force_login(dave)
    assert client.post(reverse("offers:delete", args=[second.pk])).status_code == 302
    assert client.post(reverse("offers:delete", args=[personal.pk])).status_code == 302
    assert not OfferAsk.objects.exists()


def test_outsider_and_former_member_get_404(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    MembershipFactory(community=community, user=carol, role=Role.FACILITATOR)
    obj = offer_ask(author=alice, community=community, audience=Audience.COMMUNITY)
    outsider = offer_ask(author=alice, community=community, audience=Audience.COMMUNITY)
    client.force_login(carol)
    assert client.get(reverse("offers:delete", args=[obj.pk])).status_code == 200
    Membership.objects.filter(community=community, user=carol).delete()
    for name in ("edit", "delete"):
        assert client.get(reverse(f"offers:{name}", args=[obj.pk])).status_code == 404
        assert client.post(reverse(f"offers:{name}", args=[outsider.pk])).status_code == 404
    assert OfferAsk.objects.count() == 2


def test_hidden_item_shows_the_notice_to_its_author(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    obj = offer_ask(author=bob, community=community)
    client.force_login(alice)
    hide = reverse("discussions:item_moderate", args=[_item(obj).pk, "hide"])
    assert client.post(hide).status_code == 302
    client.force_login(bob)
    page = client.get(obj.get_absolute_url())
    assert page.status_code == 200 and "Hidden by a facilitator" in page.content.decode()
    client.force_login(carol)
    assert client.get(obj.get_absolute_url()).status_code == 404
