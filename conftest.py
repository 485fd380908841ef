"""Project-wide pytest fixtures: named users (alice owns things, bob is a member, carol is an
outsider, dave is a site admin), and settings that keep tests hermetic."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

# Tests do not run collectstatic: use the plain storage for static files, served from the finders.
Path(django_settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
django_settings.WHITENOISE_USE_FINDERS = True
django_settings.STORAGES = {
    **django_settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture(autouse=True)
def _hermetic(settings, tmp_path, request):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    # The anonymous page cache is exercised by core/tests/test_page_cache.py; elsewhere each
    # request renders afresh so tests see exactly what the view does.
    settings.KH_PAGE_CACHE_SECONDS = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The embedding model is slow to load and run: off unless a test asks for `embeddings`.
    settings.KH_EMBEDDINGS = False
    settings.KH_SPARQL_STORE_PATH = str(tmp_path / "sparql")
    from django.core.cache import cache

    cache.clear()
    from huey.contrib.djhuey import HUEY

    # Tasks run inline in tests unless a test opts out (tests marked "queue" use the real queue).
    immediate = "queue" not in request.keywords
    previous = HUEY.immediate
    HUEY.immediate = immediate
    if not immediate:
        # A real worker closes stale database connections around each task (djhuey's db_task);
        # executed inside the test's transaction that would close the test's own connection on
        # PostgreSQL, so queue tests run tasks without it.
        import huey.contrib.djhuey as djhuey

        closer = djhuey.close_old_connections
        djhuey.close_old_connections = lambda: None  # type: ignore[assignment]
    yield
    HUEY.immediate = previous
    if not immediate:
        djhuey.close_old_connections = closer


@pytest.fixture
def embeddings(settings):  # type: ignore[no-untyped-def]
    """Turn on the offline embedding model (skipping when it is not installed). The model stays
    loaded for the rest of the test process: loading it costs about a second."""
    from knowledgehub.serendipity import embedding

    settings.KH_EMBEDDINGS = True
    if not embedding.available():
        pytest.skip("the offline embedding model is not installed")
    return embedding


@pytest.fixture
def alice(db):  # type: ignore[no-untyped-def]
    from knowledgehub.testing.factories import UserFactory

    return UserFactory(username="alice", name="Alice Adams")


@pytest.fixture
def bob(db):  # type: ignore[no-untyped-def]
    from knowledgehub.testing.factories import UserFactory

    return UserFactory(username="bob", name="Bob Brown")


@pytest.fixture
def carol(db):  # type: ignore[no-untyped-def]
    from knowledgehub.testing.factories import UserFactory

    return UserFactory(username="carol", name="Carol Clark")


@pytest.fixture
def dave(db):  # type: ignore[no-untyped-def]
    from knowledgehub.testing.factories import UserFactory

    return UserFactory(username="dave", name="Dave Davies", is_superuser=True, is_staff=True)
