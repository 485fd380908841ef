"""Adding a new version (distribution) of a dataset: checked up front, imported on the worker.

:func:`add_distribution` takes an uploaded file or a web address. Everything that can be judged
cheaply is judged before anything is stored, with a ``ValidationError`` a person can act on: the
size (from ``upload.size``, so a 1 GB file is refused without being read), the kind of file
(from its content, never its name: CSV/TSV text, an Excel workbook, JSON) and, for a workbook,
the zip directory (zip bombs). Web addresses are fetched only through ``lib.safehttp`` with its
size cap, so private addresses and endless responses are refused too. The file is stored under a
generated name and the import (``tasks.import_distribution``) is queued once the transaction
commits.
"""

from __future__ import annotations

import uuid
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from knowledgehub.lib import safehttp
from knowledgehub.lib.upload_handlers import limit_for_path
from knowledgehub.lib.uploads import display_name

from .choices import ImportStatus
from .models import Dataset, Distribution
from .readers import MEDIA_TYPES, SNIFF_BYTES, TSV_MEDIA_TYPE, Limits, detect_format, size_words
from .storage import dataset_storage


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_dataset")


def _check_size(size: int, limit: int, *, too_large: bool = False) -> None:
    if too_large:
        # lib.upload_handlers stopped the file as it streamed in, at the datasets' upload limit
        # (KH_UPLOAD_LIMITS_BY_PATH) or the site-wide one.
        limit = min(limit, limit_for_path("/datasets/"))
    if too_large or size > limit:
        raise _refuse(
            _("The file is too big: the largest we accept is %(limit)s")
            % {"limit": size_words(limit)}
        )
    if size <= 0:
        raise _refuse(_("The file is empty"))


def _judge(fileobj: IO[bytes], size: int, limits: Limits) -> str:
    fileobj.seek(0)
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(0)
    fmt = detect_format(head, fileobj)
    if fmt == "json" and size > limits.max_json_bytes:
        raise _refuse(
            _("JSON files must be smaller than %(limit)s; upload CSV for bigger data")
            % {"limit": size_words(limits.max_json_bytes)}
        )
    return fmt


def _media_type(fmt: str, head: bytes) -> str:
    if fmt == "csv" and b"\t" in head.split(b"\n", 1)[0] and b"," not in head.split(b"\n", 1)[0]:
        return TSV_MEDIA_TYPE
    return MEDIA_TYPES[fmt]


def _fetch(url: str, limits: Limits) -> tuple[bytes, str]:
    limit = min(limits.max_bytes, limits.max_url_bytes)
    try:
        response = safehttp.fetch(url, max_bytes=limit)
    except safehttp.FetchError as exc:
        raise _refuse(exc.message) from None
    if not 200 <= response.status < 300:
        raise _refuse(
            _("The address answered with an error (HTTP status %(status)d) instead of data")
            % {"status": response.status}
        )
    return response.content, response.url


def add_distribution(
    dataset: Dataset,
    *,
    user: Any,
    upload: UploadedFile | None = None,
    url: str | None = None,
    note: str = "",
) -> Distribution:
    """Store a new version of ``dataset`` from ``upload`` or ``url`` (exactly one) and queue its
    import; raise ``ValidationError`` (nothing stored) when the file is refused."""
    if (upload is None) == (not url):
        raise _refuse(_("Choose a file to upload or give a web address (one, not both)"))
    limits = Limits.from_settings()
    content: File[Any]
    if upload is not None:
        size = int(upload.size or 0)
        _check_size(size, limits.max_bytes, too_large=bool(getattr(upload, "too_large", False)))
        fmt = _judge(upload, size, limits)
        upload.seek(0)
        head = upload.read(4096)
        upload.seek(0)
        content = File(upload)
        original_name = display_name(upload.name)
        source_url = ""
    else:
        assert url is not None
        data, final_url = _fetch(url, limits)
        size = len(data)
        _check_size(size, limits.max_bytes)
        content = ContentFile(data)
        fmt = _judge(content, size, limits)
        head = data[:4096]
        original_name = display_name(final_url.rstrip("/").rsplit("/", 1)[-1] or "download")
        source_url = url.strip()[:1000]

    storage = dataset_storage()
    name = storage.save(f"{dataset.pk}/{uuid.uuid4().hex}.{fmt}", content)
    try:
        with transaction.atomic():
            Dataset.objects.select_for_update().filter(pk=dataset.pk).first()
            latest = dataset.distributions.aggregate(latest=Max("version"))["latest"] or 0
            dist = Distribution.objects.create(
                dataset=dataset,
                version=latest + 1,
                file=name,
                original_name=original_name,
                source_url=source_url,
                format=fmt,
                media_type=_media_type(fmt, head),
                byte_size=size,
                status=ImportStatus.PENDING,
                progress_total=size,
                note=note[:500],
                created_by=user,
            )
            transaction.on_commit(lambda: _queue(dist.pk))
    except Exception:
        storage.delete(name)
        raise
    return dist


def _queue(distribution_id: int) -> None:
    from .tasks import import_distribution

    import_distribution(distribution_id)
