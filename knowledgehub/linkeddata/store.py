"""The SPARQL store: a pyoxigraph (RocksDB) copy of everything an anonymous visitor may see.

Why generations instead of one store updated in place: RocksDB allows one read-write process, and
pyoxigraph documents opening a store read-only "while having an other process writing the
database" as undefined behaviour. So the worker never writes a store anyone reads. Each sync
builds a complete new store in a fresh directory under ``KH_SPARQL_STORE_PATH``, closes it, and
then atomically replaces the small ``CURRENT`` pointer file (write a temporary file, then
``os.replace``) naming that directory. Readers (the query processes of ``sparql.py``) read
``CURRENT`` before each query and open the named directory with ``Store.read_only``, caching the
open store per process by directory name. A directory is never written again once ``CURRENT``
names it, and old generations are deleted only when they are neither current nor the previous
one and are older than ``STALE_AFTER`` (so a query still running on one finishes undisturbed).

Layout::

    <KH_SPARQL_STORE_PATH>/
        CURRENT            JSON: {"generation", "fingerprint", "digest", "triples", "built_at"}
        .lock              held (flock) by the one process building
        gen-<ns>-<pid>/    one complete store per successful build

``sync_store()`` is idempotent and cheap when nothing changed: it skips when the fingerprint
(the site's content version and address) is the one the current store was built from; when the
content version moved but the public triples did not (a change only signed-in people see), the
digest of the triples matches and only the pointer's fingerprint is updated.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

CURRENT = "CURRENT"
LOCK = ".lock"
PREFIX = "gen-"
# A generation that is neither current nor the previous one is deleted once it is this old (no
# query can still be reading it: queries are stopped after a few seconds).
STALE_AFTER = 15 * 60
BATCH = 10_000

Progress = Callable[[str, int], None]


def store_root() -> Path:
    """Where generations live (``KH_SPARQL_STORE_PATH``, default ``VAR_DIR/sparql``)."""
    configured = getattr(settings, "KH_SPARQL_STORE_PATH", None)
    if configured:
        return Path(configured)
    return Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var")) / "sparql"


@dataclass(frozen=True)
class Pointer:
    """What ``CURRENT`` says: the generation to read and what it was built from."""

    generation: str
    fingerprint: str
    digest: str
    triples: int
    built_at: float


@dataclass(frozen=True)
class SyncResult:
    """What a sync did: "built", "unchanged" (skipped) or "busy" (another sync holds the lock)."""

    action: str
    triples: int
    generation: str
    seconds: float


def read_pointer(root: Path | str | None = None) -> Pointer | None:
    """The current generation, or None when no store has been built yet (or the pointer is
    unreadable: a reader then answers "not built yet" rather than guessing)."""
    path = Path(root if root is not None else store_root()) / CURRENT
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pointer = Pointer(
            generation=str(data["generation"]),
            fingerprint=str(data.get("fingerprint", "")),
            digest=str(data.get("digest", "")),
            triples=int(data.get("triples", 0)),
            built_at=float(data.get("built_at", 0)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not re.fullmatch(r"gen-[0-9]+-[0-9]+", pointer.generation):
        return None
    return pointer


def current_directory(root: Path | str | None = None) -> Path | None:
    """The directory of the current generation, if one has been built."""
    base = Path(root if root is not None else store_root())
    pointer = read_pointer(base)
    if pointer is None or not (base / pointer.generation).is_dir():
        return None
    return base / pointer.generation


def _write_pointer(root: Path, pointer: Pointer) -> None:
    temporary = root / f".{CURRENT}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(pointer.__dict__), encoding="utf-8")
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, root / CURRENT)  # atomic: readers see the old or the new pointer


# --- converting rdflib terms -------------------------------------------------------------------

_BNODE_ID = re.compile(r"[A-Za-z0-9_]+")


def _term(term: Any) -> Any:
    """An rdflib term as the pyoxigraph term with the same meaning."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        value = str(term)
        if not _BNODE_ID.fullmatch(value):
            value = "b" + hashlib.sha1(value.encode("utf-8"), usedforsecurity=False).hexdigest()
        return ox.BlankNode(value)
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _triples(source: Any) -> Iterator[tuple[Any, Any, Any]]:
    """rdflib triples from a Graph, an iterable of Graphs, or an iterable of (s, p, o)."""
    from rdflib import Graph

    if isinstance(source, Graph):
        yield from source.triples((None, None, None))
        return
    for part in source:
        if isinstance(part, Graph):
            yield from part.triples((None, None, None))
        else:
            subject, predicate, obj = part
            yield subject, predicate, obj


def _quads(source: Any, checksum: list[int], progress: Progress | None) -> Iterator[Any]:
    """pyoxigraph quads (default graph), adding each triple's hash into ``checksum[0]``: a sum
    of hashes is independent of order, so the same triples give the same digest however they
    were produced, without holding them all in memory."""
    import pyoxigraph as ox

    for count, (subject, predicate, obj) in enumerate(_triples(source), 1):
        quad = ox.Quad(_term(subject), _term(predicate), _term(obj))
        line = f"{quad.subject} {quad.predicate} {quad.object}".encode()
        checksum[0] = (checksum[0] + int.from_bytes(hashlib.sha256(line).digest())) % _MODULUS
        if progress is not None and count % BATCH == 0:
            progress("triples", count)
        yield quad


