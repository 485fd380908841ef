"""Writes and reads of the serendipity engine: the full rebuild, the incremental update of new
items, and the related items a viewer may see (always through the one visibility rule, in SQL).

Scores blend the embedding cosine with the TF-IDF cosine (``engine.blend``; TF-IDF alone when no
embedding model is installed); reasons come from the TF-IDF terms two items share. Embeddings are
computed here, so only the worker and management commands call the writers; ``related_for`` reads
precomputed rows and never touches a model.

The worker keeps the vectors of the current model version in memory (``_VectorCache``): loaded
once, topped up with each sweep's new items, re-synchronised by id when rows appear or disappear
behind its back, dropped when a rebuild changes the version.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Max, Min, Q, Value, When, Window
from django.db.models.functions import RowNumber, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from scipy import sparse

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


def _embed_texts(rows: list[tuple[int, str, str]]) -> list[str]:
    return [engine.embed_text(title, text) for _, title, text in rows]


def _row(matrix: Any, i: int) -> tuple[Any, Any]:
    start, end = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[start:end], matrix.data[start:end]


def rebuild(*, progress: engine.ProgressFn | None = None) -> dict[str, int]:
    """Fit TF-IDF over every Item, embed every item (when a model is installed), then recompute
    every vector and every item's top related items. Running it twice gives the same rows."""
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
    matrix = (
        sparse.csr_matrix(sparse.vstack(blocks)) if blocks else engine.stack([], len(model.terms))
    )
    dense: np.ndarray | None = None
    if n and engine.embed(["probe"]) is not None:
        dense = np.zeros((n, engine.EMBED_DIM), dtype=np.float32)
        for start in range(0, n, BATCH):
            part = engine.embed(_embed_texts(rows[start : start + BATCH]))
            if part is not None:
                dense[start : start + len(part)] = part
            report("embeddings", min(start + BATCH, n), n)
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
                    embedding=None if dense is None else engine.pack_dense(dense[i]),
                    model_version=state.version,
                    updated_at=now,
                )
                for i in range(start, min(start + BATCH, n))
            )
            report("saving", min(start + BATCH, n), n)
        # Neighbours are written a batch at a time, so memory stays flat however many items.
        pending: list[RelatedItem] = []
        hits_iter = engine.nearest(
            matrix, matrix, exclude=list(range(n)), dense_queries=dense, dense_matrix=dense
        )
        for i, hits in enumerate(hits_iter):
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
    with _CACHE_LOCK:  # this process already holds every vector: no need to read them back
        global _CACHE
        _CACHE = _VectorCache(state, len(model.terms))
        _CACHE.add(ids, matrix, dense)
    return {
        "items": n,
        "terms": len(model.terms),
        "related": written,
        "embedded": 0 if dense is None else n,
    }


_MODELS: dict[tuple[int, Any], engine.TfidfModel] = {}


def current_model() -> tuple[ModelState, engine.TfidfModel] | None:
    """The current TF-IDF model state and the fitted model (restored once per version)."""
    state = ModelState.objects.order_by("-version").first()
    if state is None:
        return None
    key = _key(state)
    if key not in _MODELS:
        _MODELS.clear()
        _MODELS[key] = engine.TfidfModel.restore(state.terms, state.idf)
    return state, _MODELS[key]


def _key(state: ModelState) -> tuple[int, Any]:
    """A model's identity: its version and when it was made (a restored or rolled-back database
    can reuse a version number for a different vocabulary)."""
    return state.version, state.created_at


_current_model = current_model  # the name other modules used before it was public


