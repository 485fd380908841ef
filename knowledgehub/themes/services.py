"""Themes: clustering recent items into labelled groups, keeping theme ids stable across rebuilds,
assigning every item to its nearest theme, and deciding who may see which theme.

How a rebuild works (``rebuild_themes``), per scope (sitewide, then each community):

1. **Pool.** Sitewide themes are formed only from *open* items (audience public, not hidden, not
   in a secret community) published in the last ``WINDOW_DAYS`` (all open items when the window
   holds fewer than ``MIN_WINDOW_ITEMS``). So a sitewide label never depends on anything a
   visitor may not see. A community's themes are formed from its non-private, non-hidden items,
   when it has at least ``MIN_COMMUNITY_ITEMS``; only its members (and site admins) see them.
2. **Space.** Sentence embeddings when most pool items have one, else the stored TF-IDF vectors.
   Reduced to ``DIMS`` dimensions (PCA on dense embeddings, TruncatedSVD on sparse TF-IDF) and
   L2-normalised, because density clustering works poorly in hundreds of dimensions.
3. **Clusters.** HDBSCAN (no number of themes to choose; odd items are left out as noise) when the
   pool has at most ``HDBSCAN_MAX`` items. HDBSCAN's cost grows faster than linearly (about 14 s
   for 20,000 items on this machine), so a larger pool is clustered on a seeded sample of
   ``HDBSCAN_MAX`` items and the other items join the nearest sample cluster when they are as close
   to it as its own members are; MiniBatchKMeans is the fallback when the sample yields fewer than
   two clusters.
4. **Labels.** Class-based TF-IDF over the clusters' item terms (the stored top terms of each item,
   which are the engine's own vocabulary with its phrases): a term's share of its cluster's terms
   times ``log(1 + average terms per cluster / the term's count across clusters)``. The top
   ``KEYWORDS`` are kept, a phrase replacing the words inside it ("food waste" then not "waste")
   when it is nearly as typical of the cluster as they are; the label is the first three.
5. **Stable ids.** Each new cluster takes the id of the old active theme of the same scope whose
   items it overlaps most (Jaccard >= ``MATCH_JACCARD``, one-to-one, best pairs first), so follows
   and links survive; old themes nothing matches are retired (``is_active=False``), never deleted.
6. **Assignment.** Every item with a vector (any audience: the pages filter by the visibility rule)
   joins the nearest active theme of each of its scopes when its cosine to the centroid reaches
   the threshold; cluster members always join their own theme.

Centroids are stored in the *original* space, not the reduced one: a unit float32 embedding (384
numbers), or the theme's top ``CENTROID_TERMS`` TF-IDF terms tagged with the vocabulary version.
So the worker (``assign_new_items``) places a new item with one dot product per theme and never
needs the fitted reducer, which therefore lives only for the duration of a rebuild.
"""

from __future__ import annotations

import math
import struct
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from scipy import sparse

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.visibility import visibility_q
from knowledgehub.serendipity import engine
from knowledgehub.serendipity.models import ItemVector, ModelState

from .models import Theme, ThemeItem

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from knowledgehub.communities.models import Community
    from knowledgehub.people.models import User

WINDOW_DAYS = 365  # sitewide and community themes are formed from items this recent
MIN_WINDOW_ITEMS = 30  # fewer than this in the window: use every eligible item instead
MIN_COMMUNITY_ITEMS = 20  # a community gets its own themes from this many eligible items
MIN_POOL = 10  # below this nothing is clustered (and the scope's themes retire)
DIMS = 25
HDBSCAN_MAX = 20_000
KMEANS_MAX = 150
KEYWORDS = 8
PHRASE_RATIO = 0.5  # a phrase replaces its words when at least this share of their weight
LABEL_WORDS = 3
MATCH_JACCARD = 0.3
CENTROID_TERMS = 256
# Cosine to a centroid (in the original space) from which an item joins a theme it was not
# clustered into. Sentence embeddings of texts on one topic sit around 0.4-0.7 from their mean;
# truncated TF-IDF vectors are much sparser, so their cosines are lower.
THRESHOLD = {"embedding": 0.35, "tfidf": 0.12}
SEED = 2026
BATCH = 2000
WATERMARK_KEY = "themes:assign:watermark"

_DENSE = b"d"
_SPARSE = b"s"

