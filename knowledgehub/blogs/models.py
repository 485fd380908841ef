from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.registry import Indexed, ItemData, register
from knowledgehub.lib.markdown import plain_text, render_markdown


@register("blog_post", label=_("Blog post"), label_plural=_("Blog posts"))
class Post(Indexed):
    """A blog post, on a person's own blog (no community) or in a community's blog."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("post"), max_length=100_000)
    body_html = models.TextField(editable=False, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blog_posts"
    )
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="blog_posts",
    )
    audience = models.CharField(
        _("who can read it"), max_length=16, choices=Audience.choices, default=Audience.PUBLIC
    )
    tags = models.ManyToManyField("knowledge.Tag", blank=True, related_name="blog_posts")
    published_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("blogs:detail", kwargs={"pk": self.pk})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def as_item(self) -> ItemData:
        text = plain_text(self.body)
        return ItemData(
            title=self.title,
            url=self.get_absolute_url(),
            text=text,
            summary=text[:280],
            author_id=self.author_id,
            organisation_id=self.author.organisation_id,
            community_id=self.community_id,
            audience=self.audience,
            tags=[t.name for t in self.tags.all()] if self.pk else [],
            published_at=self.published_at,
            updated_at=self.updated_at,
            is_demo=self.is_demo,
        )