class _VectorCache:
    """Every stored vector of one model version, in memory, in the worker: item ids, the TF-IDF
    rows (CSR) and the embedding rows (float32, zeros where an item has none). Rows are only ever
    appended; a replaced or deleted item's old row is marked dead and never returned."""

    def __init__(self, state: ModelState, n_terms: int) -> None:
        self.key = _key(state)
        self.version = state.version
        self.n_terms = max(n_terms, 1)
        self.ids: list[int] = []
        self.pos: dict[int, int] = {}
        self._blocks: list[sparse.csr_matrix] = []
        self._tfidf = engine.stack([], self.n_terms)
        self.dense = np.zeros((0, engine.EMBED_DIM), dtype=np.float32)
        self.dead = np.zeros(0, dtype=bool)
        self.has_dense = False

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def live(self) -> int:
        return len(self.pos)

    def tfidf(self) -> sparse.csr_matrix:
        if self._blocks:
            self._tfidf = sparse.csr_matrix(sparse.vstack([self._tfidf, *self._blocks]))
            self._blocks = []
        return self._tfidf

    def _grow(self, need: int) -> None:
        if need <= len(self.dead):
            return
        capacity = max(need, 2 * len(self.dead), 1024)
        dense = np.zeros((capacity, engine.EMBED_DIM), dtype=np.float32)
        dense[: self.size] = self.dense[: self.size]
        dead = np.zeros(capacity, dtype=bool)
        dead[: self.size] = self.dead[: self.size]
        self.dense, self.dead = dense, dead

    def add(self, ids: list[int], tfidf: sparse.csr_matrix, dense: np.ndarray | None) -> None:
        if not ids:
            return
        self.forget(ids)
        start = self.size
        self._grow(start + len(ids))
        if dense is not None:
            self.dense[start : start + len(ids)] = dense
            self.has_dense = True
        self._blocks.append(sparse.csr_matrix(tfidf, dtype=np.float32))
        for offset, item_id in enumerate(ids):
            self.ids.append(item_id)
            self.pos[item_id] = start + offset
        self.dead[start : start + len(ids)] = False

    def forget(self, ids: Any) -> None:
        for item_id in ids:
            at = self.pos.pop(item_id, None)
            if at is not None:
                self.dead[at] = True

    def load(self, ids: list[int] | None = None) -> int:
        """Read vectors from the database: all of this version's, or only ``ids``'."""
        global CACHE_LOADS
        query = ItemVector.objects.filter(model_version=self.version).order_by("item_id")
        chunks: list[list[int] | None] = (
            [None] if ids is None else [ids[i : i + 900] for i in range(0, len(ids), 900)]
        )
        loaded = 0
        for chunk in chunks:
            part = query if chunk is None else query.filter(item_id__in=chunk)
            rows = list(part.values_list("item_id", "tfidf", "embedding"))
            if not rows:
                continue
            matrix = engine.stack([bytes(t) for _, t, _ in rows], self.n_terms)
            dense = None
            if any(e is not None for _, _, e in rows):
                dense = np.zeros((len(rows), engine.EMBED_DIM), dtype=np.float32)
                for i, (_, _, blob) in enumerate(rows):
                    if blob is not None and len(blob) == engine.EMBED_DIM * 4:
                        dense[i] = engine.unpack_dense(blob)
            self.add([pk for pk, _, _ in rows], matrix, dense)
            loaded += len(rows)
        if ids is None:
            CACHE_LOADS += 1
        return loaded

    def sync(self) -> None:
        """Catch up with vectors written or deleted by other processes (a rebuild of the same
        version never happens: a rebuild makes a new version). One COUNT when nothing changed."""
        stored = ItemVector.objects.filter(model_version=self.version)
        if stored.count() == self.live:
            return
        in_db = set(stored.values_list("item_id", flat=True))
        gone = [pk for pk in self.pos if pk not in in_db]
        self.forget(gone)
        missing = sorted(in_db.difference(self.pos))
        if missing:
            self.load(missing)


_CACHE_LOCK = threading.RLock()
_CACHE: _VectorCache | None = None
CACHE_LOADS = 0  # full loads of the cache in this process (tests check the sweep does not reload)


def _cache_for(state: ModelState, n_terms: int) -> _VectorCache:
    """The worker's vector cache for ``state``'s version (call with ``_CACHE_LOCK`` held)."""
    global _CACHE
    if _CACHE is None or _CACHE.key != _key(state):
        _CACHE = _VectorCache(state, n_terms)
        _CACHE.load()
    else:
        _CACHE.sync()
    return _CACHE


def drop_cache() -> None:
    global _CACHE
    with _CACHE_LOCK:
        _CACHE = None


