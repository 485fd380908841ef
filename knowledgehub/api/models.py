"""Personal access tokens. The token itself is shown once; only its SHA-256 is stored (a random
256-bit secret needs no slow hash: there is nothing to guess), with a short prefix to tell tokens
apart in lists."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "khp_"  # noqa: S105 (a prefix, not a secret)
SCOPES = ("read", "write", "admin")
# Each scope includes the ones before it: write can read, admin can write.
SCOPE_RANK = {name: rank for rank, name in enumerate(SCOPES)}


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class PersonalAccessTokenQuerySet(models.QuerySet["PersonalAccessToken"]):
    def active(self) -> PersonalAccessTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class PersonalAccessToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="The first characters, for recognition.")
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=16, choices=[(s, s) for s in SCOPES], default="read")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = PersonalAccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    @classmethod
    def issue(
        cls, *, user: models.Model, name: str, scope: str = "read", expires_at: object = None
    ) -> tuple[PersonalAccessToken, str]:
        """Create a token; returns the row and the raw token, which is never stored."""
        if scope not in SCOPE_RANK:
            raise ValueError(f"Unknown scope {scope!r}")
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=raw[: len(TOKEN_PREFIX) + 6],
            token_hash=hash_token(raw),
            scope=scope,
            expires_at=expires_at,
        )
        return token, raw

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
