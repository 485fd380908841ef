from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import community_with, offer_ask

pytestmark = pytest.mark.django_db


def test_secret_community_content_is_404_to_outsiders(client, alice, bob, carol):
    community = community_with(alice, visibility=Visibility.SECRET, members=(bob,))
    obj = offer_ask(author=alice, community=community, audience=Audience.PUBLIC, title="Hidden")
    client.force_login(carol)
    assert client.get(obj.get_absolute_url()).status_code == 404
    assert client.post(reverse("offers:respond", args=[obj.pk]), {"body": "x"}).status_code == 404
    assert "Hidden" not in client.get(reverse("offers:list")).content.decode()
    client.force_login(bob)
    assert client.get(obj.get_absolute_url()).status_code == 200


def test_community_audience_hidden_from_non_and_former_members(client, alice, bob, carol):
    community = community_with(alice, members=(bob,))
    obj = offer_ask(
        author=alice, community=community, audience=Audience.COMMUNITY, title="Members only ask"
    )
    client.force_login(carol)
    assert client.get(obj.get_absolute_url()).status_code == 404
    assert "Members only ask" not in client.get(reverse("offers:list")).content.decode()
    client.force_login(bob)
    assert client.get(obj.get_absolute_url()).status_code == 200
    assert "Members only ask" in client.get(reverse("offers:list")).content.decode()
    Membership.objects.filter(community=community, user=bob).delete()
    assert client.get(obj.get_absolute_url()).status_code == 404
    assert "Members only ask" not in client.get(reverse("offers:list")).content.decode()


def test_anonymous_sees_public_only(client, alice):
    public = offer_ask(author=alice, title="Public ask")
    members = offer_ask(author=alice, title="Signed-in ask", audience=Audience.MEMBERS)
    private = offer_ask(author=alice, title="Private ask", audience=Audience.PRIVATE)
    assert client.get(public.get_absolute_url()).status_code == 200
    assert client.get(members.get_absolute_url()).status_code == 404
    assert client.get(private.get_absolute_url()).status_code == 404
    body = client.get(reverse("offers:list")).content.decode()
    assert "Public ask" in body
    assert "Signed-in ask" not in body and "Private ask" not in body
    # Anonymous users cannot respond.
    response = client.post(reverse("offers:respond", args=[public.pk]), {"body": "x"})
    assert response.status_code == 302