ProgressFn = Callable[[str, int, int], Any]


def _noop(stage: str, done: int, total: int) -> None:
    return None


# --- who may see which theme ------------------------------------------------------------------


def visible_themes(
    viewer: User | AnonymousUser, community: Community | None = None, *, active_only: bool = True
) -> QuerySet[Theme]:
    """Themes ``viewer`` may see. Sitewide themes (formed from open items only) are for everyone;
    a community's themes only for its members and site admins. With ``community`` only that
    community's themes (none when the viewer may not see them); without it, sitewide themes plus
    those of the viewer's communities (``.filter(community__isnull=True)`` for sitewide only)."""
    from knowledgehub.communities.models import Membership

    qs = Theme.objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    if viewer.is_authenticated and viewer.is_superuser:
        allowed = Q(community__isnull=True) | Q(community__isnull=False)
    elif viewer.is_authenticated:
        allowed = Q(community__isnull=True) | Q(
            community_id__in=Membership.objects.filter(user_id=viewer.pk).values("community_id")
        )
    else:
        allowed = Q(community__isnull=True)
    qs = qs.filter(allowed)
    if community is not None:
        qs = qs.filter(community_id=community.pk)
    return qs


def may_see_community_themes(viewer: User | AnonymousUser, community: Community) -> bool:
    from knowledgehub.communities.models import Membership

    if not viewer.is_authenticated:
        return False
    if viewer.is_superuser:
        return True
    return Membership.objects.filter(user_id=viewer.pk, community_id=community.pk).exists()


# --- centroids --------------------------------------------------------------------------------


@dataclass
class Centroid:
    space: str  # "embedding" or "tfidf"
    dense: np.ndarray | None = None
    terms: tuple[np.ndarray, np.ndarray] | None = None
    version: int = 0


def pack_centroid(c: Centroid) -> bytes:
    """``d`` + float32 LE vector, or ``s`` + uint32 vocabulary version + packed sparse terms."""
    if c.space == "embedding":
        assert c.dense is not None
        return _DENSE + np.asarray(c.dense, dtype="<f4").tobytes()
    assert c.terms is not None
    cols, vals = c.terms
    return (
        _SPARSE
        + struct.pack("<I", c.version)
        + cols.astype("<i4").tobytes()
        + vals.astype("<f4").tobytes()
    )


def unpack_centroid(blob: bytes | memoryview | None) -> Centroid | None:
    if blob is None:
        return None
    raw = bytes(blob)
    if raw[:1] == _DENSE:
        return Centroid("embedding", dense=np.frombuffer(raw[1:], dtype="<f4").astype(np.float32))
    if raw[:1] == _SPARSE and len(raw) >= 5:
        (version,) = struct.unpack("<I", raw[1:5])
        return Centroid("tfidf", terms=engine.unpack(raw[5:]), version=version)
    return None


# --- loading ----------------------------------------------------------------------------------


@dataclass
class Corpus:
    """Every item vector, decoded once for all scopes of a rebuild."""

    ids: np.ndarray
    community: np.ndarray  # community id, 0 for none
    open_public: np.ndarray  # may shape sitewide themes
    community_ok: np.ndarray  # may shape its community's themes (not private, not hidden)
    recent: np.ndarray
    tfidf: sparse.csr_matrix
    dense: np.ndarray | None  # rows of zeros where has_dense is False
    has_dense: np.ndarray
    version: int


