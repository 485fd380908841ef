from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from knowledgehub.communities.models import Community
from knowledgehub.knowledge.history import record_revision
from knowledgehub.knowledge.models import Tag
from knowledgehub.knowledge.registry import index_sync
from knowledgehub.lib.uploads import display_name, storage_name, validate_upload
from knowledgehub.notifications.services import notify_mentions
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


def folder_descendant_ids(folder: Folder) -> set[int]:
    """Every folder below ``folder`` (so it cannot be moved inside itself)."""
    pairs = list(
        Folder.objects.filter(community_id=folder.community_id).values_list("pk", "parent_id")
    )
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in pairs:
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = [folder.pk]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def folder_update(*, folder: Folder, name: str, parent: Folder | None = None) -> Folder:
    """Rename a folder or move it under another folder of the same community."""
    if not name.strip():
        raise ValidationError(_("Enter a folder name"))
    if parent is not None:
        if parent.community_id != folder.community_id:
            raise ValidationError(_("The parent folder belongs to another community."))
        if parent.pk == folder.pk or parent.pk in folder_descendant_ids(folder):
            raise ValidationError(_("A folder cannot go inside itself or one of its folders"))
    folder.name = name.strip()
    folder.parent = parent
    folder.save(update_fields=["name", "parent"])
    return folder


class FolderNotEmpty(Exception):
    """A folder that still holds documents or folders cannot be deleted."""

    def __init__(self, documents: int, folders: int) -> None:
        super().__init__(f"{documents} documents, {folders} folders")
        self.documents = documents
        self.folders = folders


def folder_delete(*, folder: Folder) -> None:
    """Delete an empty folder; raise :class:`FolderNotEmpty` (and change nothing) otherwise.
    Deleting only empty folders means nothing is ever lost or moved by surprise."""
    with transaction.atomic():
        documents = Document.objects.filter(folder=folder).count()
        folders = Folder.objects.filter(parent=folder).count()
        if documents or folders:
            raise FolderNotEmpty(documents, folders)
        folder.delete()


def _set_tags(document: Document, tags: list[str] | None) -> None:
    document.tags.set(Tag.objects.get_or_create_many(tags or []))
    index_sync(document)


def _after_text_saved(document: Document, *, editor: User, note: str) -> None:
    """Record the metadata as a revision and tell newly @mentioned people (in the transaction)."""
    record_revision(
        document, editor=editor, title=document.title, body=document.description, note=note
    )
    notify_mentions(
        body=document.description,
        item=document.knowledge_item,
        actor=editor,
        key=f"document:{document.pk}",
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
    tags: list[str] | None = None,
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
        if tags:
            _set_tags(document, tags)
        _after_text_saved(document, editor=uploaded_by, note=_("Uploaded"))
    return document


def document_update(
    *,
    document: Document,
    editor: User,
    title: str,
    description: str,
    audience: str,
    folder: Folder | None = None,
    tags: list[str] | None = None,
) -> Document:
    """Change a document's details (not its file: that is a new version)."""
    if folder is not None and folder.community_id != document.community_id:
        raise ValidationError(_("The folder belongs to another community."))
    if not title.strip():
        raise ValidationError(_("Enter a title"))
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        locked.title = title.strip()
        locked.description = description.strip()
        locked.audience = audience
        locked.folder = folder
        locked.save()
        _set_tags(locked, tags)
        _after_text_saved(locked, editor=editor, note="")
    document.refresh_from_db()
    return document


def document_delete(*, document: Document) -> None:
    """Delete a document with every version. Each version's stored file is removed from private
    storage once the transaction commits (``models._delete_stored_file``), so a rolled-back
    delete never loses a file."""
    with transaction.atomic():
        for version in DocumentVersion.objects.filter(document=document):
            version.delete()  # one by one, so each file's removal is queued on commit
        document.delete()


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
