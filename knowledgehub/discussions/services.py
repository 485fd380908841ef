"""Writes for discussions. Every function is given an item the actor may already see (the
views check ``can_view`` first) and enforces who may do what."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledgehub.communities.models import Membership
from knowledgehub.follows.activity import forget_comment, record_comment
from knowledgehub.knowledge.models import Item
from knowledgehub.notifications.choices import Verb
from knowledgehub.notifications.services import notify, notify_mentions
from knowledgehub.people.models import User

from .choices import ReportOutcome, ReportStatus
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
    with transaction.atomic():
        comment = Comment.objects.create(item=item, author=author, body=body, parent=parent)
        record_comment(comment)  # for followers' streams
        notify_mentions(
            body=body,
            item=item,
            actor=author,
            key=f"comment:{comment.pk}",
            url=f"{item.url}#comment-{comment.pk}",
        )
    return comment


def comment_set_hidden(*, actor: User, comment: Comment, hidden: bool) -> Comment:
    if not can_moderate(actor, comment.item):
        raise DiscussionError(_("Only the community's facilitators can hide or restore comments."))
    with transaction.atomic():
        was_hidden = comment.is_hidden
        comment.is_hidden = hidden
        comment.hidden_by = actor if hidden else None
        comment.save(update_fields=["is_hidden", "hidden_by", "body_html", "updated_at"])
        if hidden:
            forget_comment(comment)  # out of followers' streams too
        elif was_hidden:
            record_comment(comment)
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
    with transaction.atomic():
        report = Report.objects.create(item=item, comment=comment, reporter=reporter, reason=reason)
        notify(
            recipients=moderators_of(item),
            verb=Verb.REPORT,
            key=f"report:{report.pk}",
            text=_("Someone reported “%(title)s”") % {"title": item.title},
            url=reverse("discussions:moderation") + f"#report-{report.pk}",
            item=item,
            actor=reporter,
        )
    return report


def moderators_of(item: Item) -> list[User]:
    """Who acts on reports about ``item``: its community's facilitators and owner, or, for items
    outside communities, the site admins."""
    if item.community_id is None:
        return list(User.objects.filter(is_superuser=True, is_active=True))
    return list(
        User.objects.filter(
            memberships__community_id=item.community_id,
            memberships__role__in=["owner", "facilitator"],
            is_active=True,
        )
    )


def item_set_hidden(*, actor: User, item: Item, hidden: bool) -> Item:
    """Hide a whole item from everyone but its author, its facilitators and site admins (the
    visibility rule's item 0), or restore it. Hiding resolves the open reports about the item."""
    if not can_moderate(actor, item):
        raise DiscussionError(_("Only the community's facilitators can hide or restore items."))
    with transaction.atomic():
        item.is_hidden = hidden
        item.hidden_by = actor if hidden else None
        item.hidden_at = timezone.now() if hidden else None
        item.save(update_fields=["is_hidden", "hidden_by", "hidden_at"])
        if hidden:
            item.reports.filter(status=ReportStatus.OPEN, comment__isnull=True).update(
                status=ReportStatus.RESOLVED,
                outcome=ReportOutcome.HIDDEN,
                resolved_by=actor,
                resolved_at=timezone.now(),
            )
    return item


def reports_for(user: User) -> models.QuerySet[Report]:
    """The reports this person may act on: all for site admins; for facilitators and owners, those
    about items (they can see) in the communities they manage."""
    reports = Report.objects.select_related("item", "item__community", "comment", "reporter")
    if user.is_superuser:
        return reports
    managed = Membership.objects.filter(user_id=user.pk, role__in=["owner", "facilitator"]).values(
        "community_id"
    )
    visible = Item.objects.visible_to(user).filter(community_id__in=managed).values("pk")
    return reports.filter(item_id__in=visible)


def report_resolve(*, actor: User, report: Report, outcome: str) -> Report:
    """Act on a report: hide what it is about, or dismiss it. Acting twice changes nothing."""
    if outcome not in ReportOutcome.values:
        raise DiscussionError(_("Choose what to do about the report"))
    if not can_moderate(actor, report.item):
        raise DiscussionError(_("Only the community's facilitators can act on reports."))
    if report.status == ReportStatus.RESOLVED:
        return report
    with transaction.atomic():
        if outcome == ReportOutcome.HIDDEN:
            if report.comment is not None:
                comment_set_hidden(actor=actor, comment=report.comment, hidden=True)
            else:
                item_set_hidden(actor=actor, item=report.item, hidden=True)
        report.status = ReportStatus.RESOLVED
        report.outcome = outcome
        report.resolved_by = actor
        report.resolved_at = timezone.now()
        report.save(update_fields=["status", "outcome", "resolved_by", "resolved_at"])
    return report