def _load(report: ProgressFn, since: datetime) -> Corpus:
    state = ModelState.objects.order_by("-version").first()
    n_terms = len(state.terms) if state is not None else 1
    version = state.version if state is not None else 0
    total = ItemVector.objects.count()
    ids = np.zeros(total, dtype=np.int64)
    community = np.zeros(total, dtype=np.int64)
    open_public = np.zeros(total, dtype=bool)
    community_ok = np.zeros(total, dtype=bool)
    recent = np.zeros(total, dtype=bool)
    has_dense = np.zeros(total, dtype=bool)
    dense: np.ndarray | None = None
    indptr = [0]
    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    # "Open public" is the visibility rule for an anonymous visitor, evaluated in SQL: the one
    # rule, not a copy of it.
    anonymous_q = visibility_q(AnonymousUser(), prefix="item__")
    rows = (
        ItemVector.objects.order_by("item_id")
        .annotate(is_open=ExpressionWrapper(anonymous_q, output_field=BooleanField()))
        .values_list(
            "item_id",
            "tfidf",
            "embedding",
            "item__audience",
            "item__is_hidden",
            "item__community_id",
            "is_open",
            "item__published_at",
        )
        .iterator(chunk_size=BATCH)
    )
    i = 0
    for item_id, blob, emb, audience, hidden, community_id, is_open, published in rows:
        if i >= total:  # rows written while we read: the next sweep picks them up
            break
        ids[i] = item_id
        community[i] = community_id or 0
        open_public[i] = bool(is_open)
        community_ok[i] = community_id is not None and audience != Audience.PRIVATE and not hidden
        recent[i] = published >= since
        cols, vals = engine.unpack(bytes(blob))
        keep = cols < n_terms
        indices.append(cols[keep])
        data.append(vals[keep])
        indptr.append(indptr[-1] + int(keep.sum()))
        if emb is not None and len(emb) >= 4 and (dense is None or len(emb) == dense.shape[1] * 4):
            if dense is None:  # the first embedding sets the width (384 for all-MiniLM-L6-v2)
                dense = np.zeros((total, len(emb) // 4), dtype=np.float32)
            dense[i] = np.frombuffer(bytes(emb), dtype="<f4")
            has_dense[i] = True
        i += 1
        if i % BATCH == 0:
            report("themes: loading", i, total)
    n = i
    report("themes: loading", n, total)
    tfidf = sparse.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.asarray(indptr, dtype=np.int64),
        ),
        shape=(n, max(n_terms, 1)),
        dtype=np.float32,
    )
    return Corpus(
        ids=ids[:n],
        community=community[:n],
        open_public=open_public[:n],
        community_ok=community_ok[:n],
        recent=recent[:n],
        tfidf=tfidf,
        dense=dense[:n] if dense is not None else None,
        has_dense=has_dense[:n],
        version=version,
    )


# --- clustering -------------------------------------------------------------------------------


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)


def reduce(features: np.ndarray | sparse.csr_matrix, dims: int = DIMS) -> np.ndarray:
    """Unit rows in ``dims`` (or fewer, on tiny inputs) dimensions."""
    from sklearn.decomposition import PCA, TruncatedSVD

    n, width = features.shape
    if sparse.issparse(features):
        k = max(1, min(dims, width - 1, n - 1))
        reduced = TruncatedSVD(n_components=k, random_state=SEED).fit_transform(features)
    else:
        k = max(1, min(dims, width, n - 1))
        reduced = PCA(n_components=k, random_state=SEED).fit_transform(features)
    return _unit(np.asarray(reduced, dtype=np.float32))


