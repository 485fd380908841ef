from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.registry import Indexed, ItemData, register
from knowledgehub.lib.markdown import html_text, plain_text

from .choices import Status
from .storage import blog_storage


def render_body(body: str) -> str:
    """The one renderer for a post's Markdown: the page, the preview and the stored HTML."""
    from knowledgehub.people.mentions import render_with_mentions

    return render_with_mentions(body)


@register("blog_post", label=_("Blog post"), label_plural=_("Blog posts"))
class Post(Indexed):
    """A blog post, on a person's own blog (no community) or in a community's blog.

    Only a published post whose time has come is in the knowledge index (so in lists, feeds and
    search); drafts and scheduled posts are seen by their author alone."""

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
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PUBLISHED
    )
    tags = models.ManyToManyField("knowledge.Tag", blank=True, related_name="blog_posts")
    # When it was (or, for a scheduled post, will be) published; for a draft, when it was started.
    published_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    cover = models.FileField(storage=blog_storage, max_length=255, blank=True)
    cover_alt = models.CharField(_("cover image description"), max_length=250, blank=True)
    cover_width = models.PositiveIntegerField(default=0, editable=False)
    cover_height = models.PositiveIntegerField(default=0, editable=False)
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-published_at"]
        indexes = [models.Index(fields=["status", "published_at"], name="blogs_post_due")]

    def __str__(self) -> str:
        return self.title

    # --- URLs: a community post lives under its community, a personal one under its author ---

    def _url(self, name: str, **extra: Any) -> str:
        if self.community is not None:
            kwargs: dict[str, Any] = {"slug": self.community.slug, "pk": self.pk}
            return reverse(f"blogs:community_{name}", kwargs={**kwargs, **extra})
        kwargs = {"username": self.author.username, "pk": self.pk}
        return reverse(f"blogs:person_{name}", kwargs={**kwargs, **extra})

    def get_absolute_url(self) -> str:
        return self._url("detail")

    def get_edit_url(self) -> str:
        return self._url("edit")

    def get_delete_url(self) -> str:
        return self._url("delete")

    def get_cover_url(self) -> str:
        return self._url("cover") if self.cover else ""

    def get_attachment_add_url(self) -> str:
        return self._url("attachment_add")

    def get_blog_url(self) -> str:
        if self.community is not None:
            return reverse("blogs:community_list", kwargs={"slug": self.community.slug})
        return reverse("blogs:person_list", kwargs={"username": self.author.username})

    # --- state ---

    @property
    def is_live(self) -> bool:
        """Published and its time has come: the only state in which anyone but the author sees
        it."""
        return self.status == Status.PUBLISHED and self.published_at <= timezone.now()

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def is_scheduled(self) -> bool:
        return self.status == Status.SCHEDULED

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.body_html = render_body(self.body)
        super().save(*args, **kwargs)

    def as_item(self) -> ItemData | None:
        if not self.is_live:
            return None  # drafts and scheduled posts are not findable
        # The stored HTML was rendered from the body in save(): no need to parse it twice.
        text = html_text(self.body_html) if self.body_html else plain_text(self.body)
        return ItemData(
            title=self.title,
            url=self.get_absolute_url(),
            text=text,
            summary=text[:280],
            author_id=self.author_id,
            organisation_id=self.author.organisation_id,
            community_id=self.community_id,
            audience=self.audience,
            tags=self.indexed_tags(),
            published_at=self.published_at,
            updated_at=self.updated_at,
            is_demo=self.is_demo,
        )


class Attachment(models.Model):
    """A file carried by a post, stored under a generated name in private storage."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(storage=blog_storage, max_length=255)
    display_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def type_label(self) -> str:
        from knowledgehub.lib.uploads import BY_CONTENT_TYPE

        detected = BY_CONTENT_TYPE.get(self.content_type)
        return detected.label if detected else self.content_type

    def get_download_url(self) -> str:
        return self.post._url("attachment_download", attachment_id=self.pk)

    def get_remove_url(self) -> str:
        return self.post._url("attachment_remove", attachment_id=self.pk)


def _delete_on_commit(field_file: Any) -> None:
    if field_file and field_file.name:
        storage, name = field_file.storage, field_file.name
        transaction.on_commit(lambda: storage.delete(name))


@receiver(post_delete, sender=Attachment)
def _delete_attachment_file(
    sender: type[Attachment], instance: Attachment, **kwargs: object
) -> None:
    """Remove the stored file once its row is really gone (after the transaction commits)."""
    _delete_on_commit(instance.file)


@receiver(post_delete, sender=Post)
def _delete_cover_file(sender: type[Post], instance: Post, **kwargs: object) -> None:
    _delete_on_commit(instance.cover)
