"""Writes and reads of the serendipity engine: the full rebuild, the incremental update of one new
item, and the related items a viewer may see (always through the one visibility rule, in SQL)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.visibility import visibility_q

from . import engine
from .models import ItemVector, ModelState, RelatedItem

BATCH = 1000


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _texts(rows: list[tuple[int, str, str]]) -> list[str]:
    return [engine.item_text(title, text) for _, title, text in rows]


def _items_query() -> Any:
    return Item.objects.order_by("pk").annotate(head=Substr("text", 1, engine.MAX_CHARS))


def rebuild(*, progress: engine.ProgressFn | None = None) -> dict[str, int]:
    """Fit TF-IDF over every Item, then recompute every vector and every item's top related items.
    Running it twice gives the same rows."""
    report = progress or _noop
    rows: list[tuple[int, str, str]] = list(_items_query().values_list("pk", "title", "head"))
    n = len(rows)
    report("fitting", 0, n)
    model = engine.TfidfModel.fit(_texts(rows))
    report("fitting", n, n)
    blocks = []
    for start in range(0, n, BATCH):
        blocks.append(model.transform(_texts(rows[start : start + BATCH])))
        report("vectors", min(start + BATCH, n), n)
    from scipy import sparse

    matrix = (
        sparse.csr_matrix(sparse.vstack(blocks)) if blocks else engine.stack([], len(model.terms))
    )
    ids = [pk for pk, _, _ in rows]
    vectors = [_row(matrix, i) for i in range(n)]
    now = timezone.now()
    written = 0
    with transaction.atomic():
        latest = ModelState.objects.aggregate(v=Max("version"))["v"] or 0
        state = ModelState.objects.create(
            version=latest + 1, terms=model.terms, idf=model.idf, item_count=n
        )
        ModelState.objects.exclude(pk=state.pk).delete()
        ItemVector.objects.all().delete()
        RelatedItem.objects.all().delete()
        for start in range(0, n, BATCH):
            ItemVector.objects.bulk_create(
                ItemVector(
                    item_id=ids[i],
                    tfidf=engine.pack(matrix[i]),
                    model_version=state.version,
                    updated_at=now,
                )
                for i in range(start, min(start + BATCH, n))
            )
            report("saving", min(start + BATCH, n), n)
        # Neighbours are written a batch at a time, so memory stays flat however many items.
        pending: list[RelatedItem] = []
        for i, hits in enumerate(engine.nearest(matrix, matrix, exclude=list(range(n)))):
            pending += [
                RelatedItem(
                    item_id=ids[i],
                    related_id=ids[j],
                    score=round(score, 6),
                    terms=engine.shared_terms(vectors[i], vectors[j], model.terms),
                )
                for j, score in hits
            ]
            if (i + 1) % BATCH == 0 or i + 1 == n:
                RelatedItem.objects.bulk_create(pending, batch_size=BATCH)
                written += len(pending)
                pending = []
                report("neighbours", i + 1, n)
    return {"items": n, "terms": len(model.terms), "related": written}


def _row(matrix: Any, i: int) -> tuple[Any, Any]:
    start, end = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[start:end], matrix.data[start:end]


_MODELS: dict[int, engine.TfidfModel] = {}


def _current_model() -> tuple[ModelState, engine.TfidfModel] | None:
    state = ModelState.objects.order_by("-version").first()
    if state is None:
        return None
    if state.version not in _MODELS:
        _MODELS.clear()
        _MODELS[state.version] = engine.TfidfModel.restore(state.terms, state.idf)
    return state, _MODELS[state.version]


def item_related_update(item_id: int) -> str:
    """Vectorise one item with the current vocabulary, store its top related items, and add it to
    its neighbours' lists where it ranks (keeping each list to the top ``NEIGHBOURS``). Safe to run
    any number of times. Does nothing until a first ``rebuild``."""
    current = _current_model()
    if current is None:
        return "no model yet: run rebuild_serendipity"
    state, model = current
    row = _items_query().filter(pk=item_id).values_list("pk", "title", "head").first()
    if row is None:
        return "item gone"
    vec = model.transform(_texts([row]))
    mine = _row(vec, 0)
    others = list(ItemVector.objects.exclude(item_id=item_id).values_list("item_id", "tfidf"))
    matrix = engine.stack([bytes(blob) for _, blob in others], len(model.terms))
    hits = next(iter(engine.nearest(vec, matrix))) if others and len(mine[0]) else []
    with transaction.atomic():
        ItemVector.objects.update_or_create(
            item_id=item_id,
            defaults={
                "tfidf": engine.pack(vec),
                "model_version": state.version,
                "updated_at": timezone.now(),
            },
        )
        RelatedItem.objects.filter(item_id=item_id).delete()
        RelatedItem.objects.bulk_create(
            RelatedItem(
                item_id=item_id,
                related_id=others[j][0],
                score=round(score, 6),
                terms=engine.shared_terms(mine, engine.unpack(others[j][1]), model.terms),
            )
            for j, score in hits
        )
        for j, score in hits:
            other_id = others[j][0]
            RelatedItem.objects.update_or_create(
                item_id=other_id,
                related_id=item_id,
                defaults={
                    "score": round(score, 6),
                    "terms": engine.shared_terms(engine.unpack(others[j][1]), mine, model.terms),
                },
            )
            beyond = RelatedItem.objects.filter(item_id=other_id).order_by("-score", "related_id")[
                engine.NEIGHBOURS :
            ]
            RelatedItem.objects.filter(pk__in=list(beyond.values_list("pk", flat=True))).delete()
    return f"{len(hits)} related"


def reason(terms: list[str]) -> str:
    """Why two items are related, in words: "shares the themes recycling, food waste"."""
    shown = [t for t in terms if t][:3]
    if not shown:
        return _("similar wording")
    return ngettext("shares the theme %(terms)s", "shares the themes %(terms)s", len(shown)) % {
        "terms": ", ".join(shown)
    }


def related_for(viewer: Any, item: Item, limit: int = 5) -> list[tuple[Item, str]]:
    """The items most related to ``item`` that ``viewer`` may see, best first, each with a reason.
    The visibility rule is applied in the same SQL query, so nothing hidden is ever fetched."""
    viewer = viewer if viewer is not None else AnonymousUser()
    rows = (
        RelatedItem.objects.filter(item=item)
        .exclude(related_id=item.pk)
        .filter(visibility_q(viewer, prefix="related__"))
        .select_related("related")
        .order_by("-score", "related_id")[:limit]
    )
    return [(r.related, reason(list(r.terms))) for r in rows]


def relate_pending(*, limit: int = 100) -> int:
    """Run :func:`item_related_update` for up to ``limit`` items that have no vector yet, oldest
    first; returns how many were done. Does nothing before a first ``rebuild``."""
    if _current_model() is None:
        return 0
    pending = list(
        _items_query()
        .filter(serendipity_vector__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for item_id in pending:
        item_related_update(item_id)
    return len(pending)
