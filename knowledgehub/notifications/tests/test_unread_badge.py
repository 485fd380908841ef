"""The header's unread count updates by htmx polling a small fragment."""

from __future__ import annotations

import pytest

from knowledgehub.communities import services as community_services
from knowledgehub.discussions.services import comment_add

pytestmark = pytest.mark.django_db


def test_the_header_polls_the_fragment_every_30_seconds(client, bob):
    client.force_login(bob)
    page = client.get("/notifications/").content.decode()
    assert 'hx-get="/notifications/unread/" hx-trigger="every 30s"' in page


def test_the_fragment_counts_unread_and_forgets_what_was_revoked(client, alice, bob, private_post):
    client.force_login(bob)
    assert client.get("/notifications/unread/").content.decode().strip() == ""
    comment_add(item=private_post.knowledge_item, author=alice, body=f"@{bob.username} one")
    comment_add(item=private_post.knowledge_item, author=alice, body=f"@{bob.username} two")
    response = client.get("/notifications/unread/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    assert '<span class="kh-count">2<span class="govuk-visually-hidden"> unread' in (
        response.content.decode()
    )
    community_services.community_leave(user=bob, community=private_post.community)
    assert client.get("/notifications/unread/").content.decode().strip() == ""


def test_signed_out_polling_is_told_to_stop(client):
    response = client.get("/notifications/unread/")
    assert response.status_code == 286 and response.content == b""
