from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.registry import Indexed, ItemData, register
from knowledgehub.lib.markdown import html_text

from .choices import ITEM_TEXT_LIMIT, THREAD_AUDIENCES


class Category(models.Model):
    """A section of a community's forum."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="forum_categories"
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=["community", "slug"], name="forum_category_slug_per_community"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "forums:category", kwargs={"slug": self.community.slug, "category_slug": self.slug}
        )


@register("forum_thread", label=_("Forum thread"), label_plural=_("Forum threads"))
class Thread(Indexed):
    """A conversation: its opening post is its first reply."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="threads")
    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="forum_threads"
    )
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_threads"
    )
    audience = models.CharField(
        _("who can read it"), max_length=16, choices=THREAD_AUDIENCES, default=Audience.PUBLIC
    )
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(_("locked"), default=False)
    answer = models.ForeignKey(
        "Reply", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    reply_count = models.PositiveIntegerField(default=0)
    tags = models.ManyToManyField("knowledge.Tag", blank=True, related_name="forum_threads")
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-is_pinned", "-last_activity_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forums:thread", kwargs={"slug": self.community.slug, "thread_id": self.pk})

    def as_item(self) -> ItemData:
        parts: list[str] = []
        size = 0
        if self.pk:
            # The stored HTML, not the Markdown: stripping tags is ~20 times cheaper than parsing
            # every reply's Markdown again each time one more reply re-indexes the thread.
            replies = self.replies.order_by("created_at", "pk").values_list("body_html", flat=True)
            for body_html in replies:
                text = html_text(body_html)
                parts.append(text)
                size += len(text)
                if size >= ITEM_TEXT_LIMIT:
                    break
        text = "\n\n".join(parts)[:ITEM_TEXT_LIMIT]
        return ItemData(
            title=self.title,
            url=self.get_absolute_url(),
            text=text,
            summary=(parts[0] if parts else "")[:280],
            author_id=self.author_id,
            organisation_id=self.author.organisation_id,
            community_id=self.community_id,
            audience=self.audience,
            tags=self.indexed_tags(),
            published_at=self.created_at,
            updated_at=self.last_activity_at,
            is_demo=self.is_demo,
        )


class Reply(models.Model):
    """A post in a thread (the first one is the opening post)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_replies"
    )
    body = models.TextField(_("reply"), max_length=50_000)
    body_html = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: When the author (or a facilitator) last changed the text; None if never edited.
    edited_at = models.DateTimeField(null=True, blank=True)
    quoted = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="quoted_by"
    )
    #: The reply this one quoted has since been deleted (so the page can say so).
    quoted_deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "replies"

    def __str__(self) -> str:
        return f"Reply {self.pk} to {self.thread_id}"

    @property
    def anchor(self) -> str:
        return f"reply-{self.pk}"


class ThreadRead(models.Model):
    """When a member last read a thread (drives the "New" and "first unread" markers)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_reads"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="reads")
    last_read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="forum_read_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id}"


class Mention(models.Model):
    """A person @mentioned in a reply who can see the thread."""

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_mentions"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reply", "user"], name="forum_mention_once")]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.reply_id}"
