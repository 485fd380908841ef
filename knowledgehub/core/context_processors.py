from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

DEMO_CACHE_KEY = "kh:demo-site"


def is_demo_site() -> bool:
    """True while demo data is loaded (cached: this runs on every page)."""
    value = cache.get(DEMO_CACHE_KEY)
    if value is None:
        from knowledgehub.communities.models import Community

        value = Community.objects.filter(is_demo=True).exists()
        cache.set(DEMO_CACHE_KEY, value, 300)
    return bool(value)


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        "OUTBOX_ENABLED": settings.EMAIL_BACKEND == "knowledgehub.core.mail.OutboxBackend",
        "OIDC_ENABLED": bool(settings.OIDC_SERVER_URL),
        "DEMO_SITE": is_demo_site(),
    }
