"""The inbox: a Follow signed by a remote server's key (served from a local 127.0.0.1 actor) is
verified, stored and answered with a signed Accept delivered to the remote inbox; bad
signatures, stale dates, tampered bodies, bad JSON and oversized bodies are refused."""

from __future__ import annotations

import json
from email.utils import formatdate
from typing import Any

import pytest
from django.test import Client

from knowledgehub.federation.models import Delivery, Follower, RemoteActor

from .helpers import Remote, new_key, signed_headers, verify_received

pytestmark = pytest.mark.django_db
INBOX = "/ap/communities/waste-crews/inbox"


def actor_doc(client: Client, path: str) -> dict[str, Any]:
    return json.loads(client.get(path, headers={"Accept": "application/activity+json"}).content)


def follow(remote: Remote, target: str) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": remote.url("/follows/1"),
        "type": "Follow",
        "actor": remote.actor_id,
        "object": target,
    }


def post(client: Client, path: str, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(path, data=body, content_type="application/activity+json", headers=headers)


def test_follow_is_verified_stored_and_accepted(
    client, remote, open_community, django_capture_on_commit_callbacks
) -> None:
    community = actor_doc(client, "/ap/communities/waste-crews")
    body = json.dumps(follow(remote, community["id"])).encode()
    headers = signed_headers(key=remote.key, key_id=remote.key_id, path=INBOX, body=body)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, INBOX, body, headers)
    assert response.status_code == 202
    follower = Follower.objects.get()
    assert follower.remote.uri == remote.actor_id
    assert follower.remote.shared_inbox == remote.url("/inbox")
    # The Accept went to the follower's own inbox, signed with the community's key.
    accepts = remote.posts("/users/remy/inbox")
    assert len(accepts) == 1
    accept = accepts[0].json()
    assert accept["type"] == "Accept" and accept["actor"] == community["id"]
    assert accept["object"]["id"] == remote.url("/follows/1")
    assert accepts[0].headers["content-type"] == "application/activity+json"
    params = verify_received(accepts[0], community["publicKey"]["publicKeyPem"])
    assert params["keyId"] == community["publicKey"]["id"]
    assert Delivery.objects.get().status == "delivered"

    # Undo removes the follower.
    undo = {
        "id": remote.url("/undo/1"),
        "type": "Undo",
        "actor": remote.actor_id,
        "object": follow(remote, community["id"]),
    }
    body = json.dumps(undo).encode()
    headers = signed_headers(key=remote.key, key_id=remote.key_id, path=INBOX, body=body)
    assert post(client, INBOX, body, headers).status_code == 202
    assert not Follower.objects.exists()


def test_follow_a_person_through_the_shared_inbox(
    client, remote, opted_in, django_capture_on_commit_callbacks
) -> None:
    person = actor_doc(client, "/ap/people/alice")
    body = json.dumps(follow(remote, person["id"])).encode()
    headers = signed_headers(key=remote.key, key_id=remote.key_id, path="/ap/inbox", body=body)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, "/ap/inbox", body, headers).status_code == 202
    assert Follower.objects.get().local_id == opted_in.pk
    assert len(remote.posts("/users/remy/inbox")) == 1


def _refused(client: Client, body: bytes, headers: dict[str, str]) -> int:
    status = post(client, INBOX, body, headers).status_code
    assert not Follower.objects.exists()
    return int(status)


def test_tampered_body_is_refused(client, remote, open_community) -> None:
    target = actor_doc(client, "/ap/communities/waste-crews")["id"]
    body = json.dumps(follow(remote, target)).encode()
    headers = signed_headers(key=remote.key, key_id=remote.key_id, path=INBOX, body=body)
    tampered = body.replace(b"/follows/1", b"/follows/2")
    assert _refused(client, tampered, headers) == 401
    # Even with a digest recomputed for the new body the signature no longer matches.
    import base64
    import hashlib

    headers["Digest"] = "SHA-256=" + base64.b64encode(hashlib.sha256(tampered).digest()).decode()
    assert _refused(client, tampered, headers) == 401


