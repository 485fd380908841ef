"""Files attached to posts: checked by content, stored privately, downloaded behind visibility."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from knowledgehub.blogs.choices import Status
from knowledgehub.blogs.models import Attachment
from knowledgehub.blogs.services import post_create
from knowledgehub.communities.services import community_leave
from knowledgehub.knowledge.choices import Audience
from knowledgehub.lib.upload_handlers import TooLargeUpload

from . import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(alice, community):  # type: ignore[no-untyped-def]
    return post_create(
        author=alice,
        title="With files",
        body="See the files",
        audience=Audience.COMMUNITY,
        community=community,
    )


def _add(client, post, upload):  # type: ignore[no-untyped-def]
    return client.post(post.get_attachment_add_url(), {"file": upload})


def test_author_adds_a_file_and_members_download_it(client, alice, bob, post):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = _add(client, post, helpers.csv_file("../../x"))
    assert response.status_code == 302 and response["Location"] == post.get_edit_url()
    attachment = Attachment.objects.get(post=post)
    assert attachment.display_name == "x"
    assert attachment.content_type == "text/csv"
    stored = Path(attachment.file.name)
    assert ".." not in attachment.file.name and stored.stem != "x" and len(stored.stem) == 32
    path = Path(attachment.file.path)
    assert path.exists() and Path(settings.MEDIA_ROOT) not in path.parents
    page = client.get(post.get_absolute_url()).content.decode()
    assert attachment.get_download_url() in page
    client.force_login(bob)
    download = client.get(attachment.get_download_url())
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"council,tonnes")


def test_images_are_downloads_too_never_inline(client, alice, post):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    _add(client, post, helpers.png("photo.png"))
    attachment = Attachment.objects.get(post=post)
    response = client.get(attachment.get_download_url())
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "image/png"


def test_non_members_and_former_members_get_404(client, alice, bob, carol, post, community):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    _add(client, post, helpers.text_file())
    url = Attachment.objects.get(post=post).get_download_url()
    client.logout()
    assert client.get(url).status_code == 404
    client.force_login(carol)
    assert client.get(url).status_code == 404
    community_leave(user=bob, community=community)
    client.force_login(bob)
    assert client.get(url).status_code == 404


def test_a_drafts_files_are_its_authors_alone(client, alice, bob):  # type: ignore[no-untyped-def]
    draft = post_create(
        author=alice, title="Draft", body="x", audience=Audience.PUBLIC, status=Status.DRAFT
    )
    client.force_login(alice)
    _add(client, draft, helpers.text_file())
    url = Attachment.objects.get(post=draft).get_download_url()
    assert client.get(url).status_code == 200
    client.force_login(bob)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("page.html", b"<!doctype html><script>alert(1)</script>"),
            "not accepted",
        ),
        (
            SimpleUploadedFile("pic.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"),
            "not accepted",
        ),
        (SimpleUploadedFile("run.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"), "must be a"),
        (SimpleUploadedFile("empty.txt", b""), "empty"),
    ],
)
def test_bad_files_are_refused_with_a_message(client, alice, post, upload, message):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = _add(client, post, upload)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Attachment.objects.exists()


def test_an_oversized_file_is_refused(alice, post):  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    from knowledgehub.blogs.forms import AttachmentForm

    marker = TooLargeUpload(name="big.pdf", content_type="application/pdf", size=10**9)
    form = AttachmentForm(data={}, files={"file": marker})
    assert not form.is_valid()
    assert "must be smaller than" in str(form.errors["file"])
    with pytest.raises(ValidationError):
        from knowledgehub.blogs.services import attachment_add

        attachment_add(post=post, upload=marker, uploaded_by=alice)


def test_only_the_author_adds_or_removes_files(  # type: ignore[no-untyped-def]
    client, alice, bob, post, django_capture_on_commit_callbacks
):
    client.force_login(bob)
    assert _add(client, post, helpers.text_file()).status_code == 403
    client.force_login(alice)
    _add(client, post, helpers.text_file())
    attachment = Attachment.objects.get(post=post)
    client.force_login(bob)
    assert client.post(attachment.get_remove_url()).status_code == 403
    client.force_login(alice)
    storage, name = attachment.file.storage, attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(attachment.get_remove_url())
    assert response.status_code == 302
    assert not Attachment.objects.exists() and not storage.exists(name)
