from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from knowledgehub.communities.access import (
    CommunityAccess,
    community_for,
    default_audience,
    require_member,
)
from knowledgehub.communities.choices import Visibility
from knowledgehub.knowledge.visibility import can_view
from knowledgehub.lib.pagination import paginate
from knowledgehub.people.mentions import render_with_mentions
from knowledgehub.people.models import User

from .forms import DocumentForm, FolderForm, UploadForm, VersionForm
from .models import Document, DocumentVersion, Folder
from .services import (
    FolderNotEmpty,
    document_add_version,
    document_delete,
    document_download,
    document_update,
    document_upload,
    folder_create,
    folder_delete,
    folder_descendant_ids,
    folder_update,
)

PER_PAGE = 25
PREVIEW_CHARS = 2_000


def _visible_documents(request: HttpRequest, access: CommunityAccess) -> QuerySet[Document]:
    """Documents of this community whose knowledge Item the viewer may see."""
    return Document.visible_to(request.user).filter(community=access.community)


def _folders_visible(access: CommunityAccess) -> bool:
    # Folder names are community content: members see them, and anyone in an open community.
    return access.is_member or access.community.visibility == Visibility.OPEN


def _listing(request: HttpRequest, access: CommunityAccess, folder: Folder | None) -> HttpResponse:
    documents = (
        _visible_documents(request, access)
        .filter(folder=folder)
        .select_related("uploaded_by", "current_version")
        .order_by("-updated_at", "-pk")
    )
    folders = (
        Folder.objects.filter(community=access.community, parent=folder)
        if _folders_visible(access)
        else Folder.objects.none()
    )
    breadcrumbs: list[Folder] = []
    node = folder
    while node is not None and len(breadcrumbs) < 20:
        breadcrumbs.insert(0, node)
        node = node.parent
    return render(
        request,
        "library/index.html",
        {
            "access": access,
            "community": access.community,
            "folder": folder,
            "breadcrumbs": breadcrumbs,
            "folders": folders,
            "paged": paginate(request, documents, PER_PAGE),
            "can_manage_folders": _can_manage_folders(request, access),
        },
    )


def _can_manage_folders(request: HttpRequest, access: CommunityAccess) -> bool:
    return access.can_manage or bool(getattr(request.user, "is_superuser", False))


