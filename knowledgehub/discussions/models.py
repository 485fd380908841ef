"""Discussion around any piece of knowledge: comments (threaded one level), reactions and reports
to facilitators. Everything hangs off ``knowledge.Item``, so every content kind gets it once."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from knowledgehub.people.mentions import render_with_mentions

from .choices import ReactionKind, ReportOutcome, ReportStatus


class Comment(models.Model):
    """A comment on an item, or a reply to a top-level comment (one level only)."""

    item = models.ForeignKey("knowledge.Item", on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    body = models.TextField(max_length=10_000)
    body_html = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    is_hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["item", "created_at"])]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.item}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.body_html = render_with_mentions(self.body)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Reaction(models.Model):
    """One person's reaction of one kind to an item (toggled on and off)."""

    item = models.ForeignKey("knowledge.Item", on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=16, choices=ReactionKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "user", "kind"], name="reaction_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} finds {self.item} {self.kind}"


class Report(models.Model):
    """A report to the item's community facilitators (or site admins) about an item or a
    comment."""

    item = models.ForeignKey("knowledge.Item", on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    reason = models.TextField(max_length=2000)
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=16, choices=ReportOutcome.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return f"Report on {self.item}"
