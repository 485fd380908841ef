from __future__ import annotations

from typing import Any

import pytest

from knowledgehub.communities.models import Community
from knowledgehub.testing.factories import community_with


@pytest.fixture
def community(alice: Any, bob: Any) -> Community:
    """Alice owns it, bob is a member; audience "community" posts are for members only."""
    return community_with(alice, members=(bob,), slug="food-waste", name="Food waste")
