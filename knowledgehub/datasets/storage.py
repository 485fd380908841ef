"""Where dataset files live: a private folder (never under the publicly served MEDIA_ROOT), or
the default storage with S3. Files are served only by permission-checked download views."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.utils.functional import cached_property


class PrivateDatasetStorage(FileSystemStorage):
    @cached_property
    def base_location(self) -> str:
        return str(Path(settings.MEDIA_ROOT).parent / "private-media" / "datasets")

    @cached_property
    def base_url(self) -> str:
        return ""


def dataset_storage() -> Storage:
    if getattr(settings, "AWS_STORAGE_BUCKET_NAME", ""):
        return default_storage
    return PrivateDatasetStorage()
