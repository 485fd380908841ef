"""The registration protocol every content kind implements once.

A content model subclasses :class:`Indexed`, is decorated with :func:`register`, and implements
``as_item()`` returning an :class:`ItemData` (or ``None`` while it should not be findable, e.g. a
draft). Saving or deleting the model keeps its ``knowledge.Item`` in step in the same transaction.
Code that changes what ``as_item`` depends on without calling ``save()`` (M2M tags, bulk updates)
calls :func:`index_sync` itself, inside the same ``transaction.atomic()`` block.
See docs/howto/add-a-content-kind.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise

from .choices import Audience


@dataclass(frozen=True)
class ItemData:
    """What a content object tells the index about itself."""

    title: str
    url: str
    text: str = ""
    summary: str = ""
    author_id: int | None = None
    source_name: str = ""
    organisation_id: int | None = None
    community_id: int | None = None
    audience: str = Audience.PUBLIC
    tags: Sequence[Any] = field(default_factory=tuple)  # names, or Tag rows
    published_at: datetime | None = None
    updated_at: datetime | None = None
    is_demo: bool = False


@dataclass(frozen=True)
class KindInfo:
    kind: str
    label: StrOrPromise
    label_plural: StrOrPromise
    model: type[models.Model]
    # False when an Item's author is not its writer (a privately followed feed's items belong to
    # their follower, so the rule shows them to that person alone): such items are left out of
    # "what this person wrote" (profiles, person feeds).
    authored: bool = True


_KINDS: dict[str, KindInfo] = {}

M = TypeVar("M", bound=type[models.Model])
StrOrPromise = str | Promise


def register(
    kind: str, *, label: StrOrPromise, label_plural: StrOrPromise, authored: bool = True
) -> Callable[[M], M]:
    """Class decorator: declare a model as the source of items of ``kind``."""

    def decorator(model: M) -> M:
        if kind in _KINDS and _KINDS[kind].model is not model:
            raise ValueError(f"knowledge kind {kind!r} is already registered")
        _KINDS[kind] = KindInfo(
            kind=kind, label=label, label_plural=label_plural, model=model, authored=authored
        )
        model.knowledge_kind = kind  # type: ignore[attr-defined]
        return model

    return decorator


def kinds() -> list[KindInfo]:
    return sorted(_KINDS.values(), key=lambda k: k.label)


def unauthored_kinds() -> list[str]:
    """Kinds whose Item author is not the person who wrote it (see ``KindInfo.authored``)."""
    return sorted(k.kind for k in _KINDS.values() if not k.authored)


def kind_label(kind: str) -> str:
    info = _KINDS.get(kind)
    return str(info.label) if info else kind.replace("_", " ").capitalize()


class Indexed(models.Model):
    """Abstract base for content models that appear in the knowledge index."""

    knowledge_kind: ClassVar[str]

    class Meta:
        abstract = True

    def save(self, *args: Any, index: bool = True, **kwargs: Any) -> None:
        """Save and keep the Item in step. ``index=False`` is for services that set M2M tags
        after the first save and then call :func:`index_sync` once themselves, in the same
        transaction."""
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)
            if index:
                index_sync(self)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        from .history import revisions_of

        with transaction.atomic():
            index_remove(self)
            revisions_of(self).delete()
            return super().delete(*args, **kwargs)

    def as_item(self) -> ItemData | None:
        raise NotImplementedError

    def indexed_tags(self) -> list[Any]:
        """The tags ``as_item`` reports: those a create service has just written (handed over with
        :meth:`remember_tags`, so they are not read back), else the object's ``tags`` relation."""
        remembered = self.__dict__.get("_kh_new_tags")
        if remembered is not None:
            return list(remembered)
        return list(self.tags.all()) if self.pk else []  # type: ignore[attr-defined]

    def remember_tags(self, tags: Sequence[Any]) -> None:
        """Tell the next :func:`index_sync` which Tag rows were just set (it forgets them after)."""
        self.__dict__["_kh_new_tags"] = list(tags)

    @classmethod
    def visible_to(cls, user: Any) -> models.QuerySet[Any]:
        """The objects of this kind whose Item the viewer may see: the one visibility rule, for
        content lists (so no kind writes its own version of it)."""
        from .models import Item

        ids = Item.objects.visible_to(user).filter(kind=cls.knowledge_kind).values("object_id")
        return cls._default_manager.filter(pk__in=ids)

    @property
    def knowledge_item(self) -> Any:
        """This object's Item (or None), read fresh each time."""
        from .models import Item

        return Item.objects.filter(
            content_type=ContentType.objects.get_for_model(type(self)), object_id=self.pk
        ).first()


def index_sync(obj: Indexed, *, new: bool = False) -> Any:
    """Create, update or remove ``obj``'s Item so it matches ``obj.as_item()``. ``new=True``
    (from a create service, for an object saved with ``index=False`` in this transaction) skips
    looking for an Item that cannot exist yet.

    Written for the hot path of content creation: one lookup, then an insert or an update, and
    the tags written directly for a new Item. ``QuerySet.update`` sends no signal, so the
    anonymous page cache is told explicitly (once per transaction)."""
    from knowledgehub.core.pagecache import bump_content_version

    from .models import Item, Tag
    from .signals import item_created

    data = obj.as_item()
    if data is None:
        index_remove(obj)
        return None
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(type(obj))
    fields = {
        "kind": obj.knowledge_kind,
        "title": data.title[:300],
        "url": data.url,
        "text": data.text,
        "summary": data.summary[:500],
        "author_id": data.author_id,
        "source_name": data.source_name,
        "organisation_id": data.organisation_id,
        "community_id": data.community_id,
        "audience": data.audience,
        "published_at": data.published_at or now,
        "updated_at": data.updated_at or now,
        "is_demo": data.is_demo,
    }
    names = [t for t in data.tags if isinstance(t, str)]
    tags = [t for t in data.tags if not isinstance(t, str)]  # Tag rows, as indexed_tags gives
    if names:
        tags += Tag.objects.get_or_create_many(names)
    obj.__dict__.pop("_kh_new_tags", None)
    with transaction.atomic(savepoint=False):
        item = (
            None
            if new
            else Item.objects.filter(content_type=content_type, object_id=obj.pk).first()
        )
        if item is None:
            item = Item.objects.create(content_type=content_type, object_id=obj.pk, **fields)
            if tags:
                through = Item.tags.through
                through.objects.bulk_create(
                    [through(item_id=item.pk, tag_id=tag.pk) for tag in tags]
                )
            from knowledgehub.follows.activity import record_item_created

            record_item_created(item)  # "<author> posted …" for followers' streams
            item_id = item.pk
            transaction.on_commit(
                lambda: item_created.send(sender=Item, item_id=item_id), robust=True
            )
        else:
            Item.objects.filter(pk=item.pk).update(**fields)
            for name, value in fields.items():
                setattr(item, name, value)
            item.tags.set(tags)
            bump_content_version()
    return item


def index_remove(obj: models.Model) -> None:
    from .models import Item

    Item.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).delete()
