"""Views: listing, folders, upload form, detail and preview, new versions, downloads."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledgehub.communities.choices import Visibility
from knowledgehub.library.models import Document, Folder
from knowledgehub.testing.factories import community_with, library_document

from . import files

pytestmark = pytest.mark.django_db


def url(name: str, community, **kwargs) -> str:  # type: ignore[no-untyped-def]
    return reverse(f"library:{name}", kwargs={"slug": community.slug, **kwargs})


def test_index_lists_documents_and_folders(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    folder = Folder.objects.create(community=community, name="Policies")
    library_document(community, alice, title="Top-level notes", audience="public")
    library_document(community, alice, title="Inside", audience="public", folder=folder)
    response = client.get(url("index", community))
    assert response.status_code == 200
    assert "Top-level notes" in response.text and "Policies" in response.text
    assert "Inside" not in response.text
    response = client.get(url("folder", community, folder_id=folder.pk))
    assert "Inside" in response.text and "Top-level notes" not in response.text


def test_index_is_paginated(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    for i in range(27):
        library_document(community, alice, title=f"Doc {i:02d}", audience="public")
    first = client.get(url("index", community)).text
    second = client.get(url("index", community) + "?page=2").text
    assert first.count("/library/d/") == 25
    assert second.count("/library/d/") == 2


def test_folder_of_another_community_is_404(client, alice):  # type: ignore[no-untyped-def]
    one, other = community_with(alice), community_with(alice)
    folder = Folder.objects.create(community=other, name="Other")
    assert client.get(url("folder", one, folder_id=folder.pk)).status_code == 404


def test_create_folder(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    client.force_login(alice)
    response = client.post(url("folder_create", community), {"name": "Minutes"})
    folder = Folder.objects.get()
    assert response.status_code == 302 and response.url == folder.get_absolute_url()
    response = client.post(url("folder_create", community), {"name": ""})
    assert response.status_code == 200 and "govuk-error-summary" in response.text


def test_upload_form(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice, visibility=Visibility.PRIVATE)
    client.force_login(alice)
    page = client.get(url("upload", community))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text
    assert 'value="community" checked' in page.text or "checked" in page.text
    response = client.post(
        url("upload", community),
        {
            "title": "Budget",
            "audience": "community",
            "description": "The **numbers**",
            "file": files.upload("budget.xlsx", files.xlsx_bytes(("Revenue",))),
        },
    )
    document = Document.objects.get()
    assert response.status_code == 302 and response.url == document.get_absolute_url()
    assert document.current_version.content_type.endswith("spreadsheetml.sheet")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.exe", b"MZ\x90\x00binary\x00", "must be a PDF, Word, Excel"),
        ("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "HTML, SVG and XML"),
        ("x.png", files.fake_huge_png(), "smaller than 40 megapixels"),
        ("x.docx", files.zip_bomb_bytes(), "expands to far more than its size"),
        ("x.txt", b"", "empty"),
    ],
)
def test_upload_refusals_are_form_errors(client, alice, name, content, message):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    client.force_login(alice)
    response = client.post(
        url("upload", community),
        {"title": "Bad", "audience": "public", "file": files.upload(name, content)},
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    assert message in response.text
    assert not Document.objects.exists()


def test_upload_without_file(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    client.force_login(alice)
    response = client.post(url("upload", community), {"title": "x", "audience": "public"})
    assert response.status_code == 200 and "Select a file" in response.text


def test_upload_too_large(client, alice, settings):  # type: ignore[no-untyped-def]
    settings.KH_UPLOAD_MAX_BYTES = 100
    community = community_with(alice)
    client.force_login(alice)
    response = client.post(
        url("upload", community),
        {"title": "x", "audience": "public", "file": files.upload("x.txt", b"a" * 200)},
    )
    assert "must be smaller than 100" in response.text


def test_upload_and_folders_need_membership(client, alice, carol):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    assert client.get(url("upload", community)).status_code == 302  # to sign in
    client.force_login(carol)
    assert client.get(url("upload", community)).status_code == 403
    assert client.post(url("folder_create", community), {"name": "x"}).status_code == 403
    response = client.post(
        url("upload", community),
        {"title": "x", "audience": "public", "file": files.upload("x.txt", b"hello")},
    )
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_detail_shows_versions_and_text_preview(client, alice, bob):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    long_text = ("Alpha " * 1000).encode()  # 6,000 characters
    document = library_document(community, alice, content=long_text, audience="public")
    client.force_login(bob)
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    assert "<pre" in response.text
    preview = response.text.split("<pre", 1)[1].split("</pre>", 1)[0]
    assert preview.count("Alpha") < 400  # only the first ~2,000 characters
    assert "Download the document to read the rest" in response.text
    assert "Alice Adams" in response.text
    # bob is neither the uploader nor a facilitator
    assert "Upload a new version" not in response.text


def test_detail_image_preview(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    document = library_document(
        community, alice, content=files.png_bytes(), filename="map.png", audience="public"
    )
    response = client.get(document.get_absolute_url())
    preview = url("preview", community, pk=document.pk)
    assert f'<img class="kh-library-preview" src="{preview}"' in response.text
    image = client.get(preview)
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert "attachment" not in image.get("Content-Disposition", "")
    text_doc = library_document(community, alice, audience="public")
    assert client.get(url("preview", community, pk=text_doc.pk)).status_code == 404


def test_new_version(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    document = library_document(community, alice)
    client.force_login(alice)
    new = url("version_create", community, pk=document.pk)
    assert client.get(new).status_code == 200
    response = client.post(new, {"file": files.upload("x.txt", b"\x00")})
    assert response.status_code == 200 and "must be a PDF" in response.text
    response = client.post(
        new, {"file": files.upload("v2.pdf", files.pdf_bytes()), "note": "Signed copy"}
    )
    assert response.status_code == 302
    detail = client.get(document.get_absolute_url()).text
    assert "Signed copy" in detail and "Alice Adams" in detail


def test_new_version_by_others_is_refused(client, alice, bob):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    document = library_document(community, alice)
    client.force_login(bob)
    new = url("version_create", community, pk=document.pk)
    response = client.post(new, {"file": files.upload("v2.txt", b"hi")})
    assert response.status_code == 403
    assert document.versions.count() == 1


def test_facilitator_can_add_version(client, alice, bob):  # type: ignore[no-untyped-def]
    community = community_with(alice, facilitators=(bob,))
    document = library_document(community, alice)
    client.force_login(bob)
    response = client.post(
        url("version_create", community, pk=document.pk),
        {"file": files.upload("v2.txt", b"hi")},
    )
    assert response.status_code == 302
    assert document.versions.count() == 2


def test_download_headers_and_count(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    document = library_document(
        community, alice, content=files.pdf_bytes(), filename="../Report\x00.txt", audience="public"
    )
    response = client.get(url("download", community, pk=document.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert 'filename="Report.txt"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]
    document.refresh_from_db()
    assert document.download_count == 1


def test_image_download_has_no_sandbox(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    document = library_document(
        community, alice, content=files.png_bytes(), filename="a.png", audience="public"
    )
    response = client.get(url("download", community, pk=document.pk))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Security-Policy"] != "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_version_download(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    document = library_document(community, alice, audience="public")
    from knowledgehub.library.services import document_add_version

    document_add_version(
        document=document, uploaded_by=alice, upload=files.upload("v2.pdf", files.pdf_bytes())
    )
    old = client.get(url("version_download", community, pk=document.pk, number=1))
    assert old["Content-Type"].startswith("text/plain")
    assert b"".join(old.streaming_content).startswith(b"Minutes")  # type: ignore[attr-defined]
    current = client.get(url("download", community, pk=document.pk))
    assert current["Content-Type"] == "application/pdf"
    missing = client.get(url("version_download", community, pk=document.pk, number=9))
    assert missing.status_code == 404
    document.refresh_from_db()
    assert document.download_count == 2


def test_downloads_are_get_only(client, alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    document = library_document(community, alice, audience="public")
    assert client.post(url("download", community, pk=document.pk)).status_code == 405


def test_document_of_another_community_is_404(client, alice):  # type: ignore[no-untyped-def]
    one, other = community_with(alice), community_with(alice)
    document = library_document(other, alice, audience="public")
    assert client.get(url("detail", one, pk=document.pk)).status_code == 404
    assert client.get(url("download", one, pk=document.pk)).status_code == 404
