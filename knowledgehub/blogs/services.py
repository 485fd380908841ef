"""Writes to blogs: posts (draft, scheduled, published), covers, attachments, publishing."""

from __future__ import annotations

import io
import secrets
import warnings
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from knowledgehub.communities.models import Community
from knowledgehub.core.pagecache import bump_content_version
from knowledgehub.knowledge.history import record_revision
from knowledgehub.knowledge.models import Tag
from knowledgehub.knowledge.registry import index_sync
from knowledgehub.lib.uploads import display_name, storage_name, validate_upload
from knowledgehub.notifications.services import notify_mentions
from knowledgehub.people.models import User

from .choices import Status
from .models import Attachment, Post

COVER_MAX_WIDTH = 1600
COVER_MAX_HEIGHT = 1600


# --- cover images ---------------------------------------------------------------------------


def check_cover(upload: UploadedFile) -> None:
    """Refuse a cover that is not an image we can decode (judged by content, never the name),
    with a message a person can act on."""
    detected = validate_upload(upload)  # size, real type, pixel bombs
    if not detected.is_image:
        raise ValidationError(
            _("The cover image must be a PNG, JPEG, GIF or WebP image"), code="invalid_upload"
        )
    try:
        _decode(upload).close()
    except ValidationError:
        raise
    except Exception:
        raise ValidationError(
            _("The selected image is damaged and cannot be opened"), code="invalid_upload"
        ) from None
    finally:
        upload.seek(0)


def _decode(upload: UploadedFile) -> Image.Image:
    upload.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(upload) as image:
            image.draft("RGB", (COVER_MAX_WIDTH, COVER_MAX_HEIGHT))
            image.load()
            frame = image.convert("RGB")
    frame.thumbnail((COVER_MAX_WIDTH, COVER_MAX_HEIGHT))
    return frame


def _reencode_cover(upload: UploadedFile) -> tuple[ContentFile[bytes], int, int]:
    """A JPEG no larger than 1600 px: strips metadata and anything hidden in the original."""
    frame = _decode(upload)
    out = io.BytesIO()
    frame.save(out, format="JPEG", quality=85, optimize=True)
    width, height = frame.size
    frame.close()
    return ContentFile(out.getvalue(), name=f"covers/{secrets.token_hex(16)}.jpg"), width, height


def _set_cover(post: Post, upload: UploadedFile | None, *, remove: bool) -> None:
    old = post.cover.name if post.cover else ""
    if isinstance(upload, UploadedFile):
        check_cover(upload)
        content, width, height = _reencode_cover(upload)
        post.cover.save(content.name or "cover.jpg", content, save=False)
        post.cover_width, post.cover_height = width, height
    elif remove:
        post.cover = ""
        post.cover_width = post.cover_height = 0
        post.cover_alt = ""
    if old and old != (post.cover.name if post.cover else ""):
        storage = post.cover.storage
        transaction.on_commit(lambda: storage.delete(old))


# --- posts ----------------------------------------------------------------------------------


def _check_status(status: str, publish_at: datetime | None) -> None:
    if status not in Status.values:
        raise ValidationError(_("Choose whether to publish, schedule or save a draft"))
    if status == Status.SCHEDULED:
        if publish_at is None:
            raise ValidationError(_("Enter the date and time to publish the post"))
        if publish_at <= timezone.now():
            raise ValidationError(_("The publishing date and time must be in the future"))


def _after_save(post: Post, *, editor: User, new: bool = False) -> None:
    """In the service's transaction: record the revision, and tell @mentioned people once the
    post is live (never for a draft or a scheduled post: that happens when it is published)."""
    record_revision(post, editor=editor, title=post.title, body=post.body, new=new)
    if post.is_live:
        _notify(post)


def _notify(post: Post) -> None:
    if "@" not in post.body:
        return  # nobody to tell, so skip looking the Item up
    notify_mentions(
        body=post.body, item=post.knowledge_item, actor=post.author, key=f"blog_post:{post.pk}"
    )


def post_create(
    *,
    author: User,
    title: str,
    body: str,
    audience: str,
    community: Community | None = None,
    tags: list[str] | None = None,
    is_demo: bool = False,
    status: str = Status.PUBLISHED,
    publish_at: datetime | None = None,
    cover: UploadedFile | None = None,
    cover_alt: str = "",
) -> Post:
    """Write a post. ``status`` is published (now), scheduled (at ``publish_at``, in the
    future; ``publish_due_posts`` publishes it) or draft."""
    _check_status(status, publish_at)
    if cover is not None and not cover_alt.strip():
        raise ValidationError(_("Describe the cover image for people who cannot see it"))
    now = timezone.now()
    with transaction.atomic():
        post = Post(
            author=author,
            title=title.strip(),
            body=body,
            audience=audience,
            community=community,
            is_demo=is_demo,
            status=status,
            published_at=publish_at if status == Status.SCHEDULED and publish_at else now,
            created_at=now,
            cover_alt=cover_alt.strip() if cover is not None else "",
        )
        _set_cover(post, cover, remove=False)
        post.save(index=False)  # indexed once below, with its tags
        if tags:
            through = Post.tags.through
            through.objects.bulk_create(
                [
                    through(post_id=post.pk, tag_id=t.pk)
                    for t in Tag.objects.get_or_create_many(tags)
                ]
            )
        index_sync(post, new=True)
        _after_save(post, editor=author, new=True)
    return post


