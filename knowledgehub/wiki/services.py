"""Writes to the wiki. Every save goes through here so that each one records a Revision."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.models import Tag
from knowledgehub.knowledge.registry import index_sync
from knowledgehub.notifications.services import notify_mentions
from knowledgehub.people.models import User

from .constants import SLUG_MAX_LENGTH
from .models import Page, Revision

# Slugs that would collide with the wiki's own URLs.
RESERVED_SLUGS = frozenset({"new"})


class EditConflict(Exception):
    """The page gained a revision after the editor opened it: saving would overwrite it."""

    def __init__(self, page: Page, base_revision: int) -> None:
        super().__init__(f"{page} is at revision {page.revision_number}, not {base_revision}")
        self.page = page
        self.base_revision = base_revision


def unique_slug(*, community: Community, title: str) -> str:
    """A slug for ``title`` that no other page in ``community`` uses."""
    base = (slugify(title) or "page")[: SLUG_MAX_LENGTH - 8]
    taken = set(
        Page.objects.filter(community=community, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    slug, n = base, 2
    while slug in taken or slug in RESERVED_SLUGS:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _record(page: Page, *, author: User, note: str) -> Revision:
    """Record the page's state as its newest revision and tell anyone @mentioned in it (who can
    read the page): once per page, so people already mentioned are not told again by every
    later edit."""
    revision = Revision.objects.create(
        page=page,
        number=page.revision_number,
        title=page.title,
        body=page.body,
        author=author,
        created_at=page.updated_at,
        note=note,
    )
    notify_mentions(
        body=revision.body,
        item=page.knowledge_item,
        actor=author,
        key=f"wiki_page:{page.pk}",
    )
    return revision


def _set_tags(page: Page, tags: list[str] | None) -> None:
    """Tags are page metadata (not part of a revision): set them and re-index."""
    if tags is None:
        return
    page.tags.set(Tag.objects.get_or_create_many(tags))
    index_sync(page)


def page_create(
    *,
    community: Community,
    author: User,
    title: str,
    body: str,
    audience: str,
    parent: Page | None = None,
    note: str = "",
    tags: list[str] | None = None,
    is_demo: bool = False,
) -> Page:
    now = timezone.now()
    with transaction.atomic():
        page = Page(
            community=community,
            title=title,
            slug=unique_slug(community=community, title=title),
            parent=parent,
            body=body,
            audience=audience,
            author=author,
            last_editor=author,
            created_at=now,
            updated_at=now,
            revision_number=1,
            is_demo=is_demo,
        )
        page.save()
        _set_tags(page, tags or None)
        _record(page, author=author, note=note or _("Created the page"))
    return page


def page_update(
    *,
    page: Page,
    editor: User,
    base_revision: int,
    title: str,
    body: str,
    audience: str,
    parent: Page | None = None,
    note: str = "",
    tags: list[str] | None = None,
) -> Page:
    """Save a new revision, unless someone else saved one since ``base_revision``: then raise
    :class:`EditConflict` and change nothing. The row lock makes two simultaneous saves queue up,
    so the second one sees the first and conflicts instead of overwriting it."""
    with transaction.atomic():
        locked = (
            Page.objects.select_for_update(of=("self",)).select_related("community").get(pk=page.pk)
        )
        if locked.revision_number != base_revision:
            raise EditConflict(locked, base_revision)
        locked.title = title
        locked.body = body
        locked.audience = audience
        locked.parent = parent
        locked.last_editor = editor
        locked.updated_at = timezone.now()
        locked.revision_number += 1
        locked.save()
        _set_tags(locked, tags)
        _record(locked, author=editor, note=note)
    return locked


def page_revert(*, page: Page, editor: User, number: int) -> Page:
    """Make revision ``number``'s text the newest revision (history is never rewritten)."""
    with transaction.atomic():
        locked = (
            Page.objects.select_for_update(of=("self",)).select_related("community").get(pk=page.pk)
        )
        old = Revision.objects.get(page=locked, number=number)
        title_taken = (
            Page.objects.filter(community_id=locked.community_id, title__iexact=old.title)
            .exclude(pk=locked.pk)
            .exists()
        )
        if not title_taken:  # another page took the old title since: keep the current one
            locked.title = old.title
        locked.body = old.body
        locked.last_editor = editor
        locked.updated_at = timezone.now()
        locked.revision_number += 1
        locked.save()
        _record(locked, author=editor, note=_("Reverted to revision %(n)s") % {"n": number})
    return locked


def page_delete(*, page: Page) -> None:
    """Delete a page and its history; its child pages move up to its parent."""
    with transaction.atomic():
        Page.objects.filter(parent=page).update(parent=page.parent)
        page.delete()
