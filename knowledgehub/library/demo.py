"""Demo content for the library: a few small documents (text, CSV, Word) in demo communities."""

from __future__ import annotations

import io
import random
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from knowledgehub.communities.access import default_audience
from knowledgehub.communities.models import Community, Membership

from .models import Document, Folder
from .services import document_upload, folder_create

_CT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(paragraphs: list[str]) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr(
            "word/document.xml", f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
        )
    return out.getvalue()


DOCUMENTS: list[tuple[str, str, str, str, bytes]] = [
    (
        "Terms of reference",
        "Governance",
        "How the group works, who chairs it and how often we meet.",
        "terms-of-reference.docx",
        _docx(
            [
                "Terms of reference",
                "Purpose: share what works between councils and avoid duplicated effort.",
                "Meetings: every six weeks, online, with notes published in the library.",
                "Chair: rotates between member councils each year.",
            ]
        ),
    ),
    (
        "Benchmarking template",
        "Data",
        "A CSV template for comparing service costs per resident.",
        "benchmarking-template.csv",
        b"council,service,cost_per_resident,year\n"
        b"Example Borough,Waste collection,42.10,2025\n"
        b"Example District,Street cleansing,18.75,2025\n",
    ),
    (
        "Notes from the spring workshop",
        "",
        "What we heard about digital inclusion and assisted digital support.",
        "spring-workshop-notes.txt",
        b"Notes from the spring workshop\n\n"
        b"1. Libraries are the main route to assisted digital support.\n"
        b"2. Phone lines still matter for older residents.\n"
        b"3. Three councils will pilot a shared training pack.\n",
    ),
]


#: Topics for the demo documents, so they show on the tag pages with other knowledge.
DOCUMENT_TAGS: dict[str, list[str]] = {
    "Terms of reference": ["governance"],
    "Benchmarking template": ["benchmarking", "data"],
    "Notes from the spring workshop": ["digital inclusion"],
}


def seed_demo_content(*, rng: random.Random) -> int:
    """Add a few documents to demo communities (uploaded by members); return how many.
    Does nothing if demo documents already exist."""
    if Document.objects.filter(is_demo=True).exists():
        return 0
    communities = list(Community.objects.filter(is_demo=True).order_by("pk"))
    created = 0
    with transaction.atomic():
        for index, community in enumerate(communities[:4]):
            members = list(
                Membership.objects.filter(community=community, user__is_demo=True)
                .select_related("user")
                .order_by("pk")
            )
            if not members:
                continue
            folders: dict[str, Folder] = {}
            for title, folder_name, description, filename, content in DOCUMENTS[
                index % 2 : index % 2 + 2
            ]:
                uploader = rng.choice(members).user
                folder: Folder | None = None
                if folder_name:
                    if folder_name not in folders:
                        folders[folder_name] = folder_create(
                            community=community, name=folder_name, created_by=uploader
                        )
                    folder = folders[folder_name]
                document_upload(
                    community=community,
                    uploaded_by=uploader,
                    title=title,
                    description=description,
                    folder=folder,
                    audience=default_audience(community),
                    upload=SimpleUploadedFile(filename, content),
                    tags=DOCUMENT_TAGS.get(title),
                    is_demo=True,
                )
                created += 1
    return created
