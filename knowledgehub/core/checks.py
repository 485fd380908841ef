"""Project system checks, run by ``manage.py check`` (and ``--deploy`` in production)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def outbox_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production, e-mail must really be sent: the local outbox is for laptops and demos."""
    if settings.HTTPS and settings.EMAIL_BACKEND == "knowledgehub.core.mail.OutboxBackend":
        return [
            Warning(
                "E-mail goes to the local outbox, so nobody receives sign-up or reset messages.",
                hint="Set EMAIL_HOST (and EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) in production.",
                id="knowledgehub.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def loopback_fetches_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Fetching loopback addresses is for the test suite's local servers, never for a site."""
    if settings.HTTPS and getattr(settings, "KH_FETCH_ALLOW_LOOPBACK", False):
        return [
            Error(
                "KH_FETCH_ALLOW_LOOPBACK is on: feed fetches could reach services on this machine.",
                hint="Unset KH_FETCH_ALLOW_LOOPBACK; it exists for tests only.",
                id="knowledgehub.E002",
            )
        ]
    return []
