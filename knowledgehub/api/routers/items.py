"""Knowledge items: every content kind in the index, its comments, related items and people, and
writing blog posts, forum threads, wiki pages and events.

Every read starts from ``Item.objects.visible_to(caller)`` (the one visibility rule), so an item
the caller may not see is a 404, never a 403 that would reveal it. Writes go through each app's
own form (for validation, with the same messages as the pages) and service (for the write), and
allow exactly what the pages allow: the same membership and author/facilitator checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from knowledgehub.communities.access import CommunityAccess, community_for, require_member
from knowledgehub.communities.models import Community, Membership
from knowledgehub.discussions.models import Comment
from knowledgehub.discussions.services import DiscussionError, can_moderate, comment_add
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.registry import kinds as registered_kinds
from knowledgehub.people.models import User
from knowledgehub.serendipity.people import who_has_done_this
from knowledgehub.serendipity.services import related_for

from ..auth import WRITE_AUTH, require_scope
from ..cache import cached_read
from ..errors import ApiError
from ..pagination import Page, keyset_page, sequence_page
from ..schemas import ItemOut, PersonRef, absolute, item_rows, items_for_output, items_out

router = Router(tags=["items"])

ITEM_SORTS = {"published": "published_at", "updated": "updated_at", "title": "title"}
COMMENT_SORTS = {"created": "created_at"}
# related_for reads precomputed rows: at most this many neighbours are kept per item.
RELATED_MAX = 30
PEOPLE_MAX = 20
WRITABLE_KINDS = ("blog_post", "forum_thread", "wiki_page", "event")


# --- schemas ------------------------------------------------------------------------------------


class KindOut(Schema):
    name: str
    label: str
    label_plural: str


class ItemDetailOut(ItemOut):
    """An item with its full plain text (what search and discovery read)."""

    text: str

    @staticmethod
    def from_item(item: Item) -> ItemDetailOut:
        return ItemDetailOut(**dict(ItemOut.from_item(item)), text=item.text)


class CommentOut(Schema):
    id: int
    item_id: int
    parent_id: int | None = None
    author: PersonRef
    body: str
    body_html: str
    is_hidden: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    url: str

    @staticmethod
    def from_comment(comment: Comment, item: Item) -> CommentOut:
        return CommentOut(
            id=comment.pk,
            item_id=comment.item_id,
            parent_id=comment.parent_id,
            author=PersonRef.from_user(comment.author),
            body=comment.body,
            body_html=comment.body_html,
            is_hidden=comment.is_hidden,
            created_at=comment.created_at,
            updated_at=comment.updated_at,
            url=absolute(f"{item.url}#comment-{comment.pk}"),
        )


class CommentIn(Schema):
    body: str
    parent: int | None = None


class RelatedOut(Schema):
    item: ItemOut
    reason: str


class PersonSuggestionOut(Schema):
    person: PersonRef
    reason: str


class ItemCreateIn(Schema):
    """New content. ``community`` is a slug (``null`` for a post on your own blog; the other
    kinds live in a community). ``body`` is Markdown. Event times without a zone are read in
    ``time_zone`` (default Europe/London)."""

    kind: Literal["blog_post", "forum_thread", "wiki_page", "event"]
    community: str | None = None
    title: str
    body: str = ""
    tags: list[str] = []
    audience: str | None = None
    # forum_thread
    category: int | None = None
    # event
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    time_zone: str = "Europe/London"
    location: str = ""
    online_url: str = ""
    capacity: int | None = None


class ItemPatchIn(Schema):
    """What to change; fields left out stay as they are. ``base_revision`` (wiki pages) is the
    revision you edited: if someone saved a newer one since, the answer is 409."""

    title: str | None = None
    body: str | None = None
    tags: list[str] | None = None
    audience: str | None = None
    base_revision: int | None = None
    note: str | None = None
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    time_zone: str | None = None
    location: str | None = None


# --- helpers ------------------------------------------------------------------------------------


def _invalid(errors: list[dict[str, str]], detail: str = "") -> ApiError:
    return ApiError(
        422,
        "Invalid input",
        detail or "Some of what was sent is not valid; see errors.",
        errors=errors,
    )


def _form_errors(form: forms.Form, names: dict[str, str] | None = None) -> ApiError:
    """A Django form's errors as a 422 problem, with the form's field names mapped to the API's
    (``names``) and errors that belong to no field under ``request``."""
    names = names or {}
    errors = [
        {
            "field": "request" if field == "__all__" else names.get(field, field),
            "message": str(message),
        }
        for field, messages in form.errors.items()
        for message in messages
    ]
    return _invalid(errors)


def _validation_error(exc: ValidationError, field: str = "request") -> ApiError:
    return _invalid([{"field": field, "message": str(m)} for m in exc.messages])


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - write auth always sets a user
        raise ApiError(401, "Authentication required", "Send a token: Authorization: Bearer …")
    return user


def _visible(request: HttpRequest) -> QuerySet[Item]:
    return Item.objects.visible_to(request.user)


def _item(request: HttpRequest, item_id: int) -> Item:
    """The item if the caller may see it, with what ItemOut reads; else a 404."""
    if not 0 < item_id < 2**63:  # no such row, and too big for the database to compare
        raise Http404
    return get_object_or_404(items_for_output(_visible(request)), pk=item_id)


def filter_community(request: HttpRequest, slug: str) -> Community:
    """A community named in a filter: one the caller may know exists (secret communities are
    unknown to outsiders, exactly like communities that do not exist)."""
    found = Community.objects.visible_to(request.user).filter(slug=slug).first()
    if found is None:
        raise ApiError(400, "Unknown community", f"There is no community “{slug}” you may see.")
    return found


def _kind_names() -> list[str]:
    return [k.kind for k in registered_kinds()]


def check_kind(kind: str | None) -> str | None:
    if kind is None or kind == "":
        return None
    names = _kind_names()
    if kind not in names:
        raise ApiError(400, "Unknown kind", f"kind must be one of {', '.join(sorted(names))}.")
    return kind


def _access(request: HttpRequest, community: Community) -> CommunityAccess:
    user = request.user
    membership = (
        Membership.objects.filter(community=community, user_id=user.pk).first()
        if user.is_authenticated
        else None
    )
    return CommunityAccess(community=community, membership=membership)


def _fresh_item(obj: Any, request: HttpRequest) -> Item:
    """The Item a write just made or changed, read through the rule like any other."""
    found = obj.knowledge_item
    if found is None:  # pragma: no cover - the kinds written here always index
        raise ApiError(500, "Server error", "The item was saved but is not in the index.")
    return _item(request, found.pk)


def _tags_text(tags: list[str] | None) -> str:
    return ", ".join(t.replace(",", " ") for t in (tags or []))


def _local(value: dt.datetime | None, zone_name: str) -> dt.datetime | None:
    """An event time as the wall-clock time the event form expects: an aware time converted to
    the event's zone, a naive one as it is."""
    if value is None or value.tzinfo is None:
        return value
    try:
        zone = ZoneInfo(zone_name)
    except (ValueError, KeyError):
        return value.replace(tzinfo=None)  # the form reports the bad zone
    return value.astimezone(zone).replace(tzinfo=None)


