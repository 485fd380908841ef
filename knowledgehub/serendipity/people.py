"""People in the serendipity engine: "People like you", "Who has done this?" and, on an ask,
"Who can help?".

A person's vector is built only from what every signed-in member may see: their declared
profile (interests and skills, job title, bio, experience, what they are looking for), the names
of the tags and non-secret communities they follow, and the *open* items (audience public or
members, not hidden, not in a secret community) they wrote or read. So a suggestion never rests on
restricted content, and the reasons shown (shared interests, skills, terms) are safe to show to
any signed-in member. Visitors who are not signed in are shown no people suggestions at all,
because members-audience items are content they may not see.

The worker precomputes the rows (``rebuild_people`` in full, ``refresh_people`` for people whose
profile or open work changed, ``relate_people_for_item`` for a new item); web requests only read
them, applying who may see whom in the same SQL query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Substr
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from scipy import sparse

from knowledgehub.knowledge.choices import Audience
from knowledgehub.knowledge.models import Item
from knowledgehub.knowledge.registry import unauthored_kinds
from knowledgehub.knowledge.visibility import SECRET_VISIBILITY, can_view, visibility_q
from knowledgehub.people.models import User

from . import engine
from .models import ItemPerson, ItemVector, PersonVector, RelatedItem, SimilarPerson

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

TOP_PEOPLE = 10  # "People like you" rows kept per person
TOP_ITEM_PEOPLE = 5  # "Who has done this?" rows kept per item
SAME_TYPE_BOOST = 0.05  # comparable councils: the same kind of organisation...
SAME_REGION_BOOST = 0.03  # ...and the same region
TAG_BOOST = 0.05  # per declared interest or skill among an item's tags (at most 3 count)
ASK_SKILL_BOOST = 0.1  # per declared skill among an ask's tags (at most 2 count)
TERMS_KEPT = 12  # top terms stored on PersonVector.terms
MAX_WRITTEN = 50  # most recent open items written, per person
MAX_READ = 50  # most recent open threads read, per person
HEAD_CHARS = 300  # of each item's text read into a person's vector
BATCH = 500  # people per vectorising batch
CHUNK_CELLS = 4_000_000  # floats in one dense score block (16 MB), whatever the corpus size
OFFERS_SHOWN = 3  # on an ask, at most this many people who offered related help come first
# A vector marked stale by a profile change (the User model keeps no modification time).
STALE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

ProgressFn = Callable[[str, int, int], Any]


def _noop(stage: str, done: int, total: int) -> None:
    return None


def _model() -> tuple[Any, engine.TfidfModel] | None:
    """The current TF-IDF model, through whichever name the services module exposes it by."""
    from . import services

    getter = getattr(services, "current_model", None) or services._current_model
    result: tuple[Any, engine.TfidfModel] | None = getter()
    return result


def _embedding_weight() -> float:
    return float(getattr(engine, "EMBEDDING_WEIGHT", 0.6))


def _embedding_floor() -> float:
    """With embeddings every pair has some cosine; below this blended score a pair with no shared
    term is unrelated (the engine's own floor for related items when it has one)."""
    return float(getattr(engine, "MIN_BLENDED", _embedding_weight() * 0.3))


def _unpack_dense(blob: Any) -> np.ndarray | None:
    if not blob:
        return None
    return np.frombuffer(bytes(blob), dtype="<f4").astype(np.float32)


def _pack_dense(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype="<f4").reshape(-1).tobytes()


def open_q(prefix: str = "") -> Q:
    """Items every signed-in member may see: audience public or members, not hidden, not in a
    secret community. The only items a person vector may read."""
    p = prefix
    not_secret = Q(**{f"{p}community__isnull": True}) | ~Q(
        **{f"{p}community__visibility": SECRET_VISIBILITY}
    )
    return (
        Q(**{f"{p}audience__in": [Audience.PUBLIC, Audience.MEMBERS]})
        & Q(**{f"{p}is_hidden": False})
        & not_secret
    )


# --- profile changes mark a vector stale --------------------------------------------------------

_IGNORED_SAVES = frozenset({"last_login", "password"})


@receiver(post_save, sender=User, dispatch_uid="serendipity_person_saved")
def _person_saved(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    """A profile edit (or an opt-in/out) makes the person's vector stale, so the worker's next
    ``refresh_people`` recomputes their rows. Logging in does not."""
    update_fields = kwargs.get("update_fields")
    if created or (update_fields and set(update_fields) <= _IGNORED_SAVES):
        return
    mark_stale([instance.pk])


def _tags_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, User):
        mark_stale([instance.pk])
    elif kwargs.get("pk_set"):  # changed from the tag's side: the people are in pk_set
        mark_stale(kwargs["pk_set"])


m2m_changed.connect(
    _tags_changed, sender=User.interests.through, dispatch_uid="serendipity_interests"
)
m2m_changed.connect(_tags_changed, sender=User.skills.through, dispatch_uid="serendipity_skills")


def mark_stale(person_ids: Iterable[int]) -> int:
    """One cheap UPDATE; the rows are recomputed by the worker, never in the request."""
    return PersonVector.objects.filter(person_id__in=list(person_ids)).update(updated_at=STALE)


# --- person texts -------------------------------------------------------------------------------


@dataclass
class _Profile:
    pk: int
    job_title: str = ""
    bio: str = ""
    experience: str = ""
    looking_for: str = ""
    interests: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    followed: list[str] = field(default_factory=list)  # tag names, twice
    communities: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)

    def declared(self) -> str:
        """What the person says about themselves, heaviest first (the embedding model reads
        only the first 256 tokens)."""
        parts = [
            ", ".join(self.interests),
            ", ".join(self.skills),
            self.job_title,
            self.experience,
            self.looking_for,
            self.bio,
        ]
        return "\n".join(p for p in parts if p)

    def text(self) -> str:
        # Repeating a declared tag weighs it: TF-IDF is sublinear, so three times is about 2.1x.
        parts = (
            [", ".join(self.interests)] * 3
            + [", ".join(self.skills)] * 3
            + [self.job_title] * 2
            + [self.bio, self.experience, self.looking_for]
            + [", ".join(self.followed)] * 2
            + [", ".join(self.communities)]
            + self.written
            + self.read
        )
        return "\n".join(p for p in parts if p.strip())


