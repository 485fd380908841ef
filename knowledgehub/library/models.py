from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.registry import Indexed, ItemData, register

from .storage import library_storage


class Folder(models.Model):
    """A folder in a community's library; folders can nest."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="library_folders"
    )
    name = models.CharField(_("folder name"), max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("library:folder", kwargs={"slug": self.community.slug, "folder_id": self.pk})


@register("library_document", label=_("Document"), label_plural=_("Documents"))
class Document(Indexed):
    """A file in a community's library, with its versions."""

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="library_documents"
    )
    folder = models.ForeignKey(
        Folder, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5_000, blank=True)
    audience = models.CharField(
        _("who can see it"), max_length=16, choices=Audience.choices, default=Audience.COMMUNITY
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_documents"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    download_count = models.PositiveIntegerField(default=0, editable=False)
    current_version = models.ForeignKey(
        "DocumentVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tags = models.ManyToManyField("knowledge.Tag", blank=True, related_name="library_documents")
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:detail", kwargs={"slug": self.community.slug, "pk": self.pk})

    def as_item(self) -> ItemData:
        version = self.current_version
        extracted = version.extracted_text if version else ""
        text = "\n".join(part for part in (self.title, self.description, extracted) if part)
        return ItemData(
            title=self.title,
            url=self.get_absolute_url(),
            text=text,
            summary=(self.description or extracted)[:280],
            author_id=self.uploaded_by_id,
            organisation_id=self.uploaded_by.organisation_id,
            community_id=self.community_id,
            audience=self.audience,
            tags=[t.name for t in self.tags.all()] if self.pk else [],
            published_at=self.created_at,
            updated_at=self.updated_at,
            is_demo=self.is_demo,
        )


class DocumentVersion(models.Model):
    """One uploaded file of a document. The file is stored under a generated name."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(storage=library_storage, max_length=255)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    extracted_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="library_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.document.title} (version {self.number})"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def type_label(self) -> str:
        from knowledgehub.lib.uploads import BY_CONTENT_TYPE

        detected = BY_CONTENT_TYPE.get(self.content_type)
        return detected.label if detected else self.content_type

    def get_download_url(self) -> str:
        return reverse(
            "library:version_download",
            kwargs={
                "slug": self.document.community.slug,
                "pk": self.document_id,
                "number": self.number,
            },
        )


@receiver(post_delete, sender=DocumentVersion)
def _delete_stored_file(
    sender: type[DocumentVersion], instance: DocumentVersion, **kwargs: object
) -> None:
    """Remove a version's file once its row is really gone (after the transaction commits)."""
    if instance.file.name:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name))
