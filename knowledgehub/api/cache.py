"""A short-lived cache for the busiest API reads (item lists, search, related items).

The key is the content version (``core.pagecache``: bumped after every change to anything that
can alter what anyone may see, including memberships, hiding and people), the caller (anonymous,
or the user's id: each person's visibility is their own) and the full path with its query.
So a cached answer is never one another caller could not get, and any change anyone makes ends
every cached answer at once, as for the anonymous page cache. Off when ``KH_PAGE_CACHE_SECONDS``
is 0 (as in tests, except those that turn it on)."""

from __future__ import annotations

import functools
import hashlib
import inspect
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from knowledgehub.core.pagecache import content_version


def _key(request: HttpRequest) -> str:
    user = request.user
    who = f"user:{user.pk}" if user.is_authenticated else "anonymous"
    raw = f"{content_version()}|{who}|{request.get_full_path()}"
    return "kh:api:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()


def cached_read(view: Callable[..., Any]) -> Callable[..., Any]:
    """Cache what ``view`` returns (before ninja serialises it) under the key above."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        seconds = int(settings.KH_PAGE_CACHE_SECONDS)
        if seconds <= 0:
            return view(request, *args, **kwargs)
        key = _key(request)
        hit = cache.get(key)
        if hit is not None:
            if isinstance(hit, dict) and hit.get("next"):
                request.kh_link_next = hit["next"]  # type: ignore[attr-defined]
            return hit
        result = view(request, *args, **kwargs)
        cache.set(key, result, seconds)
        return result

    # ninja reads the parameters' types from the signature; resolve them in the view's module
    # (postponed annotations would otherwise be looked up in this one).
    wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    return wrapper