_MODULUS = 2**256


# --- building ----------------------------------------------------------------------------------


def build_store(
    source: Any,
    *,
    root: Path | str | None = None,
    fingerprint: str = "",
    progress: Progress | None = None,
    skip_if_digest: str | None = None,
) -> SyncResult:
    """Build a new generation from ``source`` (an rdflib Graph, an iterable of Graphs or of
    triples) and make it current. With ``skip_if_digest``, a build whose triples have that
    digest is thrown away and only the pointer's fingerprint is updated ("unchanged")."""
    import pyoxigraph as ox

    started = time.monotonic()
    base = Path(root if root is not None else store_root())
    base.mkdir(parents=True, exist_ok=True)
    generation = f"{PREFIX}{time.time_ns()}-{os.getpid()}"
    directory = base / generation
    checksum = [0]
    try:
        store = ox.Store(str(directory))
        store.bulk_extend(_quads(source, checksum, progress))
        store.flush()
        store.optimize()
        triples = len(store)
        del store  # closes RocksDB: the directory is complete and never written again
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    hexdigest = f"{checksum[0]:064x}"
    previous = read_pointer(base)
    if skip_if_digest is not None and previous is not None and hexdigest == skip_if_digest:
        shutil.rmtree(directory, ignore_errors=True)
        _write_pointer(base, Pointer(**{**previous.__dict__, "fingerprint": fingerprint}))
        return SyncResult("unchanged", previous.triples, previous.generation, _since(started))
    _write_pointer(
        base,
        Pointer(
            generation=generation,
            fingerprint=fingerprint,
            digest=hexdigest,
            triples=triples,
            built_at=time.time(),
        ),
    )
    prune(base)
    if progress is not None:
        progress("triples", triples)
    return SyncResult("built", triples, generation, _since(started))


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


def prune(root: Path | str | None = None, *, stale_after: float = STALE_AFTER) -> list[str]:
    """Delete generations no query can be reading: not current, not the newest previous one,
    and older than ``stale_after`` seconds. Returns the names deleted."""
    base = Path(root if root is not None else store_root())
    pointer = read_pointer(base)
    current = pointer.generation if pointer else None
    others = sorted(
        (p for p in base.glob(f"{PREFIX}*") if p.is_dir() and p.name != current),
        key=_built_at,
        reverse=True,
    )
    deleted = []
    now = time.time()
    for directory in others[1:]:  # keep the newest previous generation
        if now - directory.stat().st_mtime >= stale_after:
            shutil.rmtree(directory, ignore_errors=True)
            deleted.append(directory.name)
    return deleted


def _built_at(directory: Path) -> int:
    """When a generation was started (its name carries the clock in nanoseconds)."""
    try:
        return int(directory.name.split("-")[1])
    except (IndexError, ValueError):
        return 0


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[bool]:
    """An exclusive, non-blocking lock on the store directory: True when we hold it."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def site_fingerprint() -> str:
    """What the public triples depend on: every content change bumps the content version, and
    every URI starts with the site address."""
    from knowledgehub.core.pagecache import content_version

    return f"v{content_version()}|{settings.SITE_URL}"


def public_source() -> Iterable[Any]:
    """Everything an anonymous visitor may see, in bounded chunks when the builder offers them."""
    from . import rdf

    chunked = getattr(rdf, "public_graphs", None)
    if chunked is not None:
        parts: Iterable[Any] = chunked()
        return parts
    return [rdf.public_graph()]


def sync_store(
    *,
    force: bool = False,
    root: Path | str | None = None,
    source: Any = None,
    fingerprint: str | None = None,
    progress: Progress | None = None,
) -> SyncResult:
    """Bring the store in step with what an anonymous visitor may see. Skips when the
    fingerprint has not moved (unless ``force``); a concurrent sync makes this one a no-op.
    ``source`` and ``fingerprint`` default to the site's public graphs and content version
    (tests pass their own)."""
    started = time.monotonic()
    base = Path(root if root is not None else store_root())
    with _build_lock(base) as held:
        if not held:
            pointer = read_pointer(base)
            return SyncResult(
                "busy", pointer.triples if pointer else 0, pointer.generation if pointer else "", 0
            )
        wanted = fingerprint if fingerprint is not None else site_fingerprint()
        pointer = read_pointer(base)
        if (
            not force
            and pointer is not None
            and pointer.fingerprint == wanted
            and (base / pointer.generation).is_dir()
        ):
            prune(base)
            return SyncResult("unchanged", pointer.triples, pointer.generation, _since(started))
        reusable = pointer is not None and (base / pointer.generation).is_dir() and not force
        return build_store(
            source if source is not None else public_source(),
            root=base,
            fingerprint=wanted,
            progress=progress,
            skip_if_digest=pointer.digest if reusable and pointer else None,
        )
