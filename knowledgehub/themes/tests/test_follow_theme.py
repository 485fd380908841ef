"""The follow button on a theme page, with and without htmx, and what it refuses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgehub.communities.choices import Visibility
from knowledgehub.follows.services import is_following
from knowledgehub.testing.factories import community_with
from knowledgehub.themes.models import Theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def theme() -> Theme:
    return Theme.objects.create(label="recycling, food waste", keywords=["recycling", "food waste"])


def test_theme_page_has_a_follow_button(client, alice, theme):
    html = client.get(theme.get_absolute_url()).content.decode()
    assert "Sign in to follow recycling, food waste" in html
    client.force_login(alice)
    html = client.get(theme.get_absolute_url()).content.decode()
    on = reverse("follows:follow", kwargs={"kind": "theme", "pk": theme.pk})
    off = reverse("follows:unfollow", kwargs={"kind": "theme", "pk": theme.pk})
    assert f'action="{on}"' in html
    response = client.post(on, {"next": theme.get_absolute_url()})
    assert response.status_code == 302
    assert response["Location"] == theme.get_absolute_url()
    assert is_following(alice, theme)
    assert "Unfollow" in client.get(theme.get_absolute_url()).content.decode()
    response = client.post(off, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "You are not following recycling, food waste" in response.content.decode()
    assert not is_following(alice, theme)


def test_follow_urls_refuse_unseen_and_missing_themes(client, alice, carol):
    community = community_with(alice, visibility=Visibility.SECRET)
    hidden = Theme.objects.create(label="secret things", community=community)
    client.force_login(carol)
    url = reverse("follows:follow", kwargs={"kind": "theme", "pk": hidden.pk})
    assert client.post(url).status_code == 404
    missing = reverse("follows:follow", kwargs={"kind": "theme", "pk": 999999})
    assert client.post(missing).status_code == 404
    assert not is_following(carol, hidden)
