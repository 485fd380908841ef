"""Edit history for any content kind: each create and edit service calls :func:`record_revision`
with the title and Markdown source as saved, inside its own transaction. The history and the
differences between any two revisions are shown at ``/items/<item id>/history/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction

from .models import ContentRevision

if TYPE_CHECKING:
    from knowledgehub.people.models import User


def revisions_of(obj: models.Model) -> models.QuerySet[ContentRevision]:
    return ContentRevision.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    )


def record_revision(
    obj: models.Model,
    *,
    editor: User | None,
    title: str,
    body: str,
    note: str = "",
    new: bool = False,
) -> ContentRevision | None:
    """Record ``obj``'s state as its next revision, unless nothing changed since the last one.
    Returns the new revision, or None when it would repeat the latest. ``new=True`` (an object
    created in this transaction) records revision 1 without looking for earlier ones."""
    content_type = ContentType.objects.get_for_model(type(obj))
    if new:
        return ContentRevision.objects.create(
            content_type=content_type,
            object_id=obj.pk,
            number=1,
            editor=editor,
            title=title[:300],
            body=body,
            note=note[:200],
        )
    for _attempt in range(3):
        latest = (
            ContentRevision.objects.filter(content_type=content_type, object_id=obj.pk)
            .order_by("-number")
            .first()
        )
        if latest is not None and latest.title == title[:300] and latest.body == body:
            return None
        number = (latest.number if latest is not None else 0) + 1
        try:
            with transaction.atomic():
                return ContentRevision.objects.create(
                    content_type=content_type,
                    object_id=obj.pk,
                    number=number,
                    editor=editor,
                    title=title[:300],
                    body=body,
                    note=note[:200],
                )
        except IntegrityError:  # two saves raced for the same number: take the next one
            continue
    raise RuntimeError("could not record a revision after three attempts")
