"""Where library files live: never under the publicly served MEDIA_ROOT.

Locally, files go to a private folder next to MEDIA_ROOT (``/media/`` serves MEDIA_ROOT to
anyone, so library files must not be there); they are only ever served by the library's
permission-checked download view. With S3 the default storage is used (names are random).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.utils.functional import cached_property


class PrivateLibraryStorage(FileSystemStorage):
    @cached_property
    def base_location(self) -> str:
        return str(Path(settings.MEDIA_ROOT).parent / "private-media" / "library")

    @cached_property
    def base_url(self) -> str:
        return ""  # no public URL: files are served by the download view only


def library_storage() -> Storage:
    if getattr(settings, "AWS_STORAGE_BUCKET_NAME", ""):
        return default_storage
    return PrivateLibraryStorage()
