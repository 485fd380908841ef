"""Writes that touch the outside world: verifying incoming activities, following, and signed
deliveries. Every outbound request goes through ``knowledgehub.lib.safehttp``."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from knowledgehub.lib import safehttp

from . import actors
from .activities import Document, accept_activity, create_activity
from .actors import LocalActor
from .choices import DeliveryStatus
from .constants import (
    ACTIVITY_JSON,
    DELIVERY_BACKOFF_BASE,
    DELIVERY_BACKOFF_CAP,
    DELIVERY_LEASE,
    DELIVERY_MAX_ATTEMPTS,
    LD_JSON_AS,
    REMOTE_ACTOR_MAX_BYTES,
    REMOTE_KEY_TTL,
)
from .models import Delivery, Follower, RemoteActor
from .signatures import SignatureError, parse_signature, sign, verify

logger = logging.getLogger(__name__)


class RemoteActorError(Exception):
    """The remote actor could not be fetched or understood."""


def _url(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id", "")
    if isinstance(value, list) and value:
        return _url(value[0])
    text = value if isinstance(value, str) else ""
    return text if text.startswith(("https://", "http://")) else ""


def _public_key(doc: Mapping[str, Any], key_id: str) -> tuple[str, str]:
    """(key id, PEM) of the key ``key_id`` in an actor document."""
    keys = doc.get("publicKey")
    for key in keys if isinstance(keys, list) else [keys]:
        if not isinstance(key, dict) or not isinstance(key.get("publicKeyPem"), str):
            continue
        owner = _url(key.get("owner"))
        if key.get("id") == key_id and (not owner or owner == doc.get("id")):
            return key_id, key["publicKeyPem"]
    raise RemoteActorError("the actor document has no such public key")


def remote_actor_fetch(key_id: str) -> RemoteActor:
    """Fetch the actor that owns ``key_id`` (the URL without its fragment) and cache it."""
    url = key_id.split("#", 1)[0]
    try:
        response = safehttp.fetch(
            url,
            headers={"Accept": f"{ACTIVITY_JSON}, {LD_JSON_AS}"},
            max_bytes=REMOTE_ACTOR_MAX_BYTES,
        )
    except safehttp.FetchError as exc:
        raise RemoteActorError(exc.message) from exc
    if response.status != 200:
        raise RemoteActorError(f"the actor document answered {response.status}")
    try:
        doc = json.loads(response.content)
    except ValueError as exc:
        raise RemoteActorError("the actor document is not JSON") from exc
    if not isinstance(doc, dict):
        raise RemoteActorError("the actor document is not a JSON object")
    uri = _url(doc.get("id"))
    inbox = _url(doc.get("inbox"))
    if not uri or not inbox:
        raise RemoteActorError("the actor document has no id or inbox")
    # A server speaks only for its own actors: the document's id must be on the host it was
    # fetched from (after redirects), or anyone could claim another server's actor and key.
    origin = urlsplit(response.url).netloc.lower()
    if urlsplit(uri).netloc.lower() != origin or urlsplit(url).netloc.lower() != origin:
        raise RemoteActorError("the actor document is not from the actor's own server")
    found_key_id, pem = _public_key(doc, key_id)
    endpoints = doc.get("endpoints")
    shared = _url(endpoints.get("sharedInbox")) if isinstance(endpoints, dict) else ""
    values = {
        "key_id": found_key_id[:1000],
        "public_key_pem": pem,
        "inbox": inbox[:1000],
        "shared_inbox": shared[:1000],
        "preferred_username": str(doc.get("preferredUsername", ""))[:200],
        "fetched_at": timezone.now(),
    }
    remote, _ = RemoteActor.objects.update_or_create(uri=uri[:1000], defaults=values)
    return remote


def _cached(key_id: str) -> RemoteActor | None:
    fresh = timezone.now() - timedelta(seconds=REMOTE_KEY_TTL)
    return RemoteActor.objects.filter(key_id=key_id, fetched_at__gte=fresh).first()


def request_verify(
    *, method: str, request_target: str, headers: Mapping[str, str], body: bytes
) -> RemoteActor:
    """Verify a signed incoming request; the remote actor that signed it. Raises SignatureError.
    A cached key that fails is refetched once (the sender may have rotated it)."""
    value = headers.get("signature") or headers.get("authorization", "")
    params = parse_signature(value)
    remote = _cached(params.key_id)
    tried_fresh = False
    if remote is None:
        try:
            remote = remote_actor_fetch(params.key_id)
        except RemoteActorError as exc:
            raise SignatureError(f"the signing key could not be fetched: {exc}") from exc
        tried_fresh = True
    try:
        verify(
            method=method,
            request_target=request_target,
            headers=headers,
            body=body,
            public_key_pem=remote.public_key_pem,
            params=params,
        )
    except SignatureError:
        if tried_fresh:
            raise
        try:
            remote = remote_actor_fetch(params.key_id)
        except RemoteActorError as exc:
            raise SignatureError(f"the signing key could not be fetched: {exc}") from exc
        verify(
            method=method,
            request_target=request_target,
            headers=headers,
            body=body,
            public_key_pem=remote.public_key_pem,
            params=params,
        )
    return remote


def follower_add(*, actor: LocalActor, remote: RemoteActor, follow: Document) -> Delivery:
    """Record the follow (again, harmlessly, if repeated) and queue a signed Accept."""
    follow_id = _url(follow.get("id"))[:1000]
    Follower.objects.update_or_create(
        kind=actor.kind,
        local_id=actor.local_id,
        remote=remote,
        defaults={"follow_activity_id": follow_id},
    )
    accept = accept_activity(actor, follow)
    delivery = delivery_create(actor=actor, activity=accept, inbox=remote.inbox)
    return delivery


def follower_remove(*, actor: LocalActor, remote: RemoteActor) -> int:
    deleted, _ = Follower.objects.filter(
        kind=actor.kind, local_id=actor.local_id, remote=remote
    ).delete()
    return deleted


def delivery_create(*, actor: LocalActor, activity: Document, inbox: str) -> Delivery:
    """One Delivery row per (activity, inbox); an existing one is returned unchanged."""
    try:
        with transaction.atomic():
            return Delivery.objects.create(
                activity_id=activity["id"],
                inbox=inbox,
                kind=actor.kind,
                local_id=actor.local_id,
                payload=activity,
            )
    except IntegrityError:
        return Delivery.objects.get(activity_id=activity["id"], inbox=inbox)


def deliveries_for_item(item_id: int) -> list[int]:
    """Create the deliveries of a new public item to every follower inbox of every actor that
    publishes it (shared inboxes once per actor); the ids of rows still to send."""
    item, local_actors = actors.actors_for_item(item_id)
    if item is None:
        return []
    ids: list[int] = []
    for actor in local_actors:
        inboxes = sorted(
            {
                follower.remote.delivery_inbox
                for follower in Follower.objects.filter(
                    kind=actor.kind, local_id=actor.local_id
                ).select_related("remote")
            }
        )
        if not inboxes:
            continue
        activity = create_activity(actor, item)
        for inbox in inboxes:
            delivery = delivery_create(actor=actor, activity=activity, inbox=inbox)
            if delivery.status == DeliveryStatus.PENDING:
                ids.append(delivery.pk)
    return ids


def _backoff(attempts: int) -> timedelta:
    return timedelta(
        seconds=min(DELIVERY_BACKOFF_BASE * 2 ** max(attempts - 1, 0), DELIVERY_BACKOFF_CAP)
    )


def delivery_send(delivery_id: int) -> str:
    """Send one delivery if it is due; returns its status afterwards. Safe to run twice: a
    conditional UPDATE claims the row (a lease), so two workers never send it at once."""
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + timedelta(seconds=DELIVERY_LEASE), attempts=F("attempts") + 1)
    if not claimed:
        row = Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first()
        return str(row or "missing")
    delivery = Delivery.objects.get(pk=delivery_id)
    actor = actors.find(delivery.kind, delivery.local_id)
    if actor is None:
        # No longer federated (made private, opted out): never send what it queued.
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED, last_error="The actor is no longer federated"
        )
        return DeliveryStatus.FAILED
    body = json.dumps(delivery.payload, separators=(",", ":")).encode("utf-8")
    error = ""
    retry = True
    try:
        key = actor.key()
        headers = sign(
            method="POST",
            url=delivery.inbox,
            body=body,
            private_key_pem=key.private_key_pem,
            key_id=actor.key_id,
        )
        headers.pop("Host")  # safehttp sets the same Host itself
        headers["Content-Type"] = ACTIVITY_JSON
        headers["Accept"] = ACTIVITY_JSON
        response = safehttp.send(
            "POST", delivery.inbox, body=body, headers=headers, max_bytes=65536
        )
        if 200 <= response.status < 300:
            Delivery.objects.filter(pk=delivery_id).update(
                status=DeliveryStatus.DELIVERED, delivered_at=timezone.now(), last_error=""
            )
            return DeliveryStatus.DELIVERED
        error = f"The inbox answered {response.status}"
        retry = response.status >= 500 or response.status in (408, 429)
    except safehttp.FetchRefused as exc:
        error, retry = exc.message, False
    except safehttp.FetchError as exc:
        error = exc.message
    attempts = delivery.attempts
    if not retry or attempts >= DELIVERY_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.FAILED, last_error=error[:500]
        )
        return DeliveryStatus.FAILED
    Delivery.objects.filter(pk=delivery_id).update(
        next_attempt_at=timezone.now() + _backoff(attempts), last_error=error[:500]
    )
    return DeliveryStatus.PENDING


def due_delivery_ids(limit: int = 500) -> list[int]:
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
