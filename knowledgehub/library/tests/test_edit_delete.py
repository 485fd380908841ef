"""Changing and deleting documents and folders: who may, what happens to the files, and clear
errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse

from knowledgehub.communities.choices import Role, Visibility
from knowledgehub.communities.models import Membership
from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.history import revisions_of
from knowledgehub.knowledge.models import Item
from knowledgehub.library.models import Document, DocumentVersion, Folder
from knowledgehub.library.services import document_add_version, document_delete
from knowledgehub.testing.factories import UserFactory, community_with, library_document

from . import files

pytestmark = pytest.mark.django_db


def _url(name: str, document: Document) -> str:
    return reverse(f"library:{name}", kwargs={"slug": document.community.slug, "pk": document.pk})


def _form(document: Document, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": document.title,
        "description": document.description,
        "folder": document.folder_id or "",
        "tags": "",
        "audience": document.audience,
    }
    data.update(changes)
    return data


# --- edit ---------------------------------------------------------------------------------------


def test_uploader_changes_the_details(client, alice, bob):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    folder = Folder.objects.create(community=community, name="Minutes")
    document = library_document(community, bob, title="Old title")
    client.force_login(bob)
    page = client.get(document.get_absolute_url()).text
    assert _url("edit", document) in page
    assert client.get(_url("edit", document)).status_code == 200
    response = client.post(
        _url("edit", document),
        _form(
            document,
            title="New title",
            description="Agreed **actions**",
            folder=folder.pk,
            tags="Waste, recycling",
            audience=Audience.PUBLIC,
        ),
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.title == "New title"
    assert document.folder == folder
    assert document.audience == Audience.PUBLIC
    assert sorted(t.name for t in document.tags.all()) == ["Waste", "recycling"]
    item = Item.objects.get(object_id=document.pk, kind="library_document")
    assert item.title == "New title" and item.audience == Audience.PUBLIC
    assert sorted(item.tags.values_list("slug", flat=True)) == ["recycling", "waste"]
    page = client.get(document.get_absolute_url()).text
    assert "<strong>actions</strong>" in page  # the description is Markdown now
    assert reverse("tag", args=["waste"]) in page


def test_tags_show_on_the_tag_page_by_visibility(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    library_document(community, alice, title="Members plan", tags=["Waste"])
    library_document(community, alice, title="Open plan", tags=["Waste"], audience="public")
    tag_page = reverse("tag", args=["waste"])
    client.force_login(bob)
    page = client.get(tag_page).text
    assert "Members plan" in page and "Open plan" in page
    client.force_login(carol)
    page = client.get(tag_page).text
    assert "Members plan" not in page and "Open plan" in page


def test_revisions_are_recorded_and_linked(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    document = library_document(community, alice, title="Plan", description="First")
    client.force_login(alice)
    client.post(_url("edit", document), _form(document, description="Second"))
    client.post(_url("edit", document), _form(document, description="Second"))  # no change
    revisions = list(revisions_of(document).order_by("number"))
    assert [(r.number, r.body) for r in revisions] == [(1, "First"), (2, "Second")]
    assert revisions[1].editor == alice
    item = document.knowledge_item
    history = reverse("item_history", args=[item.pk])
    assert history in client.get(document.get_absolute_url()).text
    assert client.get(history).status_code == 200
    diff = client.get(reverse("item_diff", args=[item.pk]), {"from": 1, "to": 2})
    assert diff.status_code == 200 and "Second" in diff.text


def test_a_facilitator_may_edit_but_another_member_may_not(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, facilitators=(carol,), members=(bob,))
    document = library_document(community, alice, title="Plan")
    client.force_login(bob)
    assert _url("edit", document) not in client.get(document.get_absolute_url()).text
    assert client.get(_url("edit", document)).status_code == 403
    assert client.post(_url("edit", document), _form(document, title="Hacked")).status_code == 403
    client.force_login(carol)
    assert client.post(_url("edit", document), _form(document, title="Tidied")).status_code == 302
    document.refresh_from_db()
    assert document.title == "Tidied"


def test_outsider_gets_404_and_former_member_loses_the_right(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    members_only = library_document(community, alice, title="Members only")
    public = library_document(community, bob, title="Open", audience="public")
    own = library_document(community, bob, title="His own")
    client.force_login(carol)
    for name in ("edit", "delete"):
        assert client.get(_url(name, members_only)).status_code == 404
        assert client.post(_url(name, members_only), _form(members_only)).status_code == 404
    client.force_login(bob)
    assert client.get(_url("edit", public)).status_code == 200
    Membership.objects.filter(community=community, user=bob).delete()
    assert client.get(_url("edit", members_only)).status_code == 404
    # Authors still see their own items, but may no longer change them.
    assert client.get(_url("edit", public)).status_code == 403
    assert client.get(_url("edit", own)).status_code == 403
    assert client.post(_url("delete", public)).status_code == 403
    assert Document.objects.filter(pk=public.pk).exists()


def test_secret_community_documents_are_404_to_outsiders(client, alice, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, visibility=Visibility.SECRET)
    document = library_document(community, alice, audience="public")
    client.force_login(carol)
    for name in ("edit", "delete"):
        assert client.get(_url(name, document)).status_code == 404
        assert client.post(_url(name, document)).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "   "}, "title", "Enter a title"),
        ({"audience": "everyone"}, "audience", "Select a valid choice"),
        ({"folder": "999999"}, "folder", "Select a valid choice"),
        ({"tags": ", ".join(f"t{i}" for i in range(25))}, "tags", "Enter 20 topics or fewer"),
        ({"tags": "x" * 61}, "tags", "60 characters or fewer"),
        ({"description": "x" * 5001}, "description", "at most 5000 characters"),
    ],
)
def test_bad_input_gives_clear_errors(client, alice, changes, field, message):  # type: ignore[no-untyped-def]
    document = library_document(community_with(alice), alice, title="Plan")
    client.force_login(alice)
    response = client.post(_url("edit", document), _form(document, **changes))
    assert response.status_code == 200
    assert message in response.text
    assert f"#id_{field}" in response.text  # the error summary links to the field
    document.refresh_from_db()
    assert document.title == "Plan"


def test_folder_of_another_community_is_refused(client, alice):  # type: ignore[no-untyped-def]
    document = library_document(community_with(alice), alice)
    elsewhere = Folder.objects.create(community=community_with(alice), name="Elsewhere")
    client.force_login(alice)
    response = client.post(_url("edit", document), _form(document, folder=elsewhere.pk))
    assert response.status_code == 200 and "Select a valid choice" in response.text
    document.refresh_from_db()
    assert document.folder is None


def test_upload_with_tags(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    client.force_login(alice)
    response = client.post(
        reverse("library:upload", kwargs={"slug": community.slug}),
        {
            "title": "Budget",
            "description": "",
            "tags": "Finance",
            "audience": "public",
            "file": files.upload("budget.txt", b"Budget lines\n"),
        },
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert [t.name for t in document.tags.all()] == ["Finance"]
    assert revisions_of(document).count() == 1
    assert "Budget" in client.get(reverse("tag", args=["finance"])).text


# --- delete -------------------------------------------------------------------------------------


def test_delete_asks_first_then_removes_every_version_file(
    client, alice, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    document = library_document(community, alice, title="Old minutes", description="Text")
    document_add_version(
        document=document, uploaded_by=alice, upload=files.upload("v2.txt", b"Version two\n")
    )
    paths = [Path(v.file.path) for v in document.versions.all()]
    assert len(paths) == 2 and all(p.exists() for p in paths)
    client.force_login(alice)
    confirm = client.get(_url("delete", document))
    assert confirm.status_code == 200
    assert "all 2 file versions" in confirm.text
    assert Document.objects.filter(pk=document.pk).exists()  # a GET deletes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("delete", document))
    assert response.status_code == 302
    assert response.url == reverse("library:index", kwargs={"slug": community.slug})
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not DocumentVersion.objects.exists()
    assert not Item.objects.filter(kind="library_document").exists()
    assert not revisions_of(document).exists()
    assert not any(p.exists() for p in paths)


def test_files_stay_when_the_delete_is_rolled_back(alice):  # type: ignore[no-untyped-def]
    document = library_document(community_with(alice), alice)
    pk, path = document.pk, Path(document.current_version.file.path)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        document_delete(document=document)
        raise Boom
    assert Document.objects.filter(pk=pk).exists()
    assert path.exists()


def test_who_may_delete(client, alice, bob, carol, dave):  # type: ignore[no-untyped-def]
    community = community_with(alice, facilitators=(carol,), members=(bob,))
    owner_doc = library_document(community, alice, title="A", audience="public")
    client.force_login(bob)  # a member, not the uploader
    assert _url("delete", owner_doc) not in client.get(owner_doc.get_absolute_url()).text
    assert client.get(_url("delete", owner_doc)).status_code == 403
    assert client.post(_url("delete", owner_doc)).status_code == 403
    assert Document.objects.filter(pk=owner_doc.pk).exists()
    for who in (alice, carol, dave):  # uploader (owner), facilitator, site admin
        document = library_document(community, bob, title=f"By bob for {who}", audience="public")
        client.force_login(who)
        assert _url("delete", document) in client.get(document.get_absolute_url()).text
        assert client.post(_url("delete", document)).status_code == 302
        assert not Document.objects.filter(pk=document.pk).exists()
    # The site admin may delete but not edit another person's document.
    document = library_document(community, bob, title="Kept", audience="public")
    client.force_login(dave)
    assert client.get(_url("edit", document)).status_code == 403


def test_delete_from_a_folder_goes_back_to_the_folder(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    folder = Folder.objects.create(community=community, name="Minutes")
    document = library_document(community, alice, folder=folder)
    client.force_login(alice)
    response = client.post(_url("delete", document))
    assert response.url == folder.get_absolute_url()


# --- folders -------------------------------------------------------------------------------------


def _folder_url(name: str, folder: Folder) -> str:
    return reverse(
        f"library:folder_{name}", kwargs={"slug": folder.community.slug, "folder_id": folder.pk}
    )


def test_facilitator_renames_and_moves_a_folder(client, alice, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, facilitators=(carol,))
    top = Folder.objects.create(community=community, name="Top")
    folder = Folder.objects.create(community=community, name="Old")
    client.force_login(carol)
    page = client.get(folder.get_absolute_url()).text
    assert _folder_url("edit", folder) in page and _folder_url("delete", folder) in page
    form = client.get(_folder_url("edit", folder))
    assert form.status_code == 200 and 'value="Old"' in form.text
    response = client.post(_folder_url("edit", folder), {"name": "  New   name ", "parent": top.pk})
    assert response.status_code == 302
    folder.refresh_from_db()
    assert folder.name == "New name" and folder.parent == top


def test_a_folder_cannot_go_inside_itself(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    top = Folder.objects.create(community=community, name="Top")
    child = Folder.objects.create(community=community, name="Child", parent=top)
    client.force_login(alice)
    for parent in (top, child):
        response = client.post(_folder_url("edit", top), {"name": "Top", "parent": parent.pk})
        assert response.status_code == 200
        assert "Select a valid choice" in response.text
    response = client.post(_folder_url("edit", top), {"name": "  ", "parent": ""})
    assert response.status_code == 200 and "Enter a folder name" in response.text
    top.refresh_from_db()
    assert top.parent is None and top.name == "Top"


def test_only_facilitators_change_folders(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    folder = Folder.objects.create(community=community, name="Keep")
    client.force_login(bob)
    assert _folder_url("edit", folder) not in client.get(folder.get_absolute_url()).text
    assert client.get(_folder_url("edit", folder)).status_code == 403
    assert client.post(_folder_url("edit", folder), {"name": "Mine"}).status_code == 403
    assert client.post(_folder_url("delete", folder)).status_code == 403
    secret = community_with(alice, visibility=Visibility.SECRET)
    hidden = Folder.objects.create(community=secret, name="Hidden")
    client.force_login(carol)
    assert client.get(_folder_url("edit", hidden)).status_code == 404
    assert client.post(_folder_url("delete", hidden)).status_code == 404
    assert Folder.objects.filter(name="Keep").exists() and Folder.objects.filter(pk=hidden.pk)


def test_a_folder_with_contents_is_not_deleted(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    folder = Folder.objects.create(community=community, name="Full")
    Folder.objects.create(community=community, name="Inner", parent=folder)
    library_document(community, alice, folder=folder)
    library_document(community, alice, folder=folder, title="Second")
    client.force_login(alice)
    page = client.get(_folder_url("delete", folder))
    assert page.status_code == 200
    assert "Move the 2 documents in it" in page.text
    assert "Move the 1 folder inside it" in page.text
    response = client.post(_folder_url("delete", folder))
    assert response.status_code == 400
    assert "The folder is not empty" in response.text
    assert Folder.objects.filter(pk=folder.pk).exists()
    assert Document.objects.filter(folder=folder).count() == 2


def test_an_empty_folder_is_deleted(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    parent = Folder.objects.create(community=community, name="Parent")
    folder = Folder.objects.create(community=community, name="Empty", parent=parent)
    client.force_login(alice)
    assert "The folder is empty" in client.get(_folder_url("delete", folder)).text
    response = client.post(_folder_url("delete", folder))
    assert response.status_code == 302 and response.url == parent.get_absolute_url()
    assert not Folder.objects.filter(pk=folder.pk).exists()


# --- mentions ------------------------------------------------------------------------------------


def test_mentions_notify_members_only_once(client, alice, bob, carol):  # type: ignore[no-untyped-def]
    from knowledgehub.notifications.models import Notification

    community = community_with(alice, members=(bob,))
    client.force_login(alice)
    client.post(
        reverse("library:upload", kwargs={"slug": community.slug}),
        {
            "title": "Plan",
            "description": "Please check, @bob and @carol.",
            "audience": Audience.COMMUNITY,
            "file": files.upload("plan.txt", b"Plan\n"),
        },
    )
    document = Document.objects.get()
    notified = Notification.objects.filter(key=f"document:{document.pk}")
    assert list(notified.values_list("recipient__username", flat=True)) == ["bob"]
    assert notified.get().url == document.get_absolute_url()
    page = client.get(document.get_absolute_url()).text
    assert '<a class="govuk-link" href="/people/bob/">@bob</a>' in page
    client.post(
        _url("edit", document),
        _form(document, description="Please check, @bob and @carol. Thanks."),
    )
    assert notified.count() == 1  # the same text does not notify twice


def test_a_newly_added_member_mentioned_in_an_edit_is_told(client, alice, bob):  # type: ignore[no-untyped-def]
    from knowledgehub.notifications.models import Notification

    community = community_with(alice)
    document = library_document(community, alice, description="For @bob")
    assert not Notification.objects.exists()  # bob is not a member: cannot see it
    UserFactory(username="erin")  # a person, but not a member
    Membership.objects.create(community=community, user=bob, role=Role.MEMBER)
    client.force_login(alice)
    client.post(_url("edit", document), _form(document, description="For @bob and @erin"))
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["bob"]
