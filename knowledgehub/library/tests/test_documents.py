"""Services: upload, versions, downloads, storage names and the knowledge index."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from knowledgehub.knowledge.models import Item
from knowledgehub.library.models import Document, DocumentVersion
from knowledgehub.library.services import (
    document_add_version,
    document_download,
    document_upload,
    folder_create,
)
from knowledgehub.testing.factories import community_with, library_document

from . import files

pytestmark = pytest.mark.django_db


def test_upload_stores_under_a_generated_name(alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    document = library_document(
        community, alice, content=files.pdf_bytes("Grant bid"), filename="../../CON.txt"
    )
    version = document.current_version
    assert version is not None and version.number == 1
    assert version.content_type == "application/pdf"  # from content, not the .txt name
    assert version.original_name == "CON.txt"
    stored = Path(version.file.name)
    assert stored.suffix == ".pdf" and len(stored.stem) == 32
    assert "CON" not in version.file.name and ".." not in version.file.name
    assert version.size == len(files.pdf_bytes("Grant bid"))
    assert "Grant bid 1" in version.extracted_text


def test_files_are_not_under_the_public_media_root(alice):  # type: ignore[no-untyped-def]
    document = library_document(community_with(alice), alice)
    path = Path(document.current_version.file.path)
    assert path.exists()
    assert Path(settings.MEDIA_ROOT) not in path.parents
    assert document.current_version.file.read().startswith(b"Minutes")


def test_nul_and_long_names(alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    doc = library_document(community, alice, filename="evil\x00name.txt")
    assert doc.current_version.original_name == "evilname.txt"
    doc = library_document(community, alice, filename="n" * 300 + ".txt")
    assert len(doc.current_version.original_name) == 200


def test_upload_refuses_bad_files_and_writes_nothing(alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    with pytest.raises(ValidationError, match="megapixels"):
        library_document(community, alice, content=files.fake_huge_png(), filename="x.png")
    with pytest.raises(ValidationError, match="expands"):
        library_document(community, alice, content=files.zip_bomb_bytes(), filename="x.docx")
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()


def test_extracted_text_is_indexed(alice):  # type: ignore[no-untyped-def]
    community = community_with(alice)
    document = library_document(
        community, alice, content=files.docx_bytes(("Pothole repair pilot",)), filename="a.docx"
    )
    items = Item.objects.filter(
        content_type=ContentType.objects.get_for_model(Document), object_id=document.pk
    )
    assert items.count() == 1
    item = items.get()
    assert item.kind == "library_document"
    assert item.audience == "community"
    assert item.community_id == community.pk
    assert item.url == f"/communities/{community.slug}/library/d/{document.pk}/"
    assert "Pothole repair pilot" in item.text
    document.delete()
    assert not items.exists()


def test_add_version_records_who_when_and_note(alice, bob):  # type: ignore[no-untyped-def]
    community = community_with(alice, members=(bob,))
    document = library_document(community, alice)
    version = document_add_version(
        document=document,
        uploaded_by=bob,
        upload=files.upload("v2.docx", files.docx_bytes(("Revised plan",))),
        note="Updated figures",
    )
    document.refresh_from_db()
    assert version.number == 2
    assert version.uploaded_by == bob
    assert version.note == "Updated figures"
    assert version.created_at is not None
    assert document.current_version == version
    assert [v.number for v in document.versions.all()] == [2, 1]
    assert "Revised plan" in document.knowledge_item.text
    assert "Minutes" not in document.knowledge_item.text


def test_add_version_refuses_bad_file(alice):  # type: ignore[no-untyped-def]
    document = library_document(community_with(alice), alice)
    with pytest.raises(ValidationError):
        document_add_version(
            document=document, uploaded_by=alice, upload=files.upload("x", b"\x00\x01")
        )
    assert document.versions.count() == 1


def test_download_count_is_atomic(alice):  # type: ignore[no-untyped-def]
    document = library_document(community_with(alice), alice)
    stale = Document.objects.get(pk=document.pk)
    document_download(document=document)
    document_download(document=stale)  # a stale copy still adds, never overwrites
    document.refresh_from_db()
    assert document.download_count == 2


def test_folder_must_belong_to_the_community(alice):  # type: ignore[no-untyped-def]
    one, other = community_with(alice), community_with(alice)
    folder = folder_create(community=other, name="Elsewhere", created_by=alice)
    with pytest.raises(ValidationError):
        document_upload(
            community=one,
            uploaded_by=alice,
            title="x",
            audience="public",
            upload=files.upload("x.txt", b"hello"),
            folder=folder,
        )
    with pytest.raises(ValidationError):
        folder_create(community=one, name="Child", created_by=alice, parent=folder)


def test_deleting_a_document_removes_its_files(alice, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    document = library_document(community_with(alice), alice)
    path = Path(document.current_version.file.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        document.delete()
    assert not path.exists()
