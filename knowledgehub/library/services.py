from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max

from knowledgehub.communities.models import Community
from knowledgehub.lib.uploads import display_name, storage_name, validate_upload
from knowledgehub.people.models import User

from .extract import extract_text
from .models import Document, DocumentVersion, Folder


def folder_create(
    *, community: Community, name: str, created_by: User, parent: Folder | None = None
) -> Folder:
    if parent is not None and parent.community_id != community.pk:
        raise ValidationError("The parent folder belongs to another community.")
    return Folder.objects.create(
        community=community, name=name.strip(), parent=parent, created_by=created_by
    )


def _new_version(
    *, document: Document, number: int, upload: UploadedFile, uploaded_by: User, note: str
) -> DocumentVersion:
    detected = validate_upload(upload)  # raises ValidationError with a clear message
    text = extract_text(upload, detected.content_type)
    version = DocumentVersion(
        document=document,
        number=number,
        original_name=display_name(upload.name),
        content_type=detected.content_type,
        size=upload.size or 0,
        uploaded_by=uploaded_by,
        note=note.strip(),
        extracted_text=text,
    )
    upload.seek(0)
    version.file.save(
        storage_name(detected, prefix=f"{document.community_id}/"), upload, save=False
    )
    version.save()
    return version


def document_upload(
    *,
    community: Community,
    uploaded_by: User,
    title: str,
    upload: UploadedFile,
    audience: str,
    folder: Folder | None = None,
    description: str = "",
    note: str = "",
    is_demo: bool = False,
) -> Document:
    """Store a new document and its first version; the file is checked by its content."""
    if folder is not None and folder.community_id != community.pk:
        raise ValidationError("The folder belongs to another community.")
    with transaction.atomic():  # a refused file rolls the document back
        document = Document(
            community=community,
            folder=folder,
            title=title.strip(),
            description=description.strip(),
            audience=audience,
            uploaded_by=uploaded_by,
            is_demo=is_demo,
        )
        document.save()
        version = _new_version(
            document=document, number=1, upload=upload, uploaded_by=uploaded_by, note=note
        )
        document.current_version = version
        document.save()  # re-indexes with the extracted text
    return document


def document_add_version(
    *, document: Document, uploaded_by: User, upload: UploadedFile, note: str = ""
) -> DocumentVersion:
    """Add a new current version, recording who uploaded it, when and what changed."""
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = _new_version(
            document=locked, number=number, upload=upload, uploaded_by=uploaded_by, note=note
        )
        locked.current_version = version
        locked.save()
    document.refresh_from_db()
    return version


def document_download(*, document: Document) -> None:
    """Count a download, atomically (no read-modify-write race)."""
    Document.objects.filter(pk=document.pk).update(download_count=F("download_count") + 1)
