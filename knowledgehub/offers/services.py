from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledgehub.communities.models import Community, Membership
from knowledgehub.discussions.services import can_moderate
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.history import record_revision, revisions_of
from knowledgehub.knowledge.models import Tag
from knowledgehub.knowledge.registry import index_sync
from knowledgehub.notifications.services import notify_mentions
from knowledgehub.people.models import User

from .choices import Kind, Status
from .models import OfferAsk, Response

KIND = "offer_ask"


def visible_offer_asks(viewer: User | AnonymousUser) -> QuerySet[OfferAsk]:
    """OfferAsks whose index Item the viewer may see (the one visibility door)."""
    return OfferAsk.visible_to(viewer)


def _check(
    *, author: User, kind: str, title: str, body: str, audience: str, community: Community | None
) -> None:
    if kind not in Kind.values:
        raise ValidationError(_("Choose whether this is an offer or an ask."))
    if not title.strip():
        raise ValidationError(_("Enter a title."))
    if not body.strip():
        raise ValidationError(_("Enter the details."))
    if audience not in Audience.values:
        raise ValidationError(_("Choose who can see it."))
    if audience == Audience.COMMUNITY and community is None:
        raise ValidationError(_("Choose a community, or a different audience."))
    if (
        community is not None
        and not Membership.objects.filter(community=community, user=author).exists()
    ):
        raise ValidationError(_("You can only post in communities you belong to."))


def _notify(obj: OfferAsk, actor: User) -> None:
    notify_mentions(body=obj.body, item=obj.knowledge_item, actor=actor, key=f"{KIND}:{obj.pk}")


def offer_ask_create(
    *,
    author: User,
    kind: str,
    title: str,
    body: str,
    audience: str,
    community: Community | None = None,
    tags: list[str] | None = None,
    is_demo: bool = False,
) -> OfferAsk:
    title = title.strip()
    _check(author=author, kind=kind, title=title, body=body, audience=audience, community=community)
    with transaction.atomic():
        obj = OfferAsk(
            author=author,
            kind=kind,
            title=title,
            body=body,
            audience=audience,
            community=community,
            is_demo=is_demo,
        )
        obj.save()
        if tags:
            obj.tags.set(Tag.objects.get_or_create_many(tags))
            index_sync(obj)
        record_revision(obj, editor=author, title=title, body=body)
        _notify(obj, author)
    return obj


def offer_ask_edit(
    *,
    offer_ask: OfferAsk,
    editor: User,
    kind: str,
    title: str,
    body: str,
    audience: str,
    community: Community | None = None,
    tags: list[str] | None = None,
) -> OfferAsk:
    """Change an offer or ask (its author only): re-indexes it, records a revision and notifies
    anyone newly @mentioned who can see it."""
    if offer_ask.author_id != editor.pk:
        raise ValidationError(_("Only the person who posted this can edit it."))
    title = title.strip()
    _check(author=editor, kind=kind, title=title, body=body, audience=audience, community=community)
    with transaction.atomic():
        obj = OfferAsk.objects.select_for_update().get(pk=offer_ask.pk)
        if not revisions_of(obj).exists():  # posted before history was kept: keep the original
            record_revision(obj, editor=obj.author, title=obj.title, body=obj.body, note="Original")
        obj.kind = kind
        obj.title = title
        obj.body = body
        obj.audience = audience
        obj.community = community
        obj.save()
        obj.tags.set(Tag.objects.get_or_create_many(tags or []))
        index_sync(obj)
        record_revision(obj, editor=editor, title=title, body=body)
        _notify(obj, editor)
    return obj


def can_delete_offer_ask(user: User | AnonymousUser, offer_ask: OfferAsk) -> bool:
    """Its author, the facilitators and owner of its community, and site admins."""
    if not user.is_authenticated:
        return False
    if offer_ask.author_id == user.pk:
        return True
    item = offer_ask.knowledge_item
    return item is not None and can_moderate(user, item)


def offer_ask_delete(*, offer_ask: OfferAsk) -> None:
    """Delete it with its responses, index entry and edit history."""
    offer_ask.delete()


def response_add(*, offer_ask: OfferAsk, author: User, body: str) -> Response:
    if offer_ask.author_id == author.pk:
        raise ValidationError(_("You cannot respond to your own offer or ask."))
    if offer_ask.status != Status.OPEN:
        raise ValidationError(_("This is no longer open for responses."))
    if not body.strip():
        raise ValidationError(_("Enter your response."))
    with transaction.atomic():
        response = Response.objects.create(offer_ask=offer_ask, author=author, body=body)
        notify_mentions(
            body=body,
            item=offer_ask.knowledge_item,
            actor=author,
            key=f"offer_response:{response.pk}",
            url=f"{offer_ask.get_absolute_url()}#{response.anchor}",
        )
    return response


def offer_ask_mark_met(
    *, offer_ask: OfferAsk, asker: User, helper: User, thanks: str = ""
) -> OfferAsk:
    """Record that ``helper`` (one of the responders) met this offer or ask, with thanks."""
    if offer_ask.author_id != asker.pk:
        raise ValidationError(_("Only the person who posted this can mark it as met."))
    if offer_ask.status != Status.OPEN:
        raise ValidationError(_("This is no longer open."))
    if not offer_ask.responses.filter(author=helper).exists():
        raise ValidationError(_("Choose someone who responded."))
    offer_ask.status = Status.MET
    offer_ask.met_at = timezone.now()
    offer_ask.thanked_helper = helper
    offer_ask.thanks = thanks
    offer_ask.save()  # re-indexes: the summary now says it was met
    return offer_ask


def offer_ask_close(*, offer_ask: OfferAsk, user: User) -> OfferAsk:
    if offer_ask.author_id != user.pk:
        raise ValidationError(_("Only the person who posted this can close it."))
    if offer_ask.status != Status.OPEN:
        raise ValidationError(_("This is no longer open."))
    offer_ask.status = Status.CLOSED
    offer_ask.save()  # re-indexes: the summary now says it is closed
    return offer_ask


def offer_ask_reopen(*, offer_ask: OfferAsk, user: User) -> OfferAsk:
    """Open a closed offer or ask again (one that was met stays met, with its thanks)."""
    if offer_ask.author_id != user.pk:
        raise ValidationError(_("Only the person who posted this can reopen it."))
    if offer_ask.status != Status.CLOSED:
        raise ValidationError(_("Only something closed can be reopened."))
    offer_ask.status = Status.OPEN
    offer_ask.save()
    return offer_ask


@dataclass
class Reciprocity:
    given: list[OfferAsk] = field(default_factory=list)
    received: list[OfferAsk] = field(default_factory=list)

    @property
    def given_count(self) -> int:
        return len(self.given)

    @property
    def received_count(self) -> int:
        return len(self.received)


def reciprocity_for(person: User, viewer: User | AnonymousUser) -> Reciprocity:
    """What ``person`` has given (helped with, and was thanked for) and received (their own
    offers and asks marked met), counting only items the viewer may see."""
    visible = (
        visible_offer_asks(viewer)
        .filter(status=Status.MET)
        .select_related("author", "thanked_helper")
    )
    return Reciprocity(
        given=list(visible.filter(thanked_helper=person).order_by("-met_at")),
        received=list(visible.filter(author=person).order_by("-met_at")),
    )