def relate_items(item_ids: list[int]) -> int | None:
    """Vectorise ``item_ids`` (TF-IDF with the current vocabulary, and one embedding batch), store
    their top related items, and add each to its neighbours' lists where it ranks (keeping each
    list to the top ``NEIGHBOURS``). Idempotent. Returns how many related rows were written, or
    ``None`` before a first ``rebuild``. Ids of deleted items are skipped."""
    current = current_model()
    if current is None:
        return None
    state, model = current
    rows = list(_items_query().filter(pk__in=list(item_ids)).values_list("pk", "title", "head"))
    if not rows:
        return 0
    new_ids = [pk for pk, _, _ in rows]
    vectors = model.transform(_texts(rows))
    dense = engine.embed(_embed_texts(rows))
    with _CACHE_LOCK:
        cache = _cache_for(state, len(model.terms))
        cache.add(new_ids, vectors, dense)
        matrix = cache.tfidf()
        use_dense = dense is not None and cache.has_dense
        hits = list(
            engine.nearest(
                vectors,
                matrix,
                exclude=[cache.pos[pk] for pk in new_ids],
                dense_queries=dense if use_dense else None,
                dense_matrix=cache.dense[: cache.size] if use_dense else None,
                dead=cache.dead[: cache.size],
            )
        )
        cache_ids = list(cache.ids)
        others = {cache_ids[j] for found in hits for j, _ in found}
        existing = set(Item.objects.filter(pk__in=list(others)).values_list("pk", flat=True))
        cache.forget(others - existing)  # deleted since they were cached
        terms_of = {cache_ids[j]: _row(matrix, j) for found in hits for j, _ in found}
    mine = {pk: _row(vectors, i) for i, pk in enumerate(new_ids)}
    forward: list[RelatedItem] = []
    backward: dict[int, list[RelatedItem]] = {}
    new_set = set(new_ids)
    for pk, found in zip(new_ids, hits, strict=True):
        for j, score in found:
            other = cache_ids[j]
            if other not in existing:
                continue
            forward.append(
                RelatedItem(
                    item_id=pk,
                    related_id=other,
                    score=round(score, 6),
                    terms=engine.shared_terms(mine[pk], terms_of[other], model.terms),
                )
            )
            if other not in new_set:  # new items' own lists are written whole, above
                backward.setdefault(other, []).append(
                    RelatedItem(
                        item_id=other,
                        related_id=pk,
                        score=round(score, 6),
                        terms=engine.shared_terms(terms_of[other], mine[pk], model.terms),
                    )
                )
    now = timezone.now()
    with transaction.atomic():
        ItemVector.objects.filter(item_id__in=new_ids).delete()
        ItemVector.objects.bulk_create(
            ItemVector(
                item_id=pk,
                tfidf=engine.pack(vectors[i]),
                embedding=None if dense is None else engine.pack_dense(dense[i]),
                model_version=state.version,
                updated_at=now,
            )
            for i, pk in enumerate(new_ids)
        )
        RelatedItem.objects.filter(item_id__in=new_ids).delete()
        RelatedItem.objects.bulk_create(forward, batch_size=BATCH)
        written = len(forward) + _add_backward(backward, new_ids)
    return written


def _add_backward(backward: dict[int, list[RelatedItem]], new_ids: list[int]) -> int:
    """Put new items into existing items' lists where they rank, then trim each list to the top
    ``NEIGHBOURS`` (one windowed query for all of them)."""
    if not backward:
        return 0
    stats = {
        row["item_id"]: (row["n"], row["low"])
        for row in RelatedItem.objects.filter(item_id__in=list(backward))
        .exclude(related_id__in=new_ids)
        .values("item_id")
        .annotate(n=Count("id"), low=Min("score"))
    }
    rows: list[RelatedItem] = []
    for other, candidates in backward.items():
        n, low = stats.get(other, (0, 0.0))
        rows += [r for r in candidates if n < engine.NEIGHBOURS or r.score > low]
    touched = sorted({r.item_id for r in rows})
    RelatedItem.objects.filter(item_id__in=touched, related_id__in=new_ids).delete()
    RelatedItem.objects.bulk_create(rows, batch_size=BATCH)
    ranked = (
        RelatedItem.objects.filter(item_id__in=touched)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("item_id")],
                order_by=[F("score").desc(), F("related_id").asc()],
            )
        )
        .filter(rank__gt=engine.NEIGHBOURS)
        .values_list("pk", flat=True)
    )
    RelatedItem.objects.filter(pk__in=list(ranked)).delete()
    return len(rows)


def item_related_update(item_id: int) -> str:
    """Vectorise one item and link it with its related items, both ways. Safe to run any number
    of times. Does nothing until a first ``rebuild``."""
    written = relate_items([item_id])
    if written is None:
        return "no model yet: run rebuild_serendipity"
    if not Item.objects.filter(pk=item_id).exists():
        return "item gone"
    return f"{RelatedItem.objects.filter(item_id=item_id).count()} related"