# --- reading ------------------------------------------------------------------------------------


@router.get("", response=Page[ItemOut], summary="Items you may see")
@cached_read(Page[ItemOut])
def list_items(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
    kind: str | None = None,
    community: str | None = None,
    tag: str | None = None,
    author: str | None = None,
    organisation: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> dict[str, Any]:
    """Every item the caller may see, of every kind (blog posts, wiki pages, forum threads,
    events, library documents, offers and asks, feed items, datasets, metrics …). Filters:
    ``kind`` (see /items/kinds), ``community`` (slug), ``tag`` (slug), ``author`` (username),
    ``organisation`` (code), ``since``/``until`` (published, ISO 8601). ``sort``: ``published``
    (default ``-published``), ``updated`` or ``title``, ``-`` for descending."""
    qs = _visible(request)
    if (chosen := check_kind(kind)) is not None:
        qs = qs.filter(kind=chosen)
    if community:
        qs = qs.filter(community=filter_community(request, community))
    if tag:
        qs = qs.filter(tags__slug=tag)
    if author:
        qs = qs.filter(author__username=author)
    if organisation:
        qs = qs.filter(organisation__code=organisation)
    if since is not None:
        qs = qs.filter(published_at__gte=since)
    if until is not None:
        qs = qs.filter(published_at__lte=until)
    return keyset_page(
        request,
        item_rows(qs),
        sort=sort,
        allowed=ITEM_SORTS,
        default="-published",
        limit=limit,
        cursor=cursor,
        transform=items_out,
    )


@router.get("/kinds", response=list[KindOut], summary="The kinds of item")
def list_kinds(request: HttpRequest) -> list[KindOut]:
    """Every registered content kind: the values ``kind`` filters accept."""
    return [
        KindOut(name=k.kind, label=str(k.label), label_plural=str(k.label_plural))
        for k in registered_kinds()
    ]


@router.get("/{item_id}", response=ItemDetailOut, summary="One item")
def get_item(request: HttpRequest, item_id: int) -> ItemDetailOut:
    """One item with its plain text; 404 when it does not exist or you may not see it."""
    return ItemDetailOut.from_item(_item(request, item_id))


@router.get("/{item_id}/comments", response=Page[CommentOut], summary="Comments on an item")
def list_comments(
    request: HttpRequest,
    item_id: int,
    cursor: str | None = None,
    limit: int = 20,
    sort: str | None = None,
) -> dict[str, Any]:
    """Comments and replies, oldest first (``sort=-created`` for newest first). Hidden comments
    are shown only to their author and to the item's moderators, as on the page."""
    item = _item(request, item_id)
    comments = Comment.objects.filter(item=item).select_related("author")
    if not can_moderate(request.user, item):
        comments = comments.filter(Q(is_hidden=False) | Q(author_id=request.user.pk or 0))
    return keyset_page(
        request,
        comments,
        sort=sort,
        allowed=COMMENT_SORTS,
        default="created",
        limit=limit,
        cursor=cursor,
        transform=lambda rows: [CommentOut.from_comment(c, item) for c in rows],
    )


@router.post(
    "/{item_id}/comments",
    response={201: CommentOut},
    auth=WRITE_AUTH,
    summary="Comment on an item",
)
def add_comment(request: HttpRequest, item_id: int, payload: CommentIn) -> Status[CommentOut]:
    """Add a comment (Markdown; @mentions are notified), or a reply with ``parent`` (a comment
    on the same item; replies are one level deep). Needs the write scope."""
    require_scope(request, "write")
    item = _item(request, item_id)
    user = _user(request)
    parent = None
    if payload.parent is not None:
        parent = (
            Comment.objects.filter(pk=payload.parent, item=item)
            .filter(Q(is_hidden=False) | Q(author_id=user.pk))
            .first()
        )
        if parent is None:
            raise _invalid([{"field": "parent", "message": "No such comment on this item."}])
    if len(payload.body) > 10_000:
        raise _invalid(
            [{"field": "body", "message": "Enter a comment of 10,000 characters or fewer"}]
        )
    try:
        comment = comment_add(item=item, author=user, body=payload.body, parent=parent)
    except DiscussionError as exc:
        raise _invalid([{"field": "body", "message": str(exc)}]) from exc
    return Status(201, CommentOut.from_comment(comment, item))


@router.get("/{item_id}/related", response=Page[RelatedOut], summary="Related items")
@cached_read(Page[RelatedOut])
def list_related(
    request: HttpRequest,
    item_id: int,
    cursor: str | None = None,
    limit: int = 20,
    surprise: bool = False,
) -> dict[str, Any]:
    """The items most like this one that you may see, best first, each with the reason shown on
    the page. ``surprise=true`` favours items from communities you are not in, then other kinds
    or sources."""
    item = _item(request, item_id)

    def rows(offset: int, count: int) -> list[RelatedOut]:
        found = related_for(
            request.user, item, limit=min(offset + count, RELATED_MAX), surprise=surprise
        )
        chunk = found[offset:]
        # The output reads just the columns shown, as the item list does (through the rule
        # again: related_for already applied it, and every read of items goes through it).
        ids = [r.pk for r, _ in chunk]
        visible = Item.objects.visible_to(request.user).filter(pk__in=ids)
        by_id = {row["id"]: row for row in item_rows(visible)}
        shown = items_out([by_id[r.pk] for r, _ in chunk if r.pk in by_id])
        reasons = {r.pk: why for r, why in chunk}
        return [RelatedOut(item=out, reason=reasons[out.id]) for out in shown]

    return sequence_page(
        request, rows, limit=limit, cursor=cursor, key=f"related:{item.pk}:{int(surprise)}"
    )


@router.get(
    "/{item_id}/people",
    response=Page[PersonSuggestionOut],
    summary="Who has done this",
)
def list_people(
    request: HttpRequest, item_id: int, cursor: str | None = None, limit: int = 20
) -> dict[str, Any]:
    """People whose work is closest to this item ("Who has done this?"; on an ask, people who
    offered related help first). As on the page, only for signed-in callers: without a token the
    list is empty."""
    item = _item(request, item_id)
    viewer: User | AnonymousUser = request.user

    def rows(offset: int, count: int) -> list[PersonSuggestionOut]:
        found = who_has_done_this(viewer, item, limit=min(offset + count, PEOPLE_MAX))
        return [
            PersonSuggestionOut(person=PersonRef.from_user(s.person), reason=s.reason)
            for s in found[offset:]
        ]

    return sequence_page(request, rows, limit=limit, cursor=cursor, key=f"people:{item.pk}")


# --- writing: create ----------------------------------------------------------------------------


def _create_blog_post(
    request: HttpRequest, payload: ItemCreateIn, community: Community | None
) -> Any:
    from knowledgehub.blogs.choices import Status as PostStatus
    from knowledgehub.blogs.forms import PostForm
    from knowledgehub.blogs.services import post_create
    from knowledgehub.communities.access import default_audience

    user = _user(request)
    audience = payload.audience or (
        default_audience(community) if community is not None else Audience.PUBLIC
    )
    form = PostForm(
        {
            "title": payload.title,
            "body": payload.body,
            "audience": audience,
            "tags": _tags_text(payload.tags),
            "status": PostStatus.PUBLISHED,
        },
        {},
        user=user,
        fixed_community=community,
    )
    if not form.is_valid():
        raise _form_errors(form)
    data = form.cleaned_data
    try:
        return post_create(
            author=user,
            title=data["title"],
            body=data["body"],
            audience=data["audience"],
            community=community,
            tags=data["tags"],
            status=PostStatus.PUBLISHED,
        )
    except ValidationError as exc:
        raise _validation_error(exc) from exc


def _create_forum_thread(request: HttpRequest, payload: ItemCreateIn, community: Community) -> Any:
    from knowledgehub.communities.access import default_audience
    from knowledgehub.forums.forms import ThreadForm
    from knowledgehub.forums.models import Category
    from knowledgehub.forums.services import thread_create

    categories = Category.objects.filter(community=community)
    if payload.category is not None:
        category = categories.filter(pk=payload.category).first()
        if category is None:
            raise _invalid(
                [{"field": "category", "message": "Choose a category of this community"}]
            )
    else:
        category = categories.order_by("position", "name", "pk").first()
        if category is None:
            raise _invalid(
                [
                    {
                        "field": "category",
                        "message": "This community's forum has no categories yet",
                    }
                ]
            )
    form = ThreadForm(
        {
            "title": payload.title,
            "body": payload.body,
            "tags": _tags_text(payload.tags),
            "audience": payload.audience or default_audience(community),
        }
    )
    if not form.is_valid():
        raise _form_errors(form)
    return thread_create(category=category, author=_user(request), **form.cleaned_data)


def _create_wiki_page(request: HttpRequest, payload: ItemCreateIn, community: Community) -> Any:
    from knowledgehub.communities.access import default_audience
    from knowledgehub.wiki.forms import PageForm
    from knowledgehub.wiki.services import page_create

    form = PageForm(
        {
            "title": payload.title,
            "body": payload.body,
            "tags": _tags_text(payload.tags),
            "audience": payload.audience or default_audience(community),
        },
        community=community,
        parent_choices=[],
    )
    if not form.is_valid():
        raise _form_errors(form)
    try:
        return page_create(community=community, author=_user(request), **form.cleaned_data)
    except IntegrityError as exc:  # someone took the title a moment ago
        raise _invalid(
            [{"field": "title", "message": "There is already a page with this title"}]
        ) from exc


EVENT_FIELDS = {
    "description": "body",
    "start": "starts_at",
    "end": "ends_at",
    "place": "location",
}


def _create_event(request: HttpRequest, payload: ItemCreateIn, community: Community) -> Any:
    from knowledgehub.communities.access import default_audience
    from knowledgehub.events.forms import EventForm
    from knowledgehub.events.services import event_create

    form = EventForm(
        {
            "title": payload.title,
            "description": payload.body,
            "time_zone": payload.time_zone,
            "start": _local(payload.starts_at, payload.time_zone),
            "end": _local(payload.ends_at, payload.time_zone),
            "place": payload.location,
            "online_url": payload.online_url,
            "capacity": payload.capacity,
            "tags": _tags_text(payload.tags),
            "audience": payload.audience or default_audience(community),
        }
    )
    if not form.is_valid():
        raise _form_errors(form, EVENT_FIELDS)
    return event_create(community=community, organiser=_user(request), **form.cleaned_data)


@router.post("", response={201: ItemDetailOut}, auth=WRITE_AUTH, summary="Create an item")
def create_item(request: HttpRequest, payload: ItemCreateIn) -> Status[ItemDetailOut]:
    """Write a blog post (``community`` null for your own blog), a forum thread (in
    ``category``, or the community's first), a wiki page or an event (``starts_at``,
    ``ends_at``, ``location``). As on the pages, only members may write in a community.
    ``audience`` defaults to the community's usual one (public in an open community). Invalid
    input is a 422 problem naming each field. Needs the write scope."""
    require_scope(request, "write")
    community: Community | None = None
    if payload.community:
        access = community_for(request, payload.community)  # 404 for one you may not see
        require_member(access)  # 403: only members write in a community
        community = access.community
    if payload.kind == "blog_post":
        obj = _create_blog_post(request, payload, community)
    else:
        if community is None:
            raise _invalid([{"field": "community", "message": "Choose the community to write in"}])
        if payload.kind == "forum_thread":
            obj = _create_forum_thread(request, payload, community)
        elif payload.kind == "wiki_page":
            obj = _create_wiki_page(request, payload, community)
        else:
            obj = _create_event(request, payload, community)
    return Status(201, ItemDetailOut.from_item(_fresh_item(obj, request)))


# --- writing: edit and delete -------------------------------------------------------------------


def _source(item: Item) -> Any:
    """The content object behind an item of a writable kind (None for other kinds)."""
    model = next((k.model for k in registered_kinds() if k.kind == item.kind), None)
    if model is None or item.kind not in WRITABLE_KINDS:
        return None
    return model._default_manager.filter(pk=item.object_id).first()


def _not_editable(item: Item) -> ApiError:
    return ApiError(
        403,
        "Forbidden",
        f"{item.kind_label} items cannot be changed through the API.",
    )


def _patch_blog_post(request: HttpRequest, post: Any, payload: ItemPatchIn) -> None:
    from knowledgehub.blogs.forms import PostForm
    from knowledgehub.blogs.services import post_update

    user = _user(request)
    access = _access(request, post.community) if post.community_id else None
    if user.pk != post.author_id or (access is not None and not access.is_member):
        raise PermissionDenied("Only the author can change this post.")
    tags = payload.tags if payload.tags is not None else [t.name for t in post.tags.all()]
    form = PostForm(
        {
            "title": post.title if payload.title is None else payload.title,
            "body": post.body if payload.body is None else payload.body,
            "audience": payload.audience or post.audience,
            "tags": _tags_text(tags),
            "cover_alt": post.cover_alt,
        },
        {},
        user=user,
        post=post,
    )
    if not form.is_valid():
        raise _form_errors(form)
    data = form.cleaned_data
    try:
        post_update(
            post=post,
            editor=user,
            title=data["title"],
            body=data["body"],
            audience=data["audience"],
            tags=data["tags"] if payload.tags is not None else None,
        )
    except ValidationError as exc:
        raise _validation_error(exc) from exc


def _patch_wiki_page(request: HttpRequest, page: Any, payload: ItemPatchIn) -> None:
    from knowledgehub.wiki.forms import PageEditForm
    from knowledgehub.wiki.models import Page as WikiPage
    from knowledgehub.wiki.services import EditConflict, page_update

    user = _user(request)
    if not _access(request, page.community).is_member:  # any member edits the wiki, as on the page
        raise PermissionDenied("Only members of this community can edit its wiki.")
    visible = list(
        WikiPage.visible_to(user)
        .filter(community_id=page.community_id)
        .values_list("pk", flat=True)
    )
    if page.parent_id is not None:
        visible.append(page.parent_id)  # keeping the parent is always allowed
    tags = payload.tags if payload.tags is not None else [t.name for t in page.tags.all()]
    form = PageEditForm(
        {
            "title": page.title if payload.title is None else payload.title,
            "body": page.body if payload.body is None else payload.body,
            "parent": page.parent_id or "",
            "tags": _tags_text(tags),
            "audience": payload.audience or page.audience,
            "note": payload.note or "",
            "base_revision": (
                page.revision_number if payload.base_revision is None else payload.base_revision
            ),
        },
        community=page.community,
        parent_choices=visible,
        page=page,
    )
    if not form.is_valid():
        raise _form_errors(form)
    data = dict(form.cleaned_data)
    base = data.pop("base_revision")
    if payload.tags is None:
        data["tags"] = None
    try:
        page_update(page=page, editor=user, base_revision=base, **data)
    except EditConflict as exc:
        raise ApiError(
            409,
            "Edit conflict",
            f"Someone saved revision {exc.page.revision_number} since revision {base}: "
            "read the page again, merge, and send base_revision "
            f"{exc.page.revision_number}.",
        ) from exc
    except IntegrityError as exc:
        raise _invalid(
            [{"field": "title", "message": "There is already a page with this title"}]
        ) from exc


def _patch_forum_thread(request: HttpRequest, thread: Any, payload: ItemPatchIn) -> None:
    from knowledgehub.forums.forms import ThreadEditForm
    from knowledgehub.forums.services import (
        ForumError,
        can_edit_thread,
        opening_post,
        thread_edit,
    )

    user = _user(request)
    if not can_edit_thread(user, _access(request, thread.community), thread):
        raise PermissionDenied("Only the thread's author or a facilitator can change it.")
    if payload.audience is not None:
        raise _invalid(
            [{"field": "audience", "message": "A thread's audience is chosen when it is started"}]
        )
    opening = opening_post(thread)
    tags = payload.tags if payload.tags is not None else [t.name for t in thread.tags.all()]
    form = ThreadEditForm(
        {
            "title": thread.title if payload.title is None else payload.title,
            "body": (opening.body if opening else "") if payload.body is None else payload.body,
            "tags": _tags_text(tags),
        }
    )
    if not form.is_valid():
        raise _form_errors(form)
    data = form.cleaned_data
    try:
        thread_edit(
            thread=thread,
            editor=user,
            title=data["title"],
            body=data["body"],
            tags=data["tags"] if payload.tags is not None else None,
        )
    except ForumError as exc:
        raise _invalid([{"field": "request", "message": str(exc)}]) from exc


def _can_change_event(request: HttpRequest, event: Any) -> bool:
    user = request.user
    access = _access(request, event.community)
    is_organiser = access.is_member and event.organiser_id == user.pk
    return bool(getattr(user, "is_superuser", False) or access.can_manage or is_organiser)


def _patch_event(request: HttpRequest, event: Any, payload: ItemPatchIn) -> None:
    from knowledgehub.events.forms import EventForm
    from knowledgehub.events.services import event_update

    if not _can_change_event(request, event):
        raise PermissionDenied("Only the organiser or a facilitator can change this event.")
    data = EventForm.initial_for(event)
    zone = payload.time_zone or event.time_zone
    data["time_zone"] = zone
    if payload.time_zone is not None:  # the same moments, in the new zone
        data["start"] = _local(event.start, zone)
        data["end"] = _local(event.end, zone)
    changes = {
        "title": payload.title,
        "description": payload.body,
        "audience": payload.audience,
        "place": payload.location,
        "start": _local(payload.starts_at, zone),
        "end": _local(payload.ends_at, zone),
    }
    data.update({k: v for k, v in changes.items() if v is not None})
    if payload.tags is not None:
        data["tags"] = _tags_text(payload.tags)
    form = EventForm({k: ("" if v is None else v) for k, v in data.items()})
    if not form.is_valid():
        raise _form_errors(form, EVENT_FIELDS)
    cleaned = dict(form.cleaned_data)
    if payload.tags is None:
        cleaned.pop("tags", None)
    event_update(event=event, editor=_user(request), **cleaned)


@router.patch("/{item_id}", response=ItemDetailOut, auth=WRITE_AUTH, summary="Edit an item")
def update_item(request: HttpRequest, item_id: int, payload: ItemPatchIn) -> ItemDetailOut:
    """Change the title, body (Markdown), tags or audience of a blog post, wiki page, forum
    thread or event, as its page allows (a post by its author; a wiki page by any member; a
    thread by its author or a facilitator; an event by its organiser or a facilitator). 403 when
    you may see the item but not change it. Needs the write scope."""
    require_scope(request, "write")
    item = _item(request, item_id)
    source = _source(item)
    if source is None:
        raise _not_editable(item)
    if item.kind == "blog_post":
        _patch_blog_post(request, source, payload)
    elif item.kind == "wiki_page":
        _patch_wiki_page(request, source, payload)
    elif item.kind == "forum_thread":
        _patch_forum_thread(request, source, payload)
    else:
        _patch_event(request, source, payload)
    return ItemDetailOut.from_item(_item(request, item_id))


@router.delete("/{item_id}", response={204: None}, auth=WRITE_AUTH, summary="Delete an item")
def delete_item(request: HttpRequest, item_id: int) -> Status[None]:
    """Delete a blog post (its author, a facilitator or a site admin), a wiki page (its author
    or a facilitator), a forum thread (a facilitator, or its author until someone replies) or an
    event (its organiser or a facilitator), as the pages allow. Needs the write scope."""
    require_scope(request, "write")
    item = _item(request, item_id)
    source = _source(item)
    if source is None:
        raise _not_editable(item)
    user = _user(request)
    community = getattr(source, "community", None)
    access = _access(request, community) if community is not None else None
    if item.kind == "blog_post":
        from knowledgehub.blogs.services import post_delete

        if not (
            user.pk == source.author_id
            or user.is_superuser
            or (access is not None and access.can_manage)
        ):
            raise PermissionDenied("Only the author or a facilitator can delete this post.")
        post_delete(post=source)
    elif item.kind == "wiki_page":
        from knowledgehub.wiki.services import page_delete

        assert access is not None
        if not (access.is_member and (source.author_id == user.pk or access.can_manage)):
            raise PermissionDenied("Only the page's author or a facilitator can delete it.")
        page_delete(page=source)
    elif item.kind == "forum_thread":
        from knowledgehub.forums.services import can_delete_thread, thread_delete

        assert access is not None
        if not can_delete_thread(user, access, source):
            raise PermissionDenied(
                "Only a facilitator can delete a thread once someone has replied."
                if user.pk == source.author_id
                else "Only the thread's author or a facilitator can delete it."
            )
        thread_delete(thread=source)
    else:
        from knowledgehub.events.services import event_delete

        if not _can_change_event(request, source):
            raise PermissionDenied("Only the organiser or a facilitator can delete this event.")
        event_delete(event=source)
    return Status(204, None)
