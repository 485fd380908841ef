"""Who may see library documents: the one visibility rule, through every door."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgehub.communities.choices import Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.library.models import Folder
from knowledgehub.testing.factories import community_with, library_document

pytestmark = pytest.mark.django_db


def doors(document) -> list[str]:  # type: ignore[no-untyped-def]
    kw = {"slug": document.community.slug, "pk": document.pk}
    return [
        reverse("library:detail", kwargs=kw),
        reverse("library:download", kwargs=kw),
        reverse("library:version_download", kwargs={**kw, "number": 1}),
    ]


def test_secret_community_is_404_to_outsiders(client, alice, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, visibility=Visibility.SECRET)
    document = library_document(community, alice, audience="public")
    folder = Folder.objects.create(community=community, name="Hidden")
    index = reverse("library:index", kwargs={"slug": community.slug})
    folder_url = reverse("library:folder", kwargs={"slug": community.slug, "folder_id": folder.pk})
    upload = reverse("library:upload", kwargs={"slug": community.slug})
    for user in (None, carol):
        if user:
            client.force_login(user)
        for path in [index, folder_url, *doors(document)]:
            assert client.get(path).status_code == 404, path
        if user:
            assert client.get(upload).status_code == 404
            assert client.post(upload, {"title": "x"}).status_code == 404
            folder_new = reverse("library:folder_create", kwargs={"slug": community.slug})
            assert client.post(folder_new, {"name": "x"}).status_code == 404
            new_version = reverse(
                "library:version_create", kwargs={"slug": community.slug, "pk": document.pk}
            )
            assert client.post(new_version, {}).status_code == 404
    client.force_login(alice)
    for path in [index, folder_url, *doors(document)]:
        assert client.get(path).status_code == 200, path


def test_community_audience_hidden_from_non_members(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    document = library_document(community, alice, title="Members only plan")
    index = reverse("library:index", kwargs={"slug": community.slug})
    for user in (None, carol):
        client.logout()
        if user:
            client.force_login(user)
        assert "Members only plan" not in client.get(index).text
        for path in doors(document):
            assert client.get(path).status_code == 404, path
    client.force_login(bob)
    assert "Members only plan" in client.get(index).text
    for path in doors(document):
        assert client.get(path).status_code == 200, path
    document.refresh_from_db()
    assert document.download_count == 2  # the two successful downloads only


def test_former_member_loses_access(client, alice, bob):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    document = library_document(community, alice, title="Members only plan")
    client.force_login(bob)
    assert client.get(document.get_absolute_url()).status_code == 200
    Membership.objects.filter(community=community, user=bob).delete()
    index = reverse("library:index", kwargs={"slug": community.slug})
    assert "Members only plan" not in client.get(index).text
    for path in doors(document):
        assert client.get(path).status_code == 404, path


def test_anonymous_sees_only_public(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    public = library_document(community, alice, title="Public guide", audience="public")
    members = library_document(community, alice, title="Signed-in guide", audience="members")
    private = library_document(community, alice, title="My draft", audience="private")
    index = reverse("library:index", kwargs={"slug": community.slug})
    text = client.get(index).text
    assert "Public guide" in text
    assert "Signed-in guide" not in text and "My draft" not in text
    assert client.get(public.get_absolute_url()).status_code == 200
    for document in (members, private):
        for path in doors(document):
            assert client.get(path).status_code == 404


def test_private_document_only_for_its_uploader(client, alice, bob, dave):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    document = library_document(community, alice, audience="private")
    for user in (bob, dave):
        client.force_login(user)
        assert client.get(document.get_absolute_url()).status_code == 404
    client.force_login(alice)
    assert client.get(document.get_absolute_url()).status_code == 200


def test_hidden_download_does_not_count(client, alice, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    document = library_document(community, alice)
    client.force_login(carol)
    assert client.get(doors(document)[1]).status_code == 404
    document.refresh_from_db()
    assert document.download_count == 0


def test_folders_hidden_from_outsiders_of_private_community(client, alice, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, visibility=Visibility.PRIVATE)
    folder = Folder.objects.create(community=community, name="Board papers")
    client.force_login(carol)
    index = client.get(reverse("library:index", kwargs={"slug": community.slug}))
    assert index.status_code == 200 and "Board papers" not in index.text
    url = reverse("library:folder", kwargs={"slug": community.slug, "folder_id": folder.pk})
    assert client.get(url).status_code == 404


def test_files_are_not_served_from_media(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    document = library_document(community, alice)
    name = document.current_version.file.name
    assert client.get(f"/media/{name}").status_code == 404
    client.raise_request_exception = False
    assert client.get(f"/media/../private-media/library/{name}").status_code == 400
