"""Rate limits: a fixed one-minute window per token (or per address for anonymous calls),
counted in the shared cache (Redis in production, so every web process counts together).
Over the limit is a 429 with ``Retry-After``; every answer carries ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds until the window ends)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from .errors import ApiError

WINDOW_SECONDS = 60


def check(request: HttpRequest, key: str, *, anonymous: bool) -> None:
    limit = int(settings.KH_API_ANON_RATE_LIMIT if anonymous else settings.KH_API_RATE_LIMIT)
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    reset = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
    cache_key = f"kh:rl:{key}:{window}"
    cache.add(cache_key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    remaining = max(0, limit - count)
    request.kh_ratelimit = (limit, remaining, reset)  # type: ignore[attr-defined]
    if count > limit:
        raise ApiError(
            429,
            "Too many requests",
            f"This token may make {limit} requests a minute. Try again in {reset} seconds.",
            headers={"Retry-After": str(reset)},
        )
