"""A whole-page cache for anonymous visitors, invalidated by a content version.

Anonymous visitors all see the same pages, so a rendered page can be served again until anything
it could show changes. Every save or delete of a model in our apps (and every M2M change) bumps a
single version number in the database after the transaction commits; the cache key includes the
version, so a community that turns secret or an item that turns private disappears from cached
pages at once, on every web process. Reading the version costs one indexed query per request.

Only plain GET requests without a session or flash-message cookie are cached, only 200
responses that set no cookie and are not marked private or no-store, and never htmx fragments.
Bulk writes (``QuerySet.update``, ``bulk_create``) bypass signals: code that uses them for
visible content calls ``bump_content_version()`` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse

# Models whose changes cannot alter what an anonymous visitor sees: bookkeeping, and what only
# signed-in people see (read markers, notifications, private feed tokens, reports).
IGNORED = {
    "core.workerheartbeat",
    "core.outboxmessage",
    "core.contentversion",
    "forums.threadread",
    "forums.mention",
    "discussions.report",
    "feeds.feedtoken",
}
IGNORED_APPS = {"notifications", "api", "webhooks", "federation"}
NO_CACHE_COOKIES = ("sessionid", "__Host-sessionid", "messages")


def content_version() -> int:
    """The current version (read on every cacheable request, so one plain query: building it
    with the ORM cost more than running it)."""
    from django.db import connection

    from .models import ContentVersion

    table = connection.ops.quote_name(ContentVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {table} WHERE id = 1")  # noqa: S608 (our table)
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _bump() -> None:
    from .models import ContentVersion

    if not ContentVersion.objects.filter(pk=1).update(value=F("value") + 1):
        ContentVersion.objects.get_or_create(pk=1, defaults={"value": 1})


def bump_content_version() -> None:
    """Invalidate every cached anonymous page, once, after the current transaction commits
    (however many rows the transaction changed)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        func is _bump for _sids, func, _robust in connection.run_on_commit
    ):
        return  # already due when this transaction commits (and dropped with it on rollback)
    transaction.on_commit(_bump)


def _ours(meta: Any) -> bool:
    app_config = getattr(meta, "app_config", None)
    name = getattr(app_config, "name", "")
    return name.startswith("knowledgehub.") and meta.app_label not in IGNORED_APPS


def _changed(sender: Any, **kwargs: Any) -> None:
    meta = getattr(sender, "_meta", None)
    if meta is None or meta.label_lower in IGNORED:
        return
    if meta.auto_created:  # an M2M through table: judge it by the model it belongs to
        owner = getattr(kwargs.get("instance"), "_meta", None)
        if owner is not None and (owner.label_lower in IGNORED or not _ours(owner)):
            return
        bump_content_version()
    elif _ours(meta):
        bump_content_version()


def connect_signals() -> None:
    post_save.connect(_changed, dispatch_uid="kh-pagecache-save")
    post_delete.connect(_changed, dispatch_uid="kh-pagecache-delete")
    m2m_changed.connect(_changed, dispatch_uid="kh-pagecache-m2m")
    # Sessions and allauth rows change on every sign-in; _changed ignores apps not ours.


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        settings.KH_PAGE_CACHE_SECONDS > 0
        and request.method == "GET"
        # The API answers JSON, never cached here (it has ETags); skip the version lookup.
        and not request.path.startswith("/api/")
        and not any(name in request.COOKIES for name in NO_CACHE_COOKIES)
        and "HTTP_HX_REQUEST" not in request.META
        and "HTTP_AUTHORIZATION" not in request.META
        and not _wants_rdf(request)  # the key is the URL alone: cache HTML answers only
    )


def _wants_rdf(request: HttpRequest) -> bool:
    from knowledgehub.linkeddata.negotiation import wants_rdf

    return bool(wants_rdf(request))


def _cacheable_response(response: HttpResponse) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.cookies
        and not response.streaming
        and "private" not in cache_control
        and "no-store" not in cache_control
        and "no-cache" not in cache_control
        and response.get("Content-Type", "").startswith("text/html")
    )


class AnonymousPageCacheMiddleware:
    """Serve anonymous page views from the cache; see the module docstring for the rules."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _cacheable_request(request):
            return self.get_response(request)
        key = f"kh:page:{content_version()}:{request.get_full_path()}"
        cached = cache.get(key)
        if cached is not None:
            response: HttpResponse = cached
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        # A page that rendered a CSRF token belongs to one visitor and must never be shared.
        if _cacheable_response(response) and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            cache.set(key, response, settings.KH_PAGE_CACHE_SECONDS)
        return response