def _profiles(person_ids: Sequence[int]) -> list[_Profile]:
    """Everything a person vector reads, for a batch of people, in a fixed number of queries."""
    from knowledgehub.communities.models import Community
    from knowledgehub.follows.models import Follow
    from knowledgehub.forums.models import Thread, ThreadRead
    from knowledgehub.knowledge.models import Tag

    profiles = {
        row["pk"]: _Profile(
            pk=row["pk"],
            job_title=row["job_title"],
            bio=row["bio"],
            experience=row["experience"],
            looking_for=row["looking_for"],
        )
        for row in User.objects.filter(pk__in=person_ids).values(
            "pk", "job_title", "bio", "experience", "looking_for"
        )
    }
    for through, attr in ((User.interests.through, "interests"), (User.skills.through, "skills")):
        for user_id, name in (
            through.objects.filter(user_id__in=person_ids)
            .order_by("tag__name")
            .values_list("user_id", "tag__name")
        ):
            getattr(profiles[user_id], attr).append(name)
    tag_ct = ContentType.objects.get_for_model(Tag)
    community_ct = ContentType.objects.get_for_model(Community)
    follows = list(
        Follow.objects.filter(
            follower_id__in=person_ids, content_type__in=[tag_ct, community_ct]
        ).values_list("follower_id", "content_type_id", "object_id")
    )
    tag_names = dict(
        Tag.objects.filter(pk__in={o for _, ct, o in follows if ct == tag_ct.pk}).values_list(
            "pk", "name"
        )
    )
    # A secret community's name is itself restricted; private ones are listed in the directory.
    community_names = dict(
        Community.objects.filter(pk__in={o for _, ct, o in follows if ct == community_ct.pk})
        .exclude(visibility=SECRET_VISIBILITY)
        .values_list("pk", "name")
    )
    for follower_id, ct, object_id in follows:
        if ct == tag_ct.pk and object_id in tag_names:
            profiles[follower_id].followed.append(tag_names[object_id])
        elif ct == community_ct.pk and object_id in community_names:
            profiles[follower_id].communities.append(community_names[object_id])
    now = timezone.now()
    written = (
        Item.objects.filter(open_q(), author_id__in=person_ids, published_at__lte=now)
        .exclude(kind__in=unauthored_kinds())
        .annotate(head=Substr("text", 1, HEAD_CHARS))
        .order_by("author_id", "-published_at", "-pk")
        .values_list("author_id", "title", "head")
    )
    for author_id, title, head in written.iterator(chunk_size=2000):
        mine = profiles[author_id].written
        if len(mine) < MAX_WRITTEN:
            mine.append(f"{title}\n{head}")
    reads = (
        ThreadRead.objects.filter(user_id__in=person_ids)
        .order_by("user_id", "-last_read_at")
        .values_list("user_id", "thread_id")
    )
    read_by: dict[int, list[int]] = {}
    for user_id, thread_id in reads.iterator(chunk_size=2000):
        ids = read_by.setdefault(user_id, [])
        if len(ids) < MAX_READ * 2:  # some may not be open; keep a margin
            ids.append(thread_id)
    if read_by:
        thread_ct = ContentType.objects.get_for_model(Thread)
        heads = {
            object_id: f"{title}\n{head}"
            for object_id, title, head in Item.objects.filter(
                open_q(),
                content_type=thread_ct,
                object_id__in={t for ids in read_by.values() for t in ids},
            )
            .annotate(head=Substr("text", 1, HEAD_CHARS // 2))
            .values_list("object_id", "title", "head")
        }
        for user_id, ids in read_by.items():
            profiles[user_id].read = [heads[t] for t in ids if t in heads][:MAX_READ]
    return [profiles[pk] for pk in person_ids if pk in profiles]


def _vectorise(
    person_ids: Sequence[int], model: engine.TfidfModel, version: int, now: dt.datetime
) -> list[PersonVector]:
    """Vectors for a batch of people. A person with no usable text gets an empty vector (it
    matches nobody) so that the worker's sweep does not pick them again until they change."""
    profiles = _profiles(person_ids)
    if not profiles:
        return []
    texts = [p.text() for p in profiles]
    matrix = model.transform(texts)
    with_text = [i for i, t in enumerate(texts) if t.strip()]
    dense = engine.embed([_embed_text(profiles[i]) for i in with_text]) if with_text else None
    dense_at = {i: n for n, i in enumerate(with_text)}
    out = []
    for i, profile in enumerate(profiles):
        cols, vals = _row(matrix, i)
        if not len(cols):  # no text, only stop words, or words the model has never seen
            out.append(
                PersonVector(
                    person_id=profile.pk, tfidf=b"", terms=[], model_version=version, updated_at=now
                )
            )
            continue
        order = np.argsort(-vals, kind="stable")[:TERMS_KEPT]
        out.append(
            PersonVector(
                person_id=profile.pk,
                tfidf=engine.pack(matrix[i]),
                embedding=_pack_dense(dense[dense_at[i]]) if dense is not None else None,
                terms=[model.terms[int(cols[j])] for j in order],
                model_version=version,
                updated_at=now,
            )
        )
    return out


def _embed_text(profile: _Profile) -> str:
    return f"{profile.declared()}\n{' '.join(profile.written)}"[:2000]


def _row(matrix: sparse.csr_matrix, i: int) -> tuple[np.ndarray, np.ndarray]:
    start, end = matrix.indptr[i], matrix.indptr[i + 1]
    return matrix.indices[start:end], matrix.data[start:end]


# --- the people matrix --------------------------------------------------------------------------


@dataclass
class _People:
    """Every active person with a current vector, as matrices (rows in ``ids`` order)."""

    ids: list[int]
    index: dict[int, int]
    tfidf: sparse.csr_matrix
    dense: np.ndarray | None  # zero rows for people without an embedding
    has_dense: np.ndarray
    suggest: np.ndarray  # may be suggested to others
    org: list[int | None]
    org_name: list[str]
    org_type: np.ndarray
    region: np.ndarray
    interests: list[set[int]]
    skills: list[set[int]]
    tag_names: dict[int, str]
    tag_col: dict[int, int]
    declared: sparse.csr_matrix  # person x tag: any declared interest or skill
    skilled: sparse.csr_matrix  # person x tag: declared skills

    @property
    def n(self) -> int:
        return len(self.ids)


def _load_people(version: int, n_terms: int) -> _People:
    from knowledgehub.knowledge.models import Tag

    rows = list(
        PersonVector.objects.filter(model_version=version, person__is_active=True)
        .order_by("person_id")
        .values_list(
            "person_id",
            "tfidf",
            "embedding",
            "person__suggest_me",
            "person__organisation_id",
            "person__organisation__name",
            "person__organisation__type",
            "person__organisation__region",
        )
    )
    ids = [r[0] for r in rows]
    index = {pk: i for i, pk in enumerate(ids)}
    tfidf = engine.stack([bytes(r[1]) for r in rows], n_terms)
    vecs = [_unpack_dense(r[2]) for r in rows]
    width = next((len(v) for v in vecs if v is not None), 0)
    dense = None
    has_dense = np.zeros(len(ids), dtype=bool)
    if width:
        dense = np.zeros((len(ids), width), dtype=np.float32)
        for i, v in enumerate(vecs):
            if v is not None and len(v) == width:
                dense[i] = v
                has_dense[i] = True
    interests: list[set[int]] = [set() for _ in ids]
    skills: list[set[int]] = [set() for _ in ids]
    for through, sets in ((User.interests.through, interests), (User.skills.through, skills)):
        for user_id, tag_id in through.objects.filter(user_id__in=ids).values_list(
            "user_id", "tag_id"
        ):
            if user_id in index:
                sets[index[user_id]].add(tag_id)
    tag_ids = sorted(set().union(*interests, *skills)) if ids else []
    tag_col = {t: j for j, t in enumerate(tag_ids)}
    tag_names = dict(Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name"))
    return _People(
        ids=ids,
        index=index,
        tfidf=tfidf,
        dense=dense,
        has_dense=has_dense,
        suggest=np.array([bool(r[3]) for r in rows], dtype=bool),
        org=[r[4] for r in rows],
        org_name=[r[5] or "" for r in rows],
        org_type=np.array([r[6] or "" for r in rows], dtype=object),
        region=np.array([r[7] or "" for r in rows], dtype=object),
        interests=interests,
        skills=skills,
        tag_names=tag_names,
        tag_col=tag_col,
        declared=_tag_matrix([a | b for a, b in zip(interests, skills, strict=True)], tag_col),
        skilled=_tag_matrix(skills, tag_col),
    )


def _tag_matrix(sets: Sequence[set[int]], tag_col: dict[int, int]) -> sparse.csr_matrix:
    rows = [i for i, s in enumerate(sets) for t in s if t in tag_col]
    cols = [tag_col[t] for s in sets for t in s if t in tag_col]
    return sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)),
        shape=(len(sets), max(len(tag_col), 1)),
    )


