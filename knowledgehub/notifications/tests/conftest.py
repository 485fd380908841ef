from __future__ import annotations

import pytest

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.knowledge.choices import Audience
from knowledgehub.testing.factories import CommunityFactory, MembershipFactory, PostFactory


@pytest.fixture(autouse=True)
def _locmem_email(settings):  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://hub.example.org"


@pytest.fixture
def private_post(alice, bob):  # type: ignore[no-untyped-def]
    """A community-only post in a private community that alice owns and bob belongs to."""
    community = CommunityFactory(visibility=Visibility.PRIVATE)
    MembershipFactory(community=community, user=alice, role=Role.OWNER)
    MembershipFactory(community=community, user=bob)
    return PostFactory(author=alice, community=community, audience=Audience.COMMUNITY)
