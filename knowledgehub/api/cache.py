"""A short-lived cache for the busiest API reads (item lists, search, related items).

The key is the content version (``core.pagecache``: bumped after every change to anything that
can alter what anyone may see, including memberships, hiding and people), the caller (anonymous,
or the user's id: each person's visibility is their own) and the full path with its query.
So a cached answer is never one another caller could not get, and any change anyone makes ends
every cached answer at once, as for the anonymous page cache. Off when ``KH_PAGE_CACHE_SECONDS``
is 0 (as in tests, except those that turn it on).

What is cached is the finished JSON (serialised once by the endpoint's response model), so a
hit costs a key lookup and the bytes, not a second serialisation."""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from pydantic import TypeAdapter

from knowledgehub.core.pagecache import content_version


def _key(request: HttpRequest) -> str:
    user = request.user
    who = f"user:{user.pk}" if user.is_authenticated else "anonymous"
    raw = f"{content_version()}|{who}|{request.get_full_path()}"
    return "kh:api:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _response(body: bytes, next_url: str | None, request: HttpRequest) -> HttpResponse:
    if next_url:
        request.kh_link_next = next_url  # type: ignore[attr-defined]
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def cached_read(schema: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Cache the JSON of what the decorated view returns, validated as ``schema`` (the same
    type as the route's ``response=``)."""
    adapter: TypeAdapter[Any] = TypeAdapter(schema)

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            seconds = int(settings.KH_PAGE_CACHE_SECONDS)
            if seconds <= 0:
                return view(request, *args, **kwargs)
            key = _key(request)
            hit = cache.get(key)
            if hit is not None:
                body, next_url = hit
                return _response(body, next_url, request)
            result = view(request, *args, **kwargs)
            if isinstance(result, HttpResponse):
                return result
            body = adapter.dump_json(adapter.validate_python(result, from_attributes=True))
            next_url = result.get("next") if isinstance(result, dict) else None
            cache.set(key, (body, next_url), seconds)
            return _response(body, next_url, request)

        # ninja reads the parameters' types from the signature; resolve them in the view's
        # module (postponed annotations would otherwise be looked up in this one).
        wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return wrapper

    return decorate