def test_wrong_key_is_refused(client, remote, open_community) -> None:
    target = actor_doc(client, "/ap/communities/waste-crews")["id"]
    body = json.dumps(follow(remote, target)).encode()
    headers = signed_headers(key=new_key(), key_id=remote.key_id, path=INBOX, body=body)
    assert _refused(client, body, headers) == 401


def test_stale_date_is_refused(client, remote, open_community) -> None:
    target = actor_doc(client, "/ap/communities/waste-crews")["id"]
    body = json.dumps(follow(remote, target)).encode()
    old = formatdate(timeval=__import__("time").time() - 13 * 3600, usegmt=True)
    headers = signed_headers(key=remote.key, key_id=remote.key_id, path=INBOX, body=body, date=old)
    assert _refused(client, body, headers) == 401


def test_signed_for_another_path_or_host_is_refused(client, remote, open_community) -> None:
    target = actor_doc(client, "/ap/communities/waste-crews")["id"]
    body = json.dumps(follow(remote, target)).encode()
    other_path = signed_headers(key=remote.key, key_id=remote.key_id, path="/ap/inbox", body=body)
    assert _refused(client, body, other_path) == 401
    other_host = signed_headers(
        key=remote.key, key_id=remote.key_id, path=INBOX, body=body, host="evil.example"
    )
    other_host["Host"] = "testserver"
    assert _refused(client, body, other_host) == 401


def test_activity_for_someone_else_is_refused(client, remote, open_community) -> None:
    target = actor_doc(client, "/ap/communities/waste-crews")["id"]
    activity = {**follow(remote, target), "actor": "https://social.example/users/victim"}
    body = json.dumps(activity).encode()
    headers = signed_headers(key=remote.key, key_id=remote.key_id, path=INBOX, body=body)
    assert _refused(client, body, headers) == 401


def test_unsigned_bad_json_and_big_bodies(client, remote, open_community) -> None:
    assert _refused(client, b'{"type": "Follow"}', {}) == 401
    body = b"{not json"
    headers = signed_headers(key=remote.key, key_id=remote.key_id, path=INBOX, body=body)
    assert _refused(client, body, headers) == 400
    big = b'{"x": "' + b"a" * (1024 * 1024) + b'"}'
    assert _refused(client, big, {}) == 413
    assert client.get(INBOX).status_code == 405
    # A key that cannot be fetched is a 401, not a 500.
    body = json.dumps({"type": "Follow", "actor": remote.url("/nobody")}).encode()
    headers = signed_headers(key=remote.key, key_id=remote.url("/nobody#k"), path=INBOX, body=body)
    assert _refused(client, body, headers) == 401


def test_other_activities_are_ignored(client, remote, open_community) -> None:
    body = json.dumps(
        {"id": remote.url("/like/1"), "type": "Like", "actor": remote.actor_id, "object": "x"}
    ).encode()
    headers = signed_headers(key=remote.key, key_id=remote.key_id, path=INBOX, body=body)
    assert post(client, INBOX, body, headers).status_code == 202
    assert RemoteActor.objects.get().uri == remote.actor_id  # its key is cached


def test_inbox_of_a_non_federated_actor_is_404(client, remote, alice) -> None:
    body = b"{}"
    headers = signed_headers(key=remote.key, key_id=remote.key_id, path=INBOX, body=body)
    assert post(client, "/ap/people/alice/inbox", body, headers).status_code == 404


def test_a_server_cannot_speak_for_another_servers_actor(client, remote, open_community) -> None:
    target = actor_doc(client, "/ap/communities/waste-crews")["id"]
    activity = {**follow(remote, target), "actor": "https://social.example/users/victim"}
    body = json.dumps(activity).encode()
    key_id = remote.url("/impostor#main-key")
    headers = signed_headers(key=remote.key, key_id=key_id, path=INBOX, body=body)
    assert _refused(client, body, headers) == 401
    assert not RemoteActor.objects.exists()
