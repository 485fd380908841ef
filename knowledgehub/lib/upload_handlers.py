"""Enforce the upload size limit while the file streams in, not after it has been received.

:class:`SizeLimitUploadHandler` is first in ``settings.FILE_UPLOAD_HANDLERS``. It counts each
file's bytes as the chunks arrive and passes them on unchanged to Django's memory and temporary
file handlers while the file is within ``KH_UPLOAD_MAX_BYTES``. Once a file goes over, it passes
nothing more on (so nothing more is buffered or written to disk), discards what the other
handlers already hold, keeps counting and, when the file ends, hands the form a
:class:`TooLargeUpload`: an empty stand-in whose ``size`` is the number of bytes seen and whose
``too_large`` is true. ``lib.uploads.validate_upload`` (and any size check) then refuses it with
the usual clear message, so a person sees a form error rather than a reset connection or a 500.

A request whose ``Content-Length`` is more than :data:`REQUEST_ALLOWANCE` over the limit is
judged at once: every file in it is treated as too large from its first byte (every upload form
here takes a single file, and the rest of a form is far smaller than the allowance). The body is
still read to the end and thrown away, so the browser gets the form back with its error.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from .uploads import max_upload_bytes

# How far a whole multipart body may exceed the per-file limit (boundaries, headers and the
# other form fields) before the request is refused without looking at the file's size.
REQUEST_ALLOWANCE = 1024 * 1024


def limit_for_path(path: str) -> int:
    """The streaming limit for an upload to ``path``: ``KH_UPLOAD_LIMITS_BY_PATH`` lets a few
    upload pages (datasets) take bigger files than the site-wide ``KH_UPLOAD_MAX_BYTES``. It is
    decided by path because the CSRF check reads the body before any view could say so."""
    from django.conf import settings

    for prefix, limit in getattr(settings, "KH_UPLOAD_LIMITS_BY_PATH", {}).items():
        if path.startswith(prefix):
            return int(limit)
    return max_upload_bytes()


class TooLargeUpload(UploadedFile):
    """Stands in for a file that went over the limit: no content, ``size`` as seen so far."""

    too_large = True

    def __init__(
        self,
        *,
        name: str | None,
        content_type: str | None,
        size: int,
        charset: str | None = None,
        content_type_extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            io.BytesIO(),
            name=name,
            content_type=content_type,
            size=size,
            charset=charset,
            content_type_extra=content_type_extra,
        )


def is_too_large(upload: object) -> bool:
    """Whether ``upload`` is the stand-in for a file refused while it streamed in."""
    return bool(getattr(upload, "too_large", False))


class SizeLimitUploadHandler(FileUploadHandler):
    """Counts each file's bytes and stops passing them on once the file is over the limit."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.limit = limit_for_path(getattr(request, "path", "") or "")
        self.refuse_request = False
        self.over_limit = False
        self.seen = 0

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int | None,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        self.refuse_request = (
            content_length is not None and content_length > self.limit + REQUEST_ALLOWANCE
        )
        return None  # let Django parse the body as usual

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.seen = 0
        # A part's own Content-Length (rarely sent) may only make us refuse sooner.
        declared = self.content_length
        self.over_limit = self.refuse_request or (declared is not None and declared > self.limit)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.seen += len(raw_data)
        if self.over_limit:
            return None
        if self.seen > self.limit:
            self.over_limit = True
            self._discard_others()
            return None
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.over_limit:
            return None  # the next handler returns the real file
        self._discard_others()
        return TooLargeUpload(
            name=self.file_name,
            content_type=self.content_type,
            size=self.seen,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )

    def _discard_others(self) -> None:
        """Let the handlers after this one drop what they hold of the current file (the
        temporary file handler deletes its file). Only called once their ``new_file`` has run
        for this file, so an earlier, accepted file of the same request is never touched."""
        handlers = getattr(self.request, "upload_handlers", None) or []
        after = False
        for handler in handlers:
            if handler is self:
                after = True
            elif after:
                handler.upload_interrupted()
