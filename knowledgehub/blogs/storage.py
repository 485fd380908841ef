"""Where blog files (covers and attachments) live: never under the publicly served MEDIA_ROOT.

As for the library (``library/storage.py``), files go to a private folder next to MEDIA_ROOT and
are only ever served by the blog's permission-checked views. With S3 the default storage is used
(names are random and the bucket is not listed).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.utils.functional import cached_property


class PrivateBlogStorage(FileSystemStorage):
    @cached_property
    def base_location(self) -> str:
        return str(Path(settings.MEDIA_ROOT).parent / "private-media" / "blogs")

    @cached_property
    def base_url(self) -> str:
        return ""  # no public URL: files are served by the blog's views only


def blog_storage() -> Storage:
    if getattr(settings, "AWS_STORAGE_BUCKET_NAME", ""):
        return default_storage
    return PrivateBlogStorage()
