from __future__ import annotations

from collections.abc import Iterator

import pytest

from knowledgehub.federation.models import FederationOptIn
from knowledgehub.testing.factories import community_with

from .helpers import Remote, new_key, serve


@pytest.fixture(scope="session")
def remote_key():  # type: ignore[no-untyped-def]
    return new_key()


@pytest.fixture
def remote(remote_key, settings) -> Iterator[Remote]:  # type: ignore[no-untyped-def]
    settings.KH_FETCH_ALLOW_LOOPBACK = True
    yield from serve(Remote(key=remote_key))


@pytest.fixture
def open_community(alice, bob):  # type: ignore[no-untyped-def]
    return community_with(alice, members=(bob,), name="Waste Crews", slug="waste-crews")


@pytest.fixture
def opted_in(alice):  # type: ignore[no-untyped-def]
    FederationOptIn.objects.create(user=alice, enabled=True)
    return alice