def relate_pending(*, limit: int = 100) -> int:
    """Relate up to ``limit`` items that have no vector yet, oldest first, in one batch (one
    embedding call, one pass over the cached vectors); returns how many were done. Does nothing
    before a first ``rebuild``."""
    if current_model() is None:
        return 0
    pending = pending_item_ids(limit)
    if pending:
        relate_items(pending)
    return len(pending)


def pending_item_ids(limit: int) -> list[int]:
    """Up to ``limit`` items that have no vector yet, oldest first (the worker's next batch)."""
    return list(
        Item.objects.filter(serendipity_vector__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


# --- Reading: what a viewer sees -----------------------------------------------------------------


def _organisation(viewer: Any, item: Item) -> Any:
    """The organisation an item comes from: its own, or its author's when the viewer may see the
    author's profile (the same test as ``User.objects.visible_to``)."""
    if item.organisation_id is not None:
        return item.organisation
    author = item.author
    if author is None or author.organisation_id is None or not author.is_active:
        return None
    from knowledgehub.people.choices import ProfileVisibility

    if not viewer.is_authenticated and author.profile_visibility != ProfileVisibility.PUBLIC:
        return None
    return author.organisation


def organisation_reason(mine: Any, theirs: Any) -> str:
    """ "from a similar council" (same council type and region), or where the item comes from."""
    from knowledgehub.organisations.choices import COUNCIL_TYPES

    if theirs is None:
        return ""
    if mine is not None and mine.pk == theirs.pk:
        return _("also from %(organisation)s") % {"organisation": theirs.name}
    if (
        mine is not None
        and theirs.type in COUNCIL_TYPES
        and mine.type == theirs.type
        and mine.region
        and mine.region == theirs.region
    ):
        return _("from a similar council (%(organisation)s)") % {"organisation": theirs.name}
    return _("from %(organisation)s") % {"organisation": theirs.name}


def reason(terms: list[str], organisation: str = "") -> str:
    """Why two items are related, in words: "shares the themes recycling, food waste; from a
    similar council (Testshire)"."""
    shown = [t for t in terms if t][:3]
    if shown:
        why = ngettext("shares the theme %(terms)s", "shares the themes %(terms)s", len(shown)) % {
            "terms": ", ".join(shown)
        }
    else:
        why = _("on a similar subject")
    return f"{why}; {organisation}" if organisation else why


def related_for(
    viewer: Any, item: Item, limit: int = 5, surprise: bool = False
) -> list[tuple[Item, str]]:
    """The items most related to ``item`` that ``viewer`` may see, best first, each with a reason.
    The visibility rule is applied in the same SQL query, so nothing hidden is ever fetched.

    With ``surprise`` the precomputed neighbours are re-ranked to favour items from communities
    the viewer is not a member of, then sitewide items of another kind or source, then the rest
    (still by score within each group)."""
    viewer = viewer if viewer is not None else AnonymousUser()
    rows = (
        RelatedItem.objects.filter(item=item)
        .exclude(related_id=item.pk)
        .filter(visibility_q(viewer, prefix="related__"))
        .select_related("related__organisation", "related__author__organisation")
    )
    if surprise:
        elsewhere = Q(related__community__isnull=False)
        if item.community_id is not None:
            elsewhere &= ~Q(related__community_id=item.community_id)
        if viewer.is_authenticated:
            from knowledgehub.communities.models import Membership

            elsewhere &= ~Q(
                related__community_id__in=Membership.objects.filter(user_id=viewer.pk).values(
                    "community_id"
                )
            )
        other_source = Q(related__community__isnull=True) & (
            ~Q(related__kind=item.kind) | ~Q(related__source_name=item.source_name)
        )
        rows = rows.annotate(
            surprising=Case(
                When(elsewhere, then=Value(2)),
                When(other_source, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        ).order_by("-surprising", "-score", "related_id")
    else:
        rows = rows.order_by("-score", "related_id")
    found = list(rows[: max(0, limit)])
    mine = _organisation(viewer, item) if found else None
    return [
        (
            r.related,
            reason(list(r.terms), organisation_reason(mine, _organisation(viewer, r.related))),
        )
        for r in found
    ]


def related_context(viewer: Any, item: Item | None, *, surprise: bool = False) -> dict[str, Any]:
    """What ``serendipity/_related.html`` needs, for the template tag and the fragment view."""
    rows = related_for(viewer, item, surprise=surprise) if item is not None and item.pk else []
    return {"related_items": rows, "item": item, "surprise": surprise}
