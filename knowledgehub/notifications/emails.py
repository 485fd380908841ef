"""Notification and digest e-mails: absolute links, the signed one-click unsubscribe token
(RFC 8058) and sending one notification by e-mail exactly once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from knowledgehub.people.models import User

from .choices import Channel, Frequency, Period, PreferenceKind
from .models import Notification
from .preferences import digest_kinds, frequency

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "knowledgehub.notifications.unsubscribe"
DIGEST_PREFIX = "digest:"


def site_url(request: HttpRequest | None = None) -> str:
    """The site's origin: ``SITE_URL`` when set, else from the request."""
    configured = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    if configured:
        return configured
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return "http://127.0.0.1:8000"


def absolute(path: str, request: HttpRequest | None = None) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return site_url(request) + (path if path.startswith("/") else "/" + path)


# --- Unsubscribe tokens ----------------------------------------------------------------------


def unsubscribe_kinds_valid() -> set[str]:
    return set(PreferenceKind.values) | {DIGEST_PREFIX + p for p in Period.values}


def unsubscribe_token(user: User, kind: str) -> str:
    """A signed token naming a person and what to stop (a kind, or ``digest:daily|weekly``)."""
    if kind not in unsubscribe_kinds_valid():
        raise ValueError(f"unknown unsubscribe kind {kind!r}")
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT)


class BadToken(Exception):
    """Malformed or tampered (a 400)."""


class UnknownPerson(Exception):
    """Well signed but the person is gone (a 404)."""


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    try:
        data: Any = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, UnicodeError) as error:
        raise BadToken from error
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise BadToken
    kind = data.get("k")
    if kind not in unsubscribe_kinds_valid():
        raise BadToken
    user = User.objects.filter(pk=data["u"], is_active=True).first()
    if user is None:
        raise UnknownPerson
    return user, kind


def unsubscribe_url(user: User, kind: str, request: HttpRequest | None = None) -> str:
    path = reverse("notifications:unsubscribe", args=[unsubscribe_token(user, kind)])
    return absolute(path, request)


def kinds_for_unsubscribe(user: User, kind: str) -> list[str]:
    """What a token turns off: one kind, or every kind that goes in that digest."""
    if kind.startswith(DIGEST_PREFIX):
        return digest_kinds(user, kind.removeprefix(DIGEST_PREFIX))
    return [kind]


# --- Messages --------------------------------------------------------------------------------


@dataclass
class Rendered:
    subject: str
    text: str
    html: str


def build_message(*, user: User, rendered: Rendered, link: str) -> EmailMultiAlternatives:
    """A plain-text message with an HTML alternative and the RFC 8058 one-click headers
    (``link`` is the unsubscribe URL)."""
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def render_email(template: str, context: dict[str, Any]) -> Rendered:
    """Render ``notifications/email/<template>.{subject,txt,html}``."""
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": site_url(), **context}
    subject = render_to_string(f"notifications/email/{template}_subject.txt", context)
    return Rendered(
        subject=" ".join(subject.split()),
        text=render_to_string(f"notifications/email/{template}.txt", context),
        html=render_to_string(f"notifications/email/{template}.html", context),
    )


def send_notification_email(notification_id: int) -> str:
    """E-mail one notification if its recipient still wants it straight away and may still see
    what it is about. Claims it first with a conditional UPDATE, so two workers never both send.
    Returns what happened."""
    note = (
        Notification.objects.select_related("recipient", "actor", "item")
        .filter(pk=notification_id)
        .first()
    )
    if note is None:
        return "gone"
    if note.emailed_at is not None:
        return "already sent"
    person = note.recipient
    if not person.is_active or not person.email:
        return "no address"
    if frequency(person, note.verb, Channel.EMAIL) != Frequency.IMMEDIATE:
        return "not wanted"
    if note.read_at is not None:
        return "already read"
    # The one visibility rule, read now: leaving a community stops e-mails not yet sent.
    if not Notification.objects.for_user(person).filter(pk=note.pk).exists():
        return "no longer visible"
    claimed = Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return "already sent"
    link = unsubscribe_url(person, note.verb)
    rendered = render_email(
        "notification",
        {
            "user": person,
            "notification": note,
            "open_url": absolute(reverse("notifications:open", args=[note.pk])),
            "settings_url": absolute(reverse("notifications:settings")),
            "unsubscribe_url": link,
        },
    )
    try:
        build_message(user=person, rendered=rendered, link=link).send()
    except Exception:
        # Not sent: release the claim so a retry can send it.
        Notification.objects.filter(pk=note.pk).update(emailed_at=None)
        log.exception("Could not e-mail notification %s", note.pk)
        raise
    return "sent"