def _blend(
    tfidf_block: np.ndarray,
    q_dense: np.ndarray | None,
    q_has: np.ndarray | None,
    m_dense: np.ndarray | None,
    m_has: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Scores and the "related at all" mask: the TF-IDF cosine, blended with the embedding
    cosine wherever both sides have an embedding (as items are)."""
    scores = tfidf_block.astype(np.float32, copy=True)
    related = scores > 1e-6
    if q_dense is None or m_dense is None or q_has is None or m_has is None:
        return scores, related
    if q_dense.shape[1] != m_dense.shape[1]:
        return scores, related
    both = q_has[:, None] & m_has[None, :]
    weight = _embedding_weight()
    mixed = weight * (q_dense @ m_dense.T) + (1.0 - weight) * scores
    scores = np.where(both, mixed, scores).astype(np.float32)
    related = np.where(both, scores > _embedding_floor(), related)
    return scores, related


def _person_block(people: _People, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores of people ``rows`` against everyone, with the comparable-council boost; and the
    mask of related pairs (never a person with themselves). Symmetric: ``score(a, b)`` is
    ``score(b, a)``, so a row read the other way ranks ``rows`` in everyone else's list."""
    t = (people.tfidf[rows] @ people.tfidf.T).toarray()
    d = people.dense
    scores, related = _blend(
        t,
        d[rows] if d is not None else None,
        people.has_dense[rows],
        d,
        people.has_dense,
    )
    qt, qr = people.org_type[rows][:, None], people.region[rows][:, None]
    same_type = (qt == people.org_type[None, :]) & (qt != "")
    same_region = (qr == people.region[None, :]) & (qr != "")
    # Comparable councils rank higher only among people whose work already overlaps.
    scores = scores + related * (SAME_TYPE_BOOST * same_type + SAME_REGION_BOOST * same_region)
    related[np.arange(len(rows)), rows] = False
    return scores.astype(np.float32), related


def _top(scores: np.ndarray, ok: np.ndarray, k: int) -> list[tuple[int, float]]:
    masked = np.where(ok, scores, -np.inf)
    n = len(masked)
    take = min(k, int(ok.sum()))
    if take <= 0:
        return []
    top = np.argpartition(-masked, take - 1)[:take] if take < n else np.arange(n)
    top = top[np.lexsort((top, -masked[top]))]
    return [(int(j), float(masked[j])) for j in top if ok[j]]


def _vec(matrix: sparse.csr_matrix, i: int) -> tuple[np.ndarray, np.ndarray]:
    return _row(matrix, i)


def _person_reasons(people: _People, i: int, j: int, terms: Sequence[str]) -> list[dict[str, Any]]:
    """Why ``j`` is like ``i``: shared declared interests and skills first, then shared terms,
    then the organisation. Stored as data; worded when shown (in the viewer's language)."""
    reasons: list[dict[str, Any]] = []
    names = people.tag_names
    shared_interests = sorted(names[t] for t in people.interests[i] & people.interests[j])
    shared_skills = sorted(names[t] for t in people.skills[i] & people.skills[j])
    if shared_interests:
        reasons.append({"kind": "interests", "values": shared_interests[:3]})
    if shared_skills:
        reasons.append({"kind": "skills", "values": shared_skills[:3]})
    declared = {v.lower() for v in shared_interests + shared_skills}
    shared = [
        t
        for t in engine.shared_terms(_vec(people.tfidf, i), _vec(people.tfidf, j), terms, limit=5)
        if t.lower() not in declared
    ][:3]
    if shared:
        reasons.append({"kind": "terms", "values": shared})
    if people.org[i] is not None and people.org[i] == people.org[j]:
        reasons.append({"kind": "organisation", "value": people.org_name[j]})
    else:
        if people.org_type[i] and people.org_type[i] == people.org_type[j]:
            reasons.append({"kind": "org_type", "value": str(people.org_type[j])})
        if people.region[i] and people.region[i] == people.region[j]:
            reasons.append({"kind": "region", "value": str(people.region[j])})
    return reasons


# --- items against people ------------------------------------------------------------------------


@dataclass
class _ItemBatch:
    ids: list[int]
    authors: list[int | None]
    tfidf: sparse.csr_matrix
    dense: np.ndarray | None
    has_dense: np.ndarray
    tags: list[set[int]]
    is_ask: np.ndarray


def _item_batch(rows: list[tuple[Any, ...]], n_terms: int) -> _ItemBatch:
    """``rows``: (item_id, tfidf, embedding, author_id, kind, object_id) of ItemVector rows."""
    from knowledgehub.offers.choices import Kind
    from knowledgehub.offers.models import OfferAsk

    ids = [r[0] for r in rows]
    vecs = [_unpack_dense(r[2]) for r in rows]
    width = next((len(v) for v in vecs if v is not None), 0)
    dense = None
    has = np.zeros(len(ids), dtype=bool)
    if width:
        dense = np.zeros((len(ids), width), dtype=np.float32)
        for i, v in enumerate(vecs):
            if v is not None and len(v) == width:
                dense[i] = v
                has[i] = True
    tags: list[set[int]] = [set() for _ in ids]
    at = {pk: i for i, pk in enumerate(ids)}
    for item_id, tag_id in Item.tags.through.objects.filter(item_id__in=ids).values_list(
        "item_id", "tag_id"
    ):
        tags[at[item_id]].add(tag_id)
    offer_rows = [r for r in rows if r[4] == OfferAsk.knowledge_kind]
    asks = set(
        OfferAsk.objects.filter(pk__in=[r[5] for r in offer_rows], kind=Kind.ASK).values_list(
            "pk", flat=True
        )
    )
    is_ask = np.array([r[4] == OfferAsk.knowledge_kind and r[5] in asks for r in rows], dtype=bool)
    return _ItemBatch(
        ids=ids,
        authors=[r[3] for r in rows],
        tfidf=engine.stack([bytes(r[1]) for r in rows], n_terms),
        dense=dense,
        has_dense=has,
        tags=tags,
        is_ask=is_ask,
    )


_ITEM_FIELDS = ("item_id", "tfidf", "embedding", "item__author_id", "item__kind", "item__object_id")


def _item_rows(version: int, batch: int) -> Iterable[list[tuple[Any, ...]]]:
    """Current item vectors in keyset-paged batches, so memory stays flat at any corpus size."""
    after = 0
    while True:
        rows = list(
            ItemVector.objects.filter(model_version=version, item_id__gt=after)
            .order_by("item_id")
            .values_list(*_ITEM_FIELDS)[:batch]
        )
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _item_block(
    items: _ItemBatch, people: _People, cols: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Scores of items against people (all, or the people rows ``cols``) and the mask of pairs
    that may be shown: related (by text, or by a declared interest or skill among the item's
    tags), the person may be suggested, and is not the item's author."""
    cols = np.arange(people.n) if cols is None else cols
    p_tfidf = people.tfidf[cols]
    t = (items.tfidf @ p_tfidf.T).toarray()
    d = people.dense
    scores, ok = _blend(
        t,
        items.dense,
        items.has_dense,
        d[cols] if d is not None else None,
        people.has_dense[cols],
    )
    item_tags = _tag_matrix(items.tags, people.tag_col)
    overlap = (item_tags @ people.declared[cols].T).toarray()
    skill_overlap = (item_tags @ people.skilled[cols].T).toarray()
    scores = scores + TAG_BOOST * np.minimum(overlap, 3)
    scores = scores + items.is_ask[:, None] * ASK_SKILL_BOOST * np.minimum(skill_overlap, 2)
    ok = (ok | (overlap > 0)) & people.suggest[cols][None, :]
    authors = np.array([a if a is not None else -1 for a in items.authors])
    ok &= authors[:, None] != np.asarray(people.ids, dtype=np.int64)[cols][None, :]
    return scores.astype(np.float32), ok


def _item_reasons(
    items: _ItemBatch, i: int, people: _People, j: int, terms: Sequence[str]
) -> list[dict[str, Any]]:
    names = people.tag_names
    reasons: list[dict[str, Any]] = []
    skills = sorted(names[t] for t in items.tags[i] & people.skills[j])
    interests = sorted(names[t] for t in (items.tags[i] & people.interests[j]) - people.skills[j])
    if skills:
        reasons.append({"kind": "skilled", "values": skills[:3]})
    if interests:
        reasons.append({"kind": "interested", "values": interests[:3]})
    declared = {v.lower() for v in skills + interests}
    shared = [
        t
        for t in engine.shared_terms(_vec(items.tfidf, i), _vec(people.tfidf, j), terms, limit=5)
        if t.lower() not in declared
    ][:3]
    if shared:
        reasons.append({"kind": "worked_on", "values": shared})
    return reasons


def _item_step(n_people: int) -> int:
    return max(1, min(2000, CHUNK_CELLS // max(n_people, 1)))


# --- writes ---------------------------------------------------------------------------------------


def rebuild_people(progress: ProgressFn | None = None) -> dict[str, int]:
    """Every active person's vector, then "People like you" (top ``TOP_PEOPLE`` per person) and
    "Who has done this?" (top ``TOP_ITEM_PEOPLE`` people per item). Needs item vectors
    (``services.rebuild``) first. Running it twice gives the same rows."""
    report = progress or _noop
    current = _model()
    if current is None:
        return {"people": 0, "similar": 0, "item_people": 0}
    state, model = current
    now = timezone.now()
    person_ids = list(
        User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    total = len(person_ids)
    vectors: list[PersonVector] = []
    for start in range(0, total, BATCH):
        vectors += _vectorise(person_ids[start : start + BATCH], model, state.version, now)
        report("people vectors", min(start + BATCH, total), total)
    with transaction.atomic():
        PersonVector.objects.all().delete()
        PersonVector.objects.bulk_create(vectors, batch_size=BATCH)
    people = _load_people(state.version, len(model.terms))
    similar = _rebuild_similar(people, model.terms, report)
    item_people = _rebuild_item_people(people, state.version, model.terms, report)
    return {"people": people.n, "similar": similar, "item_people": item_people}


def _similar_rows(people: _People, rows: np.ndarray, terms: Sequence[str]) -> list[SimilarPerson]:
    out: list[SimilarPerson] = []
    step = max(1, CHUNK_CELLS // max(people.n, 1))
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        scores, related = _person_block(people, chunk)
        ok = related & people.suggest[None, :]  # only people who opted in are suggested
        for offset, i in enumerate(chunk):
            for j, score in _top(scores[offset], ok[offset], TOP_PEOPLE):
                out.append(
                    SimilarPerson(
                        person_id=people.ids[i],
                        other_id=people.ids[j],
                        score=round(score, 6),
                        reasons=_person_reasons(people, int(i), j, terms),
                    )
                )
    return out


def _rebuild_similar(people: _People, terms: Sequence[str], report: ProgressFn) -> int:
    written = 0
    with transaction.atomic():
        SimilarPerson.objects.all().delete()
        for start in range(0, people.n, BATCH):
            rows = np.arange(start, min(start + BATCH, people.n))
            made = _similar_rows(people, rows, terms)
            SimilarPerson.objects.bulk_create(made, batch_size=1000)
            written += len(made)
            report("people like you", int(rows[-1]) + 1, people.n)
    return written


def _item_people_rows(items: _ItemBatch, people: _People, terms: Sequence[str]) -> list[ItemPerson]:
    out: list[ItemPerson] = []
    step = _item_step(people.n)
    for start in range(0, len(items.ids), step):
        sub = np.arange(start, min(start + step, len(items.ids)))
        part = _ItemBatch(
            ids=[items.ids[i] for i in sub],
            authors=[items.authors[i] for i in sub],
            tfidf=items.tfidf[sub],
            dense=items.dense[sub] if items.dense is not None else None,
            has_dense=items.has_dense[sub],
            tags=[items.tags[i] for i in sub],
            is_ask=items.is_ask[sub],
        )
        scores, ok = _item_block(part, people)
        for offset in range(len(sub)):
            for j, score in _top(scores[offset], ok[offset], TOP_ITEM_PEOPLE):
                out.append(
                    ItemPerson(
                        item_id=part.ids[offset],
                        person_id=people.ids[j],
                        score=round(score, 6),
                        reasons=_item_reasons(part, offset, people, j, terms),
                    )
                )
    return out


def _rebuild_item_people(
    people: _People, version: int, terms: Sequence[str], report: ProgressFn
) -> int:
    total = ItemVector.objects.filter(model_version=version).count()
    done = written = 0
    with transaction.atomic():
        ItemPerson.objects.all().delete()
        if not people.n:
            return 0
        for rows in _item_rows(version, 2000):
            items = _item_batch(rows, len(terms))
            made = _item_people_rows(items, people, terms)
            ItemPerson.objects.bulk_create(made, batch_size=1000)
            written += len(made)
            done += len(rows)
            report("who has done this", done, total)
    return written


def relate_people_for_item(item_id: int) -> str:
    """ "Who has done this?" for one (new or changed) item, from its current vector. Idempotent;
    does nothing until the item has a vector (``services.relate_pending`` makes it)."""
    current = _model()
    if current is None:
        return "no model yet: run rebuild_serendipity"
    state, model = current
    rows = list(
        ItemVector.objects.filter(item_id=item_id, model_version=state.version).values_list(
            *_ITEM_FIELDS
        )
    )
    if not rows:
        return "no vector yet"
    people = _load_people(state.version, len(model.terms))
    made = _item_people_rows(_item_batch(rows, len(model.terms)), people, model.terms)
    with transaction.atomic():
        ItemPerson.objects.filter(item_id=item_id).delete()
        ItemPerson.objects.bulk_create(made)
    return f"{len(made)} people"


def _stale_people(version: int, limit: int) -> list[int]:
    """People with no vector, a vector from an older model, a profile edited since (marked
    stale), or an open item written or a tag or community followed since their vector."""
    from knowledgehub.follows.models import Follow

    missing = list(
        User.objects.filter(is_active=True, serendipity_vector__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if len(missing) >= limit:
        return missing
    now = timezone.now()
    newer_item = Item.objects.filter(
        open_q(),
        author_id=OuterRef("person_id"),
        published_at__gt=OuterRef("updated_at"),
        published_at__lte=now,
    ).exclude(kind__in=unauthored_kinds())
    newer_follow = Follow.objects.filter(
        follower_id=OuterRef("person_id"), created_at__gt=OuterRef("updated_at")
    )
    stale = (
        PersonVector.objects.filter(person__is_active=True)
        .filter(
            ~Q(model_version=version)
            | Q(updated_at__lte=STALE)
            | Exists(newer_item)
            | Exists(newer_follow)
        )
        .order_by("updated_at", "person_id")
        .values_list("person_id", flat=True)[: limit - len(missing)]
    )
    return missing + list(stale)


def refresh_people(limit: int = 200) -> int:
    """The worker's sweep: recompute up to ``limit`` stale people (see ``_stale_people``) and
    their place in everyone's rows: their own "People like you", theirs in others' lists, and
    "Who has done this?" for every item. Returns how many people were refreshed; a second run
    with nothing new does nothing."""
    current = _model()
    if current is None:
        return 0
    state, model = current
    person_ids = _stale_people(state.version, limit)
    if not person_ids:
        return 0
    now = timezone.now()
    vectors = _vectorise(person_ids, model, state.version, now)
    with transaction.atomic():
        PersonVector.objects.filter(person_id__in=person_ids).delete()
        PersonVector.objects.bulk_create(vectors)
        # People who now have no text (or became inactive) leave every list.
        SimilarPerson.objects.filter(person_id__in=person_ids).delete()
        SimilarPerson.objects.filter(other_id__in=person_ids).delete()
        ItemPerson.objects.filter(person_id__in=person_ids).delete()
    people = _load_people(state.version, len(model.terms))
    rows = np.array([people.index[v.person_id] for v in vectors if v.person_id in people.index])
    if not len(rows):
        return len(person_ids)
    _refresh_similar(people, rows, model.terms)
    _refresh_item_people(people, rows, state.version, model.terms)
    return len(person_ids)


def _merge_top(
    model: type[models.Model],
    key: str,
    other: str,
    candidates: dict[int, list[tuple[float, int, Callable[[], list[dict[str, Any]]]]]],
    k: int,
) -> None:
    """Merge new candidate rows into each key's stored top ``k``: insert those that rank, delete
    stored rows pushed out. Ties break on the other id, as in a full rebuild."""
    keys = list(candidates)
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        existing: dict[int, list[tuple[float, int, int]]] = {}
        for pk, key_id, other_id, score in (
            model._default_manager.filter(**{f"{key}_id__in": chunk})
            .values_list("pk", f"{key}_id", f"{other}_id", "score")
            .iterator()
        ):
            existing.setdefault(key_id, []).append((score, other_id, pk))
        doomed: list[int] = []
        new: list[models.Model] = []
        for key_id in chunk:
            stored = existing.get(key_id, [])
            stored_others = {o for _, o, _ in stored}
            pool = [(s, o, pk, None) for s, o, pk in stored] + [
                (round(s, 6), o, None, why)
                for s, o, why in candidates[key_id]
                if o not in stored_others
            ]
            pool.sort(key=lambda r: (-r[0], r[1]))
            for rank, (score, other_id, pk, why) in enumerate(pool):
                if rank >= k:
                    if pk is not None:
                        doomed.append(pk)
                elif pk is None and why is not None:
                    new.append(
                        model(
                            **{
                                f"{key}_id": key_id,
                                f"{other}_id": other_id,
                                "score": score,
                                "reasons": why(),
                            }
                        )
                    )
        model._default_manager.filter(pk__in=doomed).delete()
        model._default_manager.bulk_create(new, batch_size=1000)


def _refresh_similar(people: _People, rows: np.ndarray, terms: Sequence[str]) -> None:
    made = _similar_rows(people, rows, terms)
    SimilarPerson.objects.filter(person_id__in=[people.ids[i] for i in rows]).delete()
    SimilarPerson.objects.bulk_create(made, batch_size=1000)
    # Their place in everyone else's list: the scores are symmetric, so the same block read by
    # column gives score(p, r) for every p.
    refreshed = set(int(i) for i in rows)
    candidates: dict[int, list[tuple[float, int, Callable[[], list[dict[str, Any]]]]]] = {}
    step = max(1, CHUNK_CELLS // max(people.n, 1))
    for start in range(0, len(rows), step):
        chunk = rows[start : start + step]
        scores, related = _person_block(people, chunk)
        for offset, r in enumerate(chunk):
            if not people.suggest[r]:
                continue
            for found in np.nonzero(related[offset])[0]:
                p = int(found)
                if p in refreshed:
                    continue  # their own list was just computed in full
                candidates.setdefault(people.ids[p], []).append(
                    (
                        float(scores[offset][p]),
                        people.ids[int(r)],
                        _reasons_later(people, p, int(r), terms),
                    )
                )
    _merge_top(SimilarPerson, "person", "other", candidates, TOP_PEOPLE)


def _reasons_later(
    people: _People, p: int, r: int, terms: Sequence[str]
) -> Callable[[], list[dict[str, Any]]]:
    return lambda: _person_reasons(people, p, r, terms)


def _refresh_item_people(
    people: _People, rows: np.ndarray, version: int, terms: Sequence[str]
) -> None:
    rows = np.array([r for r in rows if people.suggest[r]], dtype=np.int64)
    if not len(rows):
        return
    step = max(1, min(2000, CHUNK_CELLS // max(len(rows), 1)))
    for batch in _item_rows(version, step):
        items = _item_batch(batch, len(terms))
        scores, ok = _item_block(items, people, rows)
        candidates: dict[int, list[tuple[float, int, Callable[[], list[dict[str, Any]]]]]] = {}
        for i, j in zip(*np.nonzero(ok), strict=True):
            i, j = int(i), int(j)
            candidates.setdefault(items.ids[i], []).append(
                (
                    float(scores[i, j]),
                    people.ids[int(rows[j])],
                    _item_reasons_later(items, i, people, int(rows[j]), terms),
                )
            )
        _merge_top(ItemPerson, "item", "person", candidates, TOP_ITEM_PEOPLE)


def _item_reasons_later(
    items: _ItemBatch, i: int, people: _People, j: int, terms: Sequence[str]
) -> Callable[[], list[dict[str, Any]]]:
    return lambda: _item_reasons(items, i, people, j, terms)


# --- reads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """One person to show, with why in a few words."""

    person: User
    reason: str


def _org_phrase(value: str) -> str:
    # Worded at read time, in the viewer's language (the dict above is built at import).
    phrases = {
        "unitary": _("a unitary authority"),
        "district": _("a district council"),
        "metropolitan": _("a metropolitan borough"),
        "london_borough": _("a London borough"),
        "county": _("a county council"),
        "welsh_unitary": _("a Welsh unitary authority"),
        "scottish_unitary": _("a Scottish council"),
        "ni_district": _("a Northern Ireland district council"),
        "other_council": _("a council"),
        "charity": _("a charity or voluntary organisation"),
        "health": _("a health body"),
        "company": _("a company"),
        "public_body": _("a public body"),
    }
    return phrases.get(value, _("the same kind of organisation"))


def reason_text(reasons: Sequence[dict[str, Any]]) -> str:
    """Stored reasons in words: "both interested in recycling; also at a London borough"."""
    words: list[str] = []
    for reason in reasons:
        if not isinstance(reason, dict):
            continue
        kind = reason.get("kind")
        values = [str(v) for v in reason.get("values", []) if v]
        listed = ", ".join(values)
        if kind == "interests" and values:
            words.append(_("both interested in %(topics)s") % {"topics": listed})
        elif kind == "skills" and values:
            words.append(_("both skilled in %(topics)s") % {"topics": listed})
        elif kind == "terms" and values:
            words.append(_("both work on %(topics)s") % {"topics": listed})
        elif kind == "skilled" and values:
            words.append(_("skilled in %(topics)s") % {"topics": listed})
        elif kind == "interested" and values:
            words.append(_("interested in %(topics)s") % {"topics": listed})
        elif kind == "worked_on" and values:
            words.append(_("has worked on %(topics)s") % {"topics": listed})
        elif kind == "offered" and reason.get("value"):
            words.append(_("offered help: %(title)s") % {"title": reason["value"]})
        elif kind == "organisation" and reason.get("value"):
            words.append(_("also at %(organisation)s") % {"organisation": reason["value"]})
        elif kind == "org_type" and reason.get("value"):
            words.append(_("also at %(kind)s") % {"kind": _org_phrase(str(reason["value"]))})
        elif kind == "region" and reason.get("value"):
            words.append(_("also in %(region)s") % {"region": reason["value"]})
    return "; ".join(words[:3]) or _("similar work")


def _suggestable(viewer: User | AnonymousUser) -> models.QuerySet[User]:
    """People the viewer may be shown: profile visible to them, opted in, not themselves."""
    return User.objects.visible_to(viewer).filter(suggest_me=True).exclude(pk=viewer.pk)


def people_like_you(
    viewer: User | AnonymousUser | None, person: User | None, limit: int = 5
) -> list[Suggestion]:
    """The people most like ``person`` that ``viewer`` may be shown, best first. Nothing for
    visitors who are not signed in (a vector reads members-audience items), and nothing about a
    person who opted out, except to themselves."""
    if viewer is None or not viewer.is_authenticated or person is None or not person.pk:
        return []
    if not person.suggest_me and viewer.pk != person.pk:
        return []
    rows = (
        SimilarPerson.objects.filter(
            person_id=person.pk,
            person__in=User.objects.visible_to(viewer),
            other__in=_suggestable(viewer),
        )
        .select_related("other", "other__organisation")
        .order_by("-score", "other_id")[:limit]
    )
    return [Suggestion(r.other, reason_text(r.reasons)) for r in rows]


def is_ask(item: Item) -> bool:
    from knowledgehub.offers.choices import Kind
    from knowledgehub.offers.models import OfferAsk

    if item.kind != OfferAsk.knowledge_kind:
        return False
    return OfferAsk.objects.filter(pk=item.object_id, kind=Kind.ASK).exists()


def who_has_done_this(
    viewer: User | AnonymousUser | None, item: Item | None, limit: int = 5
) -> list[Suggestion]:
    """The people whose work is closest to ``item``, for a viewer who may see it; on an ask,
    people who offered related help (in offers the viewer may see) come first."""
    if viewer is None or not viewer.is_authenticated or item is None or not item.pk:
        return []
    if not can_view(viewer, item):
        return []
    people = _suggestable(viewer)
    if item.author_id is not None:
        people = people.exclude(pk=item.author_id)
    shown: list[Suggestion] = []
    if is_ask(item):
        shown = _offered_help(viewer, item, people)[: min(OFFERS_SHOWN, limit)]
    seen = {s.person.pk for s in shown}
    rows = (
        ItemPerson.objects.filter(item_id=item.pk, person__in=people)
        .exclude(person_id__in=seen)
        .select_related("person", "person__organisation")
        .order_by("-score", "person_id")[: limit - len(shown)]
    )
    return shown + [Suggestion(r.person, reason_text(r.reasons)) for r in rows]


def _offered_help(
    viewer: User | AnonymousUser, item: Item, people: models.QuerySet[User]
) -> list[Suggestion]:
    """Authors of open offers related to the ask, through offers the viewer may see."""
    from knowledgehub.offers.choices import Kind, Status
    from knowledgehub.offers.models import OfferAsk

    related = (
        RelatedItem.objects.filter(item_id=item.pk, related__kind=OfferAsk.knowledge_kind)
        .filter(visibility_q(viewer, prefix="related__"))
        .order_by("-score", "related_id")
        .values_list("related__object_id", flat=True)[:20]
    )
    offers = {
        o.pk: o
        for o in OfferAsk.objects.filter(
            pk__in=list(related), kind=Kind.OFFER, status=Status.OPEN, author__in=people
        ).select_related("author", "author__organisation")
    }
    out: list[Suggestion] = []
    seen: set[int] = set()
    for pk in related:
        offer = offers.get(pk)
        if offer is None or offer.author_id in seen:
            continue
        seen.add(offer.author_id)
        out.append(
            Suggestion(offer.author, reason_text([{"kind": "offered", "value": offer.title}]))
        )
    return out
