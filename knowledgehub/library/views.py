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
from knowledgehub.people.models import User

from .forms import FolderForm, UploadForm, VersionForm
from .models import Document, DocumentVersion, Folder
from .services import document_add_version, document_download, document_upload, folder_create

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
        },
    )


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
    return access.is_member and (document.uploaded_by_id == request.user.pk or access.can_manage)


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
