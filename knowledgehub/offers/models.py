from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.registry import Indexed, ItemData, register
from knowledgehub.lib.markdown import plain_text
from knowledgehub.people.mentions import render_with_mentions

from .choices import Kind, Status


@register("offer_ask", label=_("Offer or ask"), label_plural=_("Offers and asks"))
class OfferAsk(Indexed):
    """Someone offering help, or asking for it: personal, or in a community they belong to."""

    kind = models.CharField(_("offer or ask"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("details"), max_length=20_000)
    body_html = models.TextField(editable=False, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offer_asks"
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="offer_asks",
    )
    audience = models.CharField(
        _("who can see it"), max_length=16, choices=Audience.choices, default=Audience.PUBLIC
    )
    tags = models.ManyToManyField("knowledge.Tag", blank=True, related_name="offer_asks")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    met_at = models.DateTimeField(null=True, blank=True)
    thanked_helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offer_asks_thanked",
    )
    thanks = models.TextField(_("thanks"), max_length=2_000, blank=True)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(audience=Audience.COMMUNITY)
                | models.Q(community__isnull=False),
                name="offerask_community_audience_needs_community",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("offers:detail", kwargs={"pk": self.pk})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body_html = render_with_mentions(self.body)
        super().save(*args, **kwargs)

    @property
    def status_prefix(self) -> str:
        """How the index summary starts once this is no longer open ("Met: ", "Closed: ")."""
        if self.status == Status.OPEN:
            return ""
        return f"{self.get_status_display()}: "

    def as_item(self) -> ItemData:
        text = plain_text(self.body)
        return ItemData(
            title=f"{self.get_kind_display()}: {self.title}",
            url=self.get_absolute_url(),
            text=text,
            summary=f"{self.status_prefix}{text}"[:280],
            author_id=self.author_id,
            organisation_id=self.author.organisation_id,
            community_id=self.community_id,
            audience=self.audience,
            tags=[t.name for t in self.tags.all()] if self.pk else [],
            published_at=self.created_at,
            updated_at=self.updated_at,
            is_demo=self.is_demo,
        )


class Response(models.Model):
    offer_ask = models.ForeignKey(OfferAsk, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="offer_responses"
    )
    body = models.TextField(_("response"), max_length=5_000)
    body_html = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Response by {self.author_id} to {self.offer_ask_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body_html = render_with_mentions(self.body)
        super().save(*args, **kwargs)

    @property
    def anchor(self) -> str:
        return f"response-{self.pk}"
