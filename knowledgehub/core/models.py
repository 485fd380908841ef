from __future__ import annotations

from django.db import models


class OutboxMessage(models.Model):
    """An e-mail kept in the local outbox instead of being sent (no mail server configured).

    Lets sign-up, verification and invitations work on a laptop: the person reads the message at
    /outbox/. Production sets EMAIL_HOST and never writes here.
    """

    to = models.TextField()
    from_email = models.CharField(max_length=255)
    subject = models.CharField(max_length=998)
    body = models.TextField()
    html = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class ContentVersion(models.Model):
    """A single row whose value goes up whenever content changes: the anonymous page cache
    includes it in its keys (see core.pagecache)."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)


class WorkerHeartbeat(models.Model):
    """One row per worker host, touched by a periodic task so /healthz can say when a worker
    last ran."""

    name = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