def post_update(
    *,
    post: Post,
    editor: User,
    title: str,
    body: str,
    audience: str,
    tags: list[str] | None = None,
    status: str | None = None,
    publish_at: datetime | None = None,
    cover: UploadedFile | None = None,
    cover_alt: str | None = None,
    remove_cover: bool = False,
) -> Post:
    """Change a post (its author's job). The community never changes, so its URL stays put.
    Publishing a draft or a scheduled post dates it now; editing a published post keeps its
    date."""
    status = status or post.status
    if post.is_live and status != Status.PUBLISHED:
        # Unpublishing would remove the Item with its comments and reactions, and a hidden post
        # would come back unhidden: a published post is edited or deleted, never unpublished.
        raise ValidationError(_("A published post stays published: you can edit or delete it"))
    if status == Status.SCHEDULED and publish_at is None and post.status == Status.SCHEDULED:
        publish_at = post.published_at
    _check_status(status, publish_at)
    keeps_cover = cover is not None or (bool(post.cover) and not remove_cover)
    alt = post.cover_alt if cover_alt is None else cover_alt
    if keeps_cover and not alt.strip():
        raise ValidationError(_("Describe the cover image for people who cannot see it"))
    with transaction.atomic():
        locked = Post.objects.select_for_update(of=("self",)).select_related("community", "author")
        locked_post = locked.get(pk=post.pk)
        was_live = locked_post.is_live
        locked_post.title = title.strip()
        locked_post.body = body
        locked_post.audience = audience
        if cover_alt is not None:
            locked_post.cover_alt = cover_alt.strip()
        _set_cover(locked_post, cover, remove=remove_cover)
        if status == Status.SCHEDULED:
            assert publish_at is not None
            locked_post.published_at = publish_at
        elif status == Status.PUBLISHED and not was_live:
            locked_post.published_at = timezone.now()
        locked_post.status = status
        locked_post.save()
        if tags is not None:
            locked_post.tags.set(Tag.objects.get_or_create_many(tags))
            index_sync(locked_post)
        _after_save(locked_post, editor=editor)
    post.refresh_from_db()
    return post


def post_delete(*, post: Post) -> None:
    """Delete a post with its attachments, comments and history. Stored files are removed once
    the transaction commits, so a rolled-back delete never loses a file."""
    with transaction.atomic():
        for attachment in Attachment.objects.filter(post=post):
            attachment.delete()
        post.delete()


def publish_due_posts() -> int:
    """Publish every scheduled post whose time has come, index it and tell the people it
    mentions; returns how many this call published. Safe to run twice, or on two workers at
    once: each row is flipped by an UPDATE filtered on its status, and only the caller whose
    update changed the row indexes and notifies."""
    moment = timezone.now()
    due = list(
        Post.objects.filter(status=Status.SCHEDULED, published_at__lte=moment)
        .order_by("published_at", "pk")
        .values_list("pk", flat=True)
    )
    published = 0
    for pk in due:
        with transaction.atomic():
            flipped = Post.objects.filter(
                pk=pk, status=Status.SCHEDULED, published_at__lte=moment
            ).update(status=Status.PUBLISHED, updated_at=timezone.now())
            if flipped != 1:
                continue  # another worker (or the author) got there first
            post = Post.objects.select_related("author", "community").get(pk=pk)
            index_sync(post)
            _notify(post)
            bump_content_version()  # the update() above sends no signal: refresh cached pages
        published += 1
    return published


# --- attachments ----------------------------------------------------------------------------


def attachment_add(*, post: Post, upload: UploadedFile, uploaded_by: User) -> Attachment:
    """Attach one file, judged by its content and stored under a generated name."""
    detected = validate_upload(upload)  # raises ValidationError with a clear message
    attachment = Attachment(
        post=post,
        display_name=display_name(upload.name),
        content_type=detected.content_type,
        size=upload.size or 0,
        uploaded_by=uploaded_by,
    )
    upload.seek(0)
    with transaction.atomic():
        attachment.file.save(storage_name(detected, prefix="attachments/"), upload, save=False)
        attachment.save()
        Post.objects.filter(pk=post.pk).update(updated_at=timezone.now())
    return attachment


def attachment_remove(*, attachment: Attachment) -> None:
    with transaction.atomic():
        attachment.delete()  # the file goes once the transaction commits
