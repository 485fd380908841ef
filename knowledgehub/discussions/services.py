"""Writes for discussions. Every function is given an item the actor may already see (the
views check ``can_view`` first) and enforces who may do what."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from knowledgehub.communities.models import Membership
from knowledgehub.knowledge.models import Item
from knowledgehub.people.models import User

from .models import Comment, Reaction, Report


class DiscussionError(Exception):
    """Not allowed; the message is for the person."""


def can_moderate(user: User | AnonymousUser, item: Item) -> bool:
    """Site admins, and the facilitators and owner of the item's community."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if item.community_id is None:
        return False
    return Membership.objects.filter(
        community_id=item.community_id, user_id=user.pk, role__in=["owner", "facilitator"]
    ).exists()


def comment_add(*, item: Item, author: User, body: str, parent: Comment | None = None) -> Comment:
    body = body.strip()
    if not body:
        raise DiscussionError(_("Enter your comment"))
    if parent is not None:
        if parent.item_id != item.pk:
            raise DiscussionError(_("You can only reply to a comment on this page"))
        # Replies are one level deep: a reply to a reply joins its parent's thread.
        parent = parent.parent or parent
    return Comment.objects.create(item=item, author=author, body=body, parent=parent)


def comment_set_hidden(*, actor: User, comment: Comment, hidden: bool) -> Comment:
    if not can_moderate(actor, comment.item):
        raise DiscussionError(_("Only the community's facilitators can hide or restore comments."))
    comment.is_hidden = hidden
    comment.hidden_by = actor if hidden else None
    comment.save(update_fields=["is_hidden", "hidden_by", "body_html", "updated_at"])
    return comment


def reaction_toggle(*, item: Item, user: User, kind: str) -> bool:
    """Add the reaction, or take it away if it was there; True when it is now on."""
    deleted, _counts = Reaction.objects.filter(item=item, user=user, kind=kind).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(item=item, user=user, kind=kind)
    except IntegrityError:  # a double click raced us: it is on either way
        pass
    return True


def report_create(
    *, item: Item, reporter: User, reason: str, comment: Comment | None = None
) -> Report:
    reason = reason.strip()
    if not reason:
        raise DiscussionError(_("Tell the facilitators what is wrong"))
    return Report.objects.create(item=item, comment=comment, reporter=reporter, reason=reason)