@require_safe
def library_index(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for(request, slug)
    return _listing(request, access, None)


@require_safe
def folder_detail(request: HttpRequest, slug: str, folder_id: int) -> HttpResponse:
    access = community_for(request, slug)
    if not _folders_visible(access):
        raise Http404
    folder = get_object_or_404(
        Folder.objects.select_related("parent"), pk=folder_id, community=access.community
    )
    return _listing(request, access, folder)


@login_required
@require_http_methods(["GET", "POST"])
def folder_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for(request, slug)
    require_member(access)
    user = request.user
    assert isinstance(user, User)
    form = FolderForm(request.POST or None, community=access.community)
    if request.method == "POST" and form.is_valid():
        folder = folder_create(
            community=access.community,
            name=form.cleaned_data["name"],
            parent=form.cleaned_data["parent"],
            created_by=user,
        )
        messages.success(request, _("The folder has been created."))
        return redirect(folder)
    return render(
        request, "library/folder_form.html", {"form": form, "community": access.community}
    )


def _folder_to_manage(
    request: HttpRequest, slug: str, folder_id: int
) -> tuple[CommunityAccess, Folder]:
    access = community_for(request, slug)
    if not _folders_visible(access) and not _can_manage_folders(request, access):
        raise Http404
    folder = get_object_or_404(
        Folder.objects.select_related("parent"), pk=folder_id, community=access.community
    )
    if not _can_manage_folders(request, access):
        raise PermissionDenied(_("Only facilitators can change folders."))
    return access, folder


@login_required
@require_http_methods(["GET", "POST"])
def folder_edit_view(request: HttpRequest, slug: str, folder_id: int) -> HttpResponse:
    access, folder = _folder_to_manage(request, slug, folder_id)
    form = FolderForm(
        request.POST or None,
        community=access.community,
        exclude=folder_descendant_ids(folder) | {folder.pk},
        initial={"name": folder.name, "parent": folder.parent_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            folder_update(
                folder=folder, name=form.cleaned_data["name"], parent=form.cleaned_data["parent"]
            )
        except ValidationError as e:
            form.add_error("parent", e)
        else:
            messages.success(request, _("The folder has been changed."))
            return redirect(folder)
    return render(
        request,
        "library/folder_form.html",
        {"form": form, "community": access.community, "folder": folder},
    )


@login_required
@require_http_methods(["GET", "POST"])
def folder_delete_view(request: HttpRequest, slug: str, folder_id: int) -> HttpResponse:
    access, folder = _folder_to_manage(request, slug, folder_id)
    documents = Document.objects.filter(folder=folder).count()
    subfolders = Folder.objects.filter(parent=folder).count()
    status = 200
    if request.method == "POST":
        try:
            folder_delete(folder=folder)
        except FolderNotEmpty as e:
            documents, subfolders = e.documents, e.folders
            status = 400
        else:
            messages.success(
                request, _("The folder “%(name)s” has been deleted.") % {"name": folder.name}
            )
            if folder.parent_id:
                return redirect(
                    "library:folder", slug=access.community.slug, folder_id=folder.parent_id
                )
            return redirect("library:index", slug=access.community.slug)
    return render(
        request,
        "library/folder_delete.html",
        {
            "community": access.community,
            "folder": folder,
            "documents": documents,
            "subfolders": subfolders,
            "is_empty": not documents and not subfolders,
            "refused": status == 400,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload_view(request: HttpRequest, slug: str) -> HttpResponse:
    access = community_for(request, slug)
    require_member(access)
    user = request.user
    assert isinstance(user, User)
    initial: dict[str, object] = {"audience": default_audience(access.community)}
    folder_param = request.GET.get("folder", "")
    if folder_param.isdigit():
        initial["folder"] = folder_param
    form = UploadForm(
        request.POST or None, request.FILES or None, community=access.community, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = document_upload(
                community=access.community,
                uploaded_by=user,
                title=data["title"],
                description=data["description"],
                folder=data["folder"],
                audience=data["audience"],
                upload=data["file"],
                tags=data["tags"],
            )
        except ValidationError as e:
            form.add_error("file", e)
        else:
            messages.success(request, _("The document has been uploaded."))
            return redirect(document)
    return render(request, "library/upload.html", {"form": form, "community": access.community})


def _document_for(request: HttpRequest, slug: str, pk: int) -> tuple[CommunityAccess, Document]:
    access = community_for(request, slug)
    document = get_object_or_404(
        Document.objects.select_related("uploaded_by", "folder", "current_version", "community"),
        pk=pk,
        community=access.community,
    )
    item = document.knowledge_item
    if item is None or not can_view(request.user, item):
        raise Http404
    return access, document


def _can_add_version(request: HttpRequest, access: CommunityAccess, document: Document) -> bool:
    """The uploader (while still a member) or a facilitator may change a document."""
    return access.is_member and (document.uploaded_by_id == request.user.pk or access.can_manage)


def _can_delete(request: HttpRequest, access: CommunityAccess, document: Document) -> bool:
    return _can_add_version(request, access, document) or bool(
        getattr(request.user, "is_superuser", False)
    )


@require_safe
def document_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, document = _document_for(request, slug, pk)
    version = document.current_version
    preview = ""
    if version is not None and not version.is_image:
        preview = version.extracted_text[:PREVIEW_CHARS]
    return render(
        request,
        "library/detail.html",
        {
            "community": access.community,
            "document": document,
            "version": version,
            "versions": document.versions.select_related("uploaded_by"),
            "preview": preview,
            "preview_truncated": version is not None
            and len(version.extracted_text) > PREVIEW_CHARS,
            "can_add_version": _can_add_version(request, access, document),
            "can_delete": _can_delete(request, access, document),
            "description_html": render_with_mentions(document.description),
            "item": document.knowledge_item,
            "tags": document.tags.all(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_edit_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, document = _document_for(request, slug, pk)
    if not _can_add_version(request, access, document):
        raise PermissionDenied(_("Only the uploader or a facilitator can change this document."))
    user = request.user
    assert isinstance(user, User)
    form = DocumentForm(
        request.POST or None,
        community=access.community,
        initial={
            "title": document.title,
            "description": document.description,
            "folder": document.folder_id,
            "tags": ", ".join(t.name for t in document.tags.all()),
            "audience": document.audience,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document_update(
                document=document,
                editor=user,
                title=data["title"],
                description=data["description"],
                folder=data["folder"],
                audience=data["audience"],
                tags=data["tags"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("The document has been updated."))
            return redirect(document)
    return render(
        request,
        "library/document_form.html",
        {"form": form, "community": access.community, "document": document},
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_delete_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, document = _document_for(request, slug, pk)
    if not _can_delete(request, access, document):
        raise PermissionDenied(_("Only the uploader or a facilitator can delete this document."))
    if request.method == "POST":
        title = document.title
        document_delete(document=document)
        messages.success(request, _("“%(title)s” has been deleted.") % {"title": title})
        if document.folder_id and _folders_visible(access):
            return redirect(
                "library:folder", slug=access.community.slug, folder_id=document.folder_id
            )
        return redirect("library:index", slug=access.community.slug)
    return render(
        request,
        "library/document_delete.html",
        {
            "community": access.community,
            "document": document,
            "version_count": document.versions.count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def version_create_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, document = _document_for(request, slug, pk)
    require_member(access)
    if not _can_add_version(request, access, document):
        raise PermissionDenied(_("Only the uploader or a facilitator can add a version."))
    user = request.user
    assert isinstance(user, User)
    form = VersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document_add_version(
                document=document,
                uploaded_by=user,
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as e:
            form.add_error("file", e)
        else:
            messages.success(request, _("The new version has been uploaded."))
            return redirect(document)
    return render(
        request,
        "library/version_form.html",
        {"form": form, "community": access.community, "document": document},
    )


def _file_response(version: DocumentVersion, *, inline: bool = False) -> FileResponse:
    try:
        handle = version.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=version.original_name,
        content_type=version.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    if not version.is_image:
        response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def document_download_view(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    _access, document = _document_for(request, slug, pk)
    if document.current_version is None:
        raise Http404
    document_download(document=document)
    return _file_response(document.current_version)


@require_safe
def version_download_view(request: HttpRequest, slug: str, pk: int, number: int) -> FileResponse:
    _access, document = _document_for(request, slug, pk)
    version = get_object_or_404(DocumentVersion, document=document, number=number)
    document_download(document=document)
    return _file_response(version)


@require_safe
def image_preview_view(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """The current version shown inline, for images only (used by the detail page's <img>)."""
    _access, document = _document_for(request, slug, pk)
    version = document.current_version
    if version is None or not version.is_image:
        raise Http404
    return _file_response(version, inline=True)
