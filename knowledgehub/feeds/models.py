from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def _token() -> str:
    return secrets.token_urlsafe(24)


class FeedToken(models.Model):
    """A person's secret key for private feed URLs. The feed is read with that person's
    visibility at request time, so leaving a community removes its items at once; resetting the
    token kills every old URL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_token"
    )
    token = models.CharField(max_length=64, unique=True, default=_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Feed key for {self.user}"

    def reset(self) -> None:
        self.token = _token()
        self.save(update_fields=["token"])