def _hdbscan(points: np.ndarray) -> np.ndarray:
    from sklearn.cluster import HDBSCAN

    n = len(points)
    size = max(5, n // 100)
    if n < 2 * size:
        return np.full(n, -1)
    return np.asarray(HDBSCAN(min_cluster_size=size, copy=True).fit_predict(points))


def _kmeans(points: np.ndarray) -> np.ndarray:
    from sklearn.cluster import MiniBatchKMeans

    k = max(2, min(KMEANS_MAX, int(math.sqrt(len(points) / 2))))
    return np.asarray(
        MiniBatchKMeans(n_clusters=k, random_state=SEED, n_init=3, batch_size=4096).fit_predict(
            points
        )
    )


def cluster(points: np.ndarray, *, large: str = "sample") -> np.ndarray:
    """A cluster number per row (``-1`` = noise). ``large`` picks how pools over
    ``HDBSCAN_MAX`` are handled: "sample" (HDBSCAN on a sample, then nearest cluster) or
    "kmeans" (MiniBatchKMeans, k = sqrt(n/2) capped)."""
    n = len(points)
    if n <= HDBSCAN_MAX:
        return _hdbscan(points)
    if large == "kmeans":
        return _kmeans(points)
    rng = np.random.default_rng(SEED)
    sample = np.sort(rng.choice(n, HDBSCAN_MAX, replace=False))
    sample_labels = _hdbscan(points[sample])
    k = int(sample_labels.max()) + 1
    if k < 2:
        return _kmeans(points)
    centres = _unit(np.vstack([points[sample][sample_labels == c].mean(axis=0) for c in range(k)]))
    # A cluster takes in outside points as close to its centre as most of its own members.
    member_sims = np.einsum("ij,ij->i", points[sample], centres[np.maximum(sample_labels, 0)])
    floors = np.array(
        [np.quantile(member_sims[sample_labels == c], 0.1) for c in range(k)], dtype=np.float32
    )
    labels = np.full(n, -1)
    for start in range(0, n, 20_000):
        sims = points[start : start + 20_000] @ centres.T
        best = sims.argmax(axis=1)
        ok = sims[np.arange(len(best)), best] >= floors[best]
        labels[start : start + 20_000] = np.where(ok, best, -1)
    labels[sample] = sample_labels
    return labels


# --- labels -----------------------------------------------------------------------------------


def class_tfidf(labels: np.ndarray, terms_matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """c-TF-IDF weights (clusters x terms): each cluster's items' terms counted together, the
    count divided by the cluster's total, times log(1 + mean total per cluster / the term's
    count over all clusters)."""
    k = int(labels.max()) + 1 if len(labels) else 0
    members = np.flatnonzero(labels >= 0)
    presence = sparse.csr_matrix(terms_matrix[members], dtype=np.float32)
    presence.data[:] = 1.0
    indicator = sparse.csr_matrix(
        (np.ones(len(members), dtype=np.float32), (labels[members], np.arange(len(members)))),
        shape=(k, len(members)),
    )
    counts = sparse.csr_matrix(indicator @ presence)
    per_class = np.asarray(counts.sum(axis=1)).ravel()
    per_class[per_class == 0] = 1.0
    across = np.asarray(counts.sum(axis=0)).ravel()
    average = float(per_class.sum()) / max(k, 1)
    tf = sparse.diags(1.0 / per_class) @ counts
    tf = sparse.csr_matrix(tf)
    cols = tf.indices
    tf.data = tf.data * np.log1p(average / np.maximum(across[cols], 1e-9))
    return tf


def keywords_for(row_cols: np.ndarray, row_vals: np.ndarray, terms: list[str]) -> list[str]:
    """The ``KEYWORDS`` heaviest terms, a phrase taking the place of the words inside it."""
    order = np.argsort(-row_vals, kind="stable")[: KEYWORDS * 4]
    chosen: list[str] = []
    weight: dict[str, float] = {}
    for j in order:
        term = terms[int(row_cols[j])] if 0 <= int(row_cols[j]) < len(terms) else ""
        if not term or term in chosen:
            continue
        words = term.split()
        if any(term in c.split() for c in chosen):
            continue  # a word already inside a chosen phrase
        weight[term] = float(row_vals[j])
        inside = [c for c in chosen if c in words]
        if inside:
            # The phrase says more, but only when it is nearly as typical as its word (so not
            # "waste council" just because "council" follows "waste" now and then).
            if weight[term] < PHRASE_RATIO * max(weight[c] for c in inside):
                continue
            at = chosen.index(inside[0])
            chosen = [c for c in chosen if c not in inside]
            chosen.insert(min(at, len(chosen)), term)
            continue
        if len(chosen) < KEYWORDS:
            chosen.append(term)
    return chosen[:KEYWORDS]


def label_of(keywords: list[str]) -> str:
    return ", ".join(keywords[:LABEL_WORDS])[:200]


# --- one scope --------------------------------------------------------------------------------


@dataclass
class ScopeResult:
    new: int = 0
    kept: int = 0
    retired: int = 0
    assigned: int = 0
    pool: int = 0
    space: str = ""
    themes: list[int] = field(default_factory=list)


def _match(
    new_sets: list[set[int]], old_sets: dict[int, set[int]]
) -> dict[int, int]:  # new cluster -> old theme id
    """One-to-one, best Jaccard first, only pairs at or above ``MATCH_JACCARD``."""
    owner: dict[int, int] = {}
    for theme_id, items in old_sets.items():
        for item in items:
            owner[item] = theme_id
    pairs = []
    for c, items in enumerate(new_sets):
        overlap = Counter(owner[i] for i in items if i in owner)
        for theme_id, inter in overlap.items():
            jac = inter / (len(items) + len(old_sets[theme_id]) - inter)
            if jac >= MATCH_JACCARD:
                pairs.append((jac, c, theme_id))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    out: dict[int, int] = {}
    used: set[int] = set()
    for _, c, theme_id in pairs:
        if c in out or theme_id in used:
            continue
        out[c] = theme_id
        used.add(theme_id)
    return out


def _centroids(
    corpus: Corpus, rows: np.ndarray, labels: np.ndarray, k: int, space: str
) -> list[Centroid]:
    out = []
    for c in range(k):
        members = rows[labels == c]
        if space == "embedding":
            assert corpus.dense is not None
            mean = corpus.dense[members].mean(axis=0)
            out.append(Centroid(space, dense=_unit(mean[None, :])[0]))
        else:
            mean_row = np.asarray(corpus.tfidf[members].mean(axis=0)).ravel()
            nz = np.flatnonzero(mean_row)
            if len(nz) > CENTROID_TERMS:
                nz = nz[np.argpartition(-mean_row[nz], CENTROID_TERMS - 1)[:CENTROID_TERMS]]
            nz = np.sort(nz)
            vals = mean_row[nz].astype(np.float32)
            norm = float(np.linalg.norm(vals))
            if norm > 0:
                vals = vals / norm
            out.append(Centroid(space, terms=(nz.astype(np.int32), vals), version=corpus.version))
    return out


def _similarities(corpus: Corpus, rows: np.ndarray, centroids: list[Centroid]) -> np.ndarray:
    """Cosine of each row to each centroid (rows x themes); -1 where it cannot be compared."""
    k = len(centroids)
    sims = np.full((len(rows), k), -1.0, dtype=np.float32)
    if not k or not len(rows):
        return sims
    if centroids[0].space == "embedding":
        if corpus.dense is None:
            return sims
        matrix = np.vstack([c.dense for c in centroids if c.dense is not None]).astype(np.float32)
        for start in range(0, len(rows), 20_000):
            part = rows[start : start + 20_000]
            block = corpus.dense[part] @ matrix.T
            block[~corpus.has_dense[part]] = -1.0
            sims[start : start + 20_000] = block
        return sims
    cols = np.concatenate([c.terms[0] for c in centroids if c.terms is not None])
    vals = np.concatenate([c.terms[1] for c in centroids if c.terms is not None])
    which = np.concatenate(
        [np.full(len(c.terms[0]), j) for j, c in enumerate(centroids) if c.terms is not None]
    )
    matrix = sparse.csr_matrix((vals, (which, cols)), shape=(k, corpus.tfidf.shape[1]))
    matrix_t = sparse.csc_matrix(matrix.T)
    for start in range(0, len(rows), 20_000):
        part = rows[start : start + 20_000]
        sims[start : start + 20_000] = (corpus.tfidf[part] @ matrix_t).toarray()
    return sims


def _rebuild_scope(
    corpus: Corpus,
    community_id: int | None,
    terms: list[str],
    now: datetime,
    report: ProgressFn,
    large: str,
) -> ScopeResult:
    result = ScopeResult()
    scope_q = Q(community_id=community_id) if community_id else Q(community__isnull=True)
    if community_id:
        eligible = corpus.community_ok & (corpus.community == community_id)
        in_scope = np.flatnonzero(corpus.community == community_id)
    else:
        eligible = corpus.open_public
        in_scope = np.arange(len(corpus.ids))
    recent = eligible & corpus.recent
    pool_mask = recent if recent.sum() >= MIN_WINDOW_ITEMS else eligible
    enough = int(pool_mask.sum()) >= (MIN_COMMUNITY_ITEMS if community_id else MIN_POOL)
    space = "tfidf"
    if enough and corpus.dense is not None and corpus.has_dense[pool_mask].mean() >= 0.5:
        space = "embedding"
        pool_mask = pool_mask & corpus.has_dense
    pool = np.flatnonzero(pool_mask)
    if space == "tfidf":
        pool = pool[np.diff(corpus.tfidf.indptr)[pool] > 0]  # rows with no terms say nothing
    result.pool, result.space = len(pool), space
    labels = np.full(len(pool), -1)
    if enough and len(pool) >= MIN_POOL:
        report("themes: clustering", 0, len(pool))
        features = corpus.dense[pool] if space == "embedding" else corpus.tfidf[pool]  # type: ignore[index]
        labels = cluster(reduce(features), large=large)
        report("themes: clustering", len(pool), len(pool))
    k = int(labels.max()) + 1 if len(labels) else 0
    # Drop clusters whose items share no terms at all (nothing to label them with).
    weights = class_tfidf(labels, corpus.tfidf[pool]) if k else sparse.csr_matrix((0, 1))
    keywords: list[list[str]] = []
    for c in range(k):
        start, end = weights.indptr[c], weights.indptr[c + 1]
        keywords.append(keywords_for(weights.indices[start:end], weights.data[start:end], terms))
    report("themes: labelling", k, k)
    centroids = _centroids(corpus, pool, labels, k, space)
    new_sets = [set(corpus.ids[pool[labels == c]].tolist()) for c in range(k)]
    pool_ids = set(corpus.ids[pool].tolist())
    old_sets: dict[int, set[int]] = {}
    old = list(Theme.objects.filter(scope_q, is_active=True).values_list("pk", flat=True))
    for theme_id, item_id in ThemeItem.objects.filter(theme_id__in=old).values_list(
        "theme_id", "item_id"
    ):
        if item_id in pool_ids:
            old_sets.setdefault(theme_id, set()).add(item_id)
    matched = _match([s for s in new_sets], old_sets)
    # Every item of the scope joins its nearest theme above the threshold; members their own.
    sims = _similarities(corpus, in_scope, centroids)
    best = sims.argmax(axis=1) if k else np.zeros(len(in_scope), dtype=np.int64)
    best_sim = sims[np.arange(len(in_scope)), best] if k else np.zeros(len(in_scope))
    chosen = np.where(best_sim >= THRESHOLD[space], best, -1) if k else best - 1
    position = {int(item): j for j, item in enumerate(corpus.ids[in_scope].tolist())}
    for c in range(k):
        for item in new_sets[c]:
            j = position[item]
            chosen[j] = c
            best_sim[j] = max(float(sims[j, c]), 0.0)
    eligible_in_scope = eligible[in_scope]
    sizes: np.ndarray = np.bincount(
        chosen[(chosen >= 0) & eligible_in_scope].astype(np.int64), minlength=k
    )
    report("themes: saving", 0, len(in_scope))
    with transaction.atomic():
        theme_ids: list[int] = []
        for c in range(k):
            fields = {
                "label": label_of(keywords[c]) or f"theme {c + 1}",
                "keywords": keywords[c],
                "size": int(sizes[c]),
                "centroid": pack_centroid(centroids[c]),
                "is_active": True,
                "updated_at": now,
            }
            if c in matched:
                Theme.objects.filter(pk=matched[c]).update(**fields)
                theme_ids.append(matched[c])
                result.kept += 1
            else:
                theme = Theme.objects.create(community_id=community_id, created_at=now, **fields)
                theme_ids.append(theme.pk)
                result.new += 1
        result.retired = (
            Theme.objects.filter(scope_q, is_active=True)
            .exclude(pk__in=theme_ids)
            .update(is_active=False, updated_at=now)
        )
        ThemeItem.objects.filter(theme__in=Theme.objects.filter(scope_q)).delete()
        picks = np.flatnonzero(chosen >= 0)
        for start in range(0, len(picks), BATCH):
            ThemeItem.objects.bulk_create(
                ThemeItem(
                    theme_id=theme_ids[int(chosen[j])],
                    item_id=int(corpus.ids[in_scope[j]]),
                    score=round(float(best_sim[j]), 6),
                )
                for j in picks[start : start + BATCH]
            )
            report("themes: saving", min(start + BATCH, len(picks)), len(picks))
        result.assigned = len(picks)
    result.themes = theme_ids
    return result


def rebuild_themes(progress: ProgressFn | None = None, *, large: str = "sample") -> dict[str, Any]:
    """Re-cluster every scope, keep ids stable, retire what faded, re-assign every item. Running it
    twice on the same vectors gives the same themes and memberships."""
    report = progress or _noop
    started = time.perf_counter()
    now = timezone.now()
    state = ModelState.objects.order_by("-version").first()
    terms: list[str] = list(state.terms) if state is not None else []
    corpus = _load(report, now - timedelta(days=WINDOW_DAYS))
    sitewide = _rebuild_scope(corpus, None, terms, now, report, large)
    communities = set(
        Theme.objects.filter(community__isnull=False).values_list("community_id", flat=True)
    )
    counts = Counter(corpus.community[corpus.community_ok].tolist())
    communities |= {int(c) for c, n in counts.items() if c and n >= MIN_COMMUNITY_ITEMS}
    per_community = [
        _rebuild_scope(corpus, cid, terms, now, report, large) for cid in sorted(communities)
    ]
    cache.delete(WATERMARK_KEY)
    all_results = [sitewide, *per_community]
    return {
        "items": len(corpus.ids),
        "space": sitewide.space,
        "pool": sitewide.pool,
        "themes": len(sitewide.themes),
        "community_themes": sum(len(r.themes) for r in per_community),
        "communities": sum(1 for r in per_community if r.themes),
        "new": sum(r.new for r in all_results),
        "kept": sum(r.kept for r in all_results),
        "retired": sum(r.retired for r in all_results),
        "assigned": sum(r.assigned for r in all_results),
        "seconds": round(time.perf_counter() - started, 2),
    }


# --- the worker's sweep -----------------------------------------------------------------------


def _nearest(
    themes: Iterable[tuple[int, Centroid]],
    tfidf: tuple[np.ndarray, np.ndarray],
    embedding: np.ndarray | None,
    version: int,
) -> tuple[int, float] | None:
    best: tuple[int, float] | None = None
    for theme_id, c in themes:
        if c.space == "embedding":
            if embedding is None or c.dense is None or len(c.dense) != len(embedding):
                continue
            sim = float(embedding @ c.dense)
        else:
            if c.terms is None or c.version != version:
                continue  # made with another vocabulary: wait for the next rebuild
            weights = dict(zip(c.terms[0].tolist(), c.terms[1].tolist(), strict=True))
            sim = sum(weights.get(int(i), 0.0) * float(v) for i, v in zip(*tfidf, strict=True))
        if sim >= THRESHOLD[c.space] and (best is None or sim > best[1]):
            best = (theme_id, sim)
    return best


def assign_new_items(limit: int = 500) -> int:
    """Place items vectorised since the last rebuild that are in no theme yet: each joins the
    nearest active sitewide theme and the nearest active theme of its community, when close
    enough. Returns how many memberships were made. Idempotent; a watermark in the cache keeps
    items that fit no theme from being looked at again every minute (losing it only costs a
    second look)."""
    themes = list(
        Theme.objects.filter(is_active=True).values_list("pk", "community_id", "centroid")
    )
    if not themes:
        return 0
    since = Theme.objects.aggregate(at=Max("updated_at"))["at"]
    by_scope: dict[int, list[tuple[int, Centroid]]] = {}
    for pk, community_id, blob in themes:
        c = unpack_centroid(blob)
        if c is not None:
            by_scope.setdefault(community_id or 0, []).append((pk, c))
    state = ModelState.objects.order_by("-version").first()
    version = state.version if state is not None else 0
    mark = cache.get(WATERMARK_KEY)
    after_at, after_pk = since, 0
    if isinstance(mark, tuple) and len(mark) == 2 and mark[0] >= since:
        after_at, after_pk = mark
    rows = list(
        ItemVector.objects.filter(updated_at__gte=since)
        .filter(Q(updated_at__gt=after_at) | Q(updated_at=after_at, pk__gt=after_pk))
        .exclude(Exists(ThemeItem.objects.filter(item_id=OuterRef("item_id"))))
        .order_by("updated_at", "pk")
        .values_list("pk", "item_id", "tfidf", "embedding", "item__community_id", "updated_at")[
            :limit
        ]
    )
    made: list[ThemeItem] = []
    for _pk, item_id, blob, emb, community_id, _at in rows:
        tfidf = engine.unpack(bytes(blob))
        embedding = (
            np.frombuffer(bytes(emb), dtype="<f4").astype(np.float32) if emb is not None else None
        )
        scopes = [0] + ([community_id] if community_id else [])
        for scope in scopes:
            hit = _nearest(by_scope.get(scope, []), tfidf, embedding, version)
            if hit is not None:
                made.append(ThemeItem(theme_id=hit[0], item_id=item_id, score=round(hit[1], 6)))
    ThemeItem.objects.bulk_create(made, ignore_conflicts=True)
    if rows:
        cache.set(WATERMARK_KEY, (rows[-1][5], rows[-1][0]), timeout=None)
    return len(made)
