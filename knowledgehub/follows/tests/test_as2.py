from __future__ import annotations

import json

import pytest
from django.urls import reverse

from knowledgehub.discussions.services import comment_add
from knowledgehub.follows.services import follow
from knowledgehub.testing.factories import blog_post

pytestmark = pytest.mark.django_db


def test_stream_as_activitystreams(client, alice, bob):
    follow(alice, bob)
    post = blog_post(author=bob, title="An article")
    comment_add(item=post.knowledge_item, author=bob, body="And a note")
    for n in range(25):
        blog_post(author=bob, title=f"Filler {n}")
    client.force_login(alice)
    response = client.get(reverse("follows:stream_json"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/activity+json")
    data = json.loads(response.content)
    assert data["@context"] == "https://www.w3.org/ns/activitystreams"
    assert data["type"] == "OrderedCollectionPage"
    assert data["partOf"].endswith("/follows/stream.json")
    assert "before=" in data["next"]
    first = data["orderedItems"][0]
    assert first["type"] == "Create"
    assert first["actor"] == {
        "type": "Person",
        "id": "http://testserver/people/bob/",
        "name": "Bob Brown",
        "preferredUsername": "bob",
    }
    assert first["object"]["type"] == "Article"
    assert first["object"]["url"].startswith("http://testserver/")
    next_page = json.loads(client.get(data["next"]).content)
    objects = [a["object"] for a in next_page["orderedItems"]]
    notes = [o for o in objects if o["type"] == "Note"]
    assert notes and notes[0]["inReplyTo"]["name"] == "An article"
    assert "next" not in next_page
    # The same through ?format=as2 on the HTML address.
    same = json.loads(client.get(reverse("follows:stream") + "?format=as2").content)
    assert same["orderedItems"] == data["orderedItems"]


def test_activity_id_resolves_only_for_those_who_may_see(client, alice, bob):
    post = blog_post(author=bob, title="Mine alone", audience="private")
    activity = post.knowledge_item.activities.get()
    client.force_login(alice)
    assert client.get(reverse("follows:activity", kwargs={"pk": activity.pk})).status_code == 404
    client.force_login(bob)
    response = client.get(reverse("follows:activity", kwargs={"pk": activity.pk}))
    assert response.status_code == 302


def test_bad_cursor_is_a_plain_400(client, alice):
    client.force_login(alice)
    response = client.get(reverse("follows:stream_json") + "?before=1-x")
    assert response.status_code == 400
    assert "not valid" in json.loads(response.content)["error"]
