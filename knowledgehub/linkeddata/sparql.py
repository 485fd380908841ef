"""Running SPARQL queries from strangers safely: checks, limits and a killable query process.

What a query may do: read the public store (``store.py``) with SELECT, ASK, CONSTRUCT or
DESCRIBE. What it may not: update anything (INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, COPY,
MOVE, ADD are refused, and pyoxigraph's ``Store.query`` cannot run updates anyway), call another
endpoint (``SERVICE`` is refused: pyoxigraph would otherwise make the HTTP request itself), run
longer than ``KH_SPARQL_TIMEOUT`` seconds, or return more than ``KH_SPARQL_MAX_RESULTS`` rows or
triples (or ``KH_SPARQL_MAX_BYTES`` bytes).

Checks happen before execution on a token stream that skips strings, IRIs, comments, language
tags, variables and prefixed names, so ``"SERVICE"`` in a literal is fine and ``SERVICE`` as a
keyword is not. As defence in depth the query processes also drop their network: each one
moves itself into new, empty user and network namespaces before it loads pyoxigraph (where the
kernel allows it), so even a SERVICE the check missed has nowhere to connect.

Why a process per query slot: pyoxigraph has no timeout and a runaway query (a cartesian
product, a property path over everything) holds a CPU until it ends, possibly never. Queries
therefore run in a small pool of pre-started worker processes (``KH_SPARQL_WORKERS`` per web
process); the web process waits on a pipe with a deadline and, when it passes, kills the worker
and starts a replacement. Each worker also sets its own CPU-time limit before every query, so a
runaway dies even if its web process has gone. Workers are plain subprocesses
(``python -m knowledgehub.linkeddata.sparql``, never a ``fork`` of a threaded web process)
speaking length-prefixed JSON over their stdin and stdout, and never read Django settings.

Too many results are refused, not truncated: the SPARQL result formats have no way to say
"there was more", and a silently shortened answer is a wrong answer. The message says to add
LIMIT (and OFFSET to page).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import queue
import re
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0
DEFAULT_MAX_LENGTH = 10_000
DEFAULT_MAX_RESULTS = 10_000
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_WORKERS = 2
DEFAULT_MEMORY_MB = 1024
# How long a request waits for a free query process before being told the service is busy.
QUEUE_WAIT = 2.0
# How long a newly started query process may take to be ready (imports, namespaces).
STARTUP_TIMEOUT = 30.0

QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_WORDS = {
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
}

# Result media types: solutions (SELECT, ASK) and graphs (CONSTRUCT, DESCRIBE), defaults first.
SOLUTION_TYPES = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
GRAPH_TYPES = ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"]
# ?format= names a client may use instead of an Accept header.
FORMAT_NAMES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "rdf": "application/rdf+xml",
    "jsonld": "application/ld+json",
}
# What a client asking for JSON or XML of a graph gets instead.
_GRAPH_EQUIVALENT = {
    "application/sparql-results+json": "application/ld+json",
    "application/json": "application/ld+json",
    "application/sparql-results+xml": "application/rdf+xml",
    "application/xml": "application/rdf+xml",
    "text/csv": "application/n-triples",
    "text/tab-separated-values": "application/n-triples",
}
_SOLUTION_EQUIVALENT = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
}
PREFIXES = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}


# --- errors ------------------------------------------------------------------------------------


class QueryError(Exception):
    """A query we will not or could not answer; ``message`` is for the person who sent it."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class QueryRefused(QueryError):
    """Malformed, too long, an update, SERVICE or LOAD: 400."""


class TooManyResults(QueryError):
    """More rows, triples or bytes than we send: 400 (ask for a LIMIT)."""


class QueryTimeout(QueryError):
    """Stopped at the time limit: 503 (the service is fine, this query was too costly)."""

    status = 503


class Unavailable(QueryError):
    """No store yet, every query process busy, or a process that died: 503."""

    status = 503


# --- limits ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    timeout: float
    max_length: int
    max_results: int
    max_bytes: int
    workers: int
    memory_mb: int


def limits() -> Limits:
    """The limits from settings (read each time, so tests can change them)."""
    return Limits(
        timeout=float(getattr(settings, "KH_SPARQL_TIMEOUT", DEFAULT_TIMEOUT)),
        max_length=int(getattr(settings, "KH_SPARQL_MAX_QUERY_LENGTH", DEFAULT_MAX_LENGTH)),
        max_results=int(getattr(settings, "KH_SPARQL_MAX_RESULTS", DEFAULT_MAX_RESULTS)),
        max_bytes=int(getattr(settings, "KH_SPARQL_MAX_BYTES", DEFAULT_MAX_BYTES)),
        workers=max(1, int(getattr(settings, "KH_SPARQL_WORKERS", DEFAULT_WORKERS))),
        memory_mb=int(getattr(settings, "KH_SPARQL_WORKER_MEMORY_MB", DEFAULT_MEMORY_MB)),
    )


# --- checking a query --------------------------------------------------------------------------

# One alternative per kind of token; at each position the first that matches wins. Strings,
# IRIs, comments, language tags, variables and prefixed names are consumed whole so that words
# inside them are never mistaken for keywords.
_TOKENS = re.compile(
    r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             |'''(?:[^'\\]|\\.|'(?!''))*'''
             |"(?:[^"\\\n\r]|\\.)*"
             |'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:[\w:%\-]|\\[^\s]|\.(?=[\w:%\-]))*)
  | (?P<word>[^\W\d]\w*)
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def keywords(text: str) -> list[str]:
    """The bare words of a query (keywords and the like), upper-cased, in order."""
    return [m.group("word").upper() for m in _TOKENS.finditer(text) if m.lastgroup == "word"]


def check_query(text: str, *, max_length: int | None = None) -> str:
    """The query form (SELECT, ASK, CONSTRUCT or DESCRIBE) of a query we are willing to run;
    raises ``QueryRefused`` with a plain reason otherwise. Syntax is checked by the store."""
    limit = max_length if max_length is not None else limits().max_length
    if not text or not text.strip():
        raise QueryRefused(_("The query is empty."))
    if len(text) > limit:
        raise QueryRefused(
            _("The query is %(length)s characters long; the limit is %(limit)s.")
            % {"length": f"{len(text):,}", "limit": f"{limit:,}"}
        )
    if "\x00" in text:
        raise QueryRefused(_("The query contains a null character."))
    words = keywords(text)
    if "SERVICE" in words:
        raise QueryRefused(
            _(
                "SERVICE is not allowed: this endpoint does not send queries to other "
                "endpoints. Query the other endpoint directly."
            )
        )
    # The form is the first word after the prologue (BASE <iri>, PREFIX p: <iri>).
    form = next((w for w in words if w not in {"BASE", "PREFIX"}), "")
    if form == "LOAD" or ("LOAD" in words and form in UPDATE_WORDS):
        raise QueryRefused(_("LOAD is not allowed: this endpoint is read-only."))
    if form in UPDATE_WORDS:
        raise QueryRefused(
            _("This endpoint is read-only: updates (%(word)s) are not allowed.") % {"word": form}
        )
    if form not in QUERY_FORMS:
        raise QueryRefused(
            _("A query must be a SELECT, ASK, CONSTRUCT or DESCRIBE query (after any PREFIX).")
        )
    return form


# --- content negotiation -----------------------------------------------------------------------


def accepted_ranges(accept: str) -> list[tuple[str, float]]:
    """Media ranges from an Accept header, best first (stable for equal quality)."""
    ranges: list[tuple[str, float, int]] = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _sep, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        ranges.append((media, quality, position))
    ranges.sort(key=lambda r: (-r[1], r[2]))
    return [(media, quality) for media, quality, _p in ranges if quality > 0]


def choose_type(form: str, accept: str) -> str:
    """The result media type for a query form given an Accept header (or one media type):
    the first acceptable one we produce, else the default for the form (JSON or Turtle)."""
    graph = form in {"CONSTRUCT", "DESCRIBE"}
    offered = GRAPH_TYPES if graph else SOLUTION_TYPES
    equivalent = _GRAPH_EQUIVALENT if graph else _SOLUTION_EQUIVALENT
    for media, _quality in accepted_ranges(accept or ""):
        media = equivalent.get(media, media)
        if media in offered:
            return media
        if media == "*/*":
            return offered[0]
        if media.endswith("/*"):
            family = media[:-1]
            match = next((o for o in offered if o.startswith(family)), None)
            if match:
                return match
    return offered[0]


# --- running a query ---------------------------------------------------------------------------


def run_query(text: str, *, accept: str = "") -> tuple[str, bytes]:
    """Run a read-only query on the public store: (content type, body). ``accept`` is an
    Accept header or a single media type. Raises a ``QueryError`` subclass with a message for
    the client on anything we will not or could not answer."""
    from .store import current_directory

    settings_now = limits()
    form = check_query(text, max_length=settings_now.max_length)
    media_type = choose_type(form, accept)
    directory = current_directory()
    if directory is None:
        raise Unavailable(
            _(
                "The SPARQL store has not been built yet. It is built by the background worker "
                "within a few minutes of the site starting; try again shortly."
            )
        )
    request = {
        "directory": str(directory),
        "query": text,
        "media_type": media_type,
        "max_results": settings_now.max_results,
        "max_bytes": settings_now.max_bytes,
        "cpu_seconds": max(1, int(settings_now.timeout) + 1),
    }
    reply = _pool(settings_now).run(request, settings_now.timeout)
    return _answer(reply, settings_now)


def _answer(reply: tuple[Any, ...], settings_now: Limits) -> tuple[str, bytes]:
    """The web side of a reply: the result, or the matching ``QueryError``."""
    kind = reply[0]
    if kind == "ok":
        charset = "" if reply[1] == "application/n-triples" else "; charset=utf-8"
        return f"{reply[1]}{charset}", reply[2]
    detail = str(reply[1]) if len(reply) > 1 else ""
    if kind == "syntax":
        raise QueryRefused(_("The query is not valid SPARQL: %(detail)s") % {"detail": detail})
    if kind == "too_many":
        raise TooManyResults(
            _(
                "The query has more than %(limit)s results. Add a LIMIT (and OFFSET to page "
                "through them), or make the query more specific."
            )
            % {"limit": f"{settings_now.max_results:,}"}
        )
    if kind == "too_big":
        raise TooManyResults(
            _("The results are larger than %(limit)s. Add a LIMIT or select fewer variables.")
            % {"limit": filesizeformat(settings_now.max_bytes)}
        )
    if kind == "evaluation":
        raise QueryRefused(_("The query could not be evaluated: %(detail)s") % {"detail": detail})
    if kind == "timeout":
        raise QueryTimeout(timeout_message(settings_now.timeout))
    if kind == "memory":
        raise QueryTimeout(
            _("The query needed too much memory and was stopped. Make it more specific.")
        )
    if kind == "busy":
        raise Unavailable(_("The SPARQL service is busy. Please try again in a few seconds."))
    if kind == "unavailable":
        raise Unavailable(
            _("The SPARQL store could not be read just now. Please try again shortly.")
        )
    logger.error("SPARQL query process failed: %s", detail)
    raise Unavailable(_("The query could not be run. Please try again shortly."))


def timeout_message(seconds: float) -> str:
    return ngettext(
        "The query took longer than %(seconds)s second and was stopped.",
        "The query took longer than %(seconds)s seconds and was stopped.",
        max(1, round(seconds)),
    ) % {"seconds": f"{seconds:g}"}


# --- the pool of query processes (web process side) --------------------------------------------


class _Closed(Exception):
    """The other end of a query process's pipe closed."""


def _send(fd: int, payload: bytes) -> None:
    data = struct.pack(">I", len(payload)) + payload
    while data:
        written = os.write(fd, data)
        data = data[written:]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes | None:
    """``size`` bytes from ``fd``; None when the deadline passes first."""
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                return None
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise _Closed
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _receive(fd: int, deadline: float | None) -> bytes | None:
    header = _read_exact(fd, 4, deadline)
    if header is None:
        return None
    return _read_exact(fd, struct.unpack(">I", header)[0], deadline)


class _Worker:
    """One query process (``python -m knowledgehub.linkeddata.sparql``) and our ends of its
    pipes. A plain subprocess rather than ``multiprocessing``: nothing of the web process (its
    ``__main__``, threads, open connections) is copied or re-run in it."""

    def __init__(self, memory_mb: int) -> None:
        root = str(Path(__file__).resolve().parents[2])
        environment = {**os.environ, "KH_SPARQL_WORKER_MEMORY_MB": str(memory_mb)}
        environment["PYTHONPATH"] = os.pathsep.join(
            p for p in (root, environment.get("PYTHONPATH", "")) if p
        )
        self.process = subprocess.Popen(  # our own module, fixed arguments
            [sys.executable, "-m", "knowledgehub.linkeddata.sparql"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
            cwd=root,
            close_fds=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.to_child = self.process.stdin.fileno()
        self.from_child = self.process.stdout.fileno()
        self.ready = False
        self.isolated = False

    def wait_ready(self, timeout: float) -> bool:
        if not self.ready:
            reply = self.receive(time.monotonic() + timeout)
            self.ready = reply is not None and reply[0] == "ready"
            self.isolated = reply is not None and reply[1] == "isolated"
            if self.ready and not self.isolated:
                logger.warning(
                    "SPARQL query process could not drop its network (no user namespaces); "
                    "SERVICE is still refused before execution."
                )
        return self.ready

    def send(self, request: dict[str, Any]) -> None:
        _send(self.to_child, json.dumps(request).encode("utf-8"))

    def receive(self, deadline: float | None) -> tuple[str, str, bytes] | None:
        """(kind, media type or detail, body), or None at the deadline."""
        header = _receive(self.from_child, deadline)
        if header is None:
            return None
        body = _receive(self.from_child, deadline)
        if body is None:
            return None
        data = json.loads(header)
        return str(data["kind"]), str(data.get("detail", "")), body

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()


class QueryPool:
    """Pre-started query processes; a query borrows one, and a stuck one is killed and
    replaced. Safe to share between the threads of one web process."""

    def __init__(self, size: int, memory_mb: int) -> None:
        self.pid = os.getpid()
        self.size = size
        self.memory_mb = memory_mb
        self.idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self.everyone: set[_Worker] = set()
        self.lock = threading.Lock()
        for _n in range(size):
            self.idle.put(self._start())

    def _start(self) -> _Worker:
        worker = _Worker(self.memory_mb)
        with self.lock:
            self.everyone.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self.lock:
            self.everyone.discard(worker)
        self.idle.put(self._start())

    def run(self, request: dict[str, Any], timeout: float) -> tuple[Any, ...]:
        try:
            worker = self.idle.get(timeout=QUEUE_WAIT)
        except queue.Empty:
            return ("busy",)
        healthy = False
        try:
            if not worker.wait_ready(STARTUP_TIMEOUT):
                return ("failed", "the query process did not start")
            worker.send(request)
            reply = worker.receive(time.monotonic() + timeout)
            if reply is None:
                return ("timeout",)
            healthy = True
            kind, detail, body = reply
            return (kind, detail, body)
        except (_Closed, OSError, ValueError) as exc:
            # The process died mid-query: out of CPU time (its own limit) or out of memory.
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(timeout=1)
            code = worker.process.returncode
            if code == -signal.SIGXCPU:
                return ("timeout",)
            if code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV):
                return ("memory",)
            return ("failed", f"query process ended ({code}): {exc}")
        finally:
            if healthy:
                self.idle.put(worker)
            else:
                self._retire(worker)

    def close(self) -> None:
        with self.lock:
            workers = list(self.everyone)
            self.everyone.clear()
        for worker in workers:
            worker.kill()


_POOL: QueryPool | None = None
_POOL_LOCK = threading.Lock()


def _pool(settings_now: Limits) -> QueryPool:
    """This process's pool, started on first use (and again in a forked child process)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL.pid != os.getpid():
            _POOL = QueryPool(settings_now.workers, settings_now.memory_mb)
        return _POOL


def shutdown_pool() -> None:
    """Stop this process's query processes (at exit; tests use it to start afresh)."""
    global _POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
    if pool is not None and pool.pid == os.getpid():
        pool.close()


atexit.register(shutdown_pool)


# --- the query process ---------------------------------------------------------------------------

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


def _drop_network() -> bool:
    """Move this (still single-threaded) process into new user and network namespaces: no
    interfaces but a downed loopback, so no outbound connection is possible. Best effort: the
    kernel or a container may forbid it, and SERVICE is refused before execution anyway."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0)
    except (OSError, AttributeError):
        return False


_REPLIES = 1  # the protocol's file descriptor in a query process (moved off stdout at start)


def _reply(kind: str, detail: str = "", body: bytes = b"") -> None:
    _send(_REPLIES, json.dumps({"kind": kind, "detail": detail}).encode("utf-8"))
    _send(_REPLIES, body)


def worker_main() -> None:
    """A query process: drop the network, bound memory, then answer queries read from stdin
    until it closes. Must not touch Django settings (none are configured here)."""
    global _REPLIES
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the web process
    # Replies get their own descriptor and stdout goes to stderr, so a stray print from a
    # library can never corrupt the protocol.
    _REPLIES = os.dup(1)
    os.dup2(2, 1)
    isolated = _drop_network()
    memory_mb = int(os.environ.get("KH_SPARQL_WORKER_MEMORY_MB") or 0)
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        with contextlib.suppress(Exception):
            resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    import pyoxigraph  # noqa: F401  (after the namespaces: it may start threads)

    stores: dict[str, Any] = {}
    _reply("ready", "isolated" if isolated else "shared")
    while True:
        try:
            payload = _receive(0, None)
        except (_Closed, OSError):
            return
        if payload is None:
            return
        request = json.loads(payload)
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime) + 1
        _soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        with contextlib.suppress(Exception):
            resource.setrlimit(resource.RLIMIT_CPU, (spent + int(request["cpu_seconds"]), hard))
        try:
            reply = execute(request, stores)
        except MemoryError:
            reply = ("memory",)
        except Exception as exc:  # the web process turns it into a message
            reply = ("failed", f"{type(exc).__name__}: {exc}")
        try:
            if reply[0] == "ok":
                _reply("ok", reply[1], reply[2])
            else:
                _reply(reply[0], str(reply[1]) if len(reply) > 1 else "")
        except OSError:
            return


def _open(directory: str, stores: dict[str, Any]) -> Any:
    """The read-only store of a generation, opened once per process."""
    import pyoxigraph as ox

    store = stores.get(directory)
    if store is None:
        stores.clear()  # a newer generation is current: let the old one close
        store = ox.Store.read_only(directory)
        stores[directory] = store
    return store


def execute(request: dict[str, Any], stores: dict[str, Any]) -> tuple[Any, ...]:
    """Run one checked query in this process: ("ok", media type, body) or (kind, detail)."""
    import pyoxigraph as ox

    try:
        store = _open(request["directory"], stores)
    except OSError as exc:
        return ("unavailable", str(exc))
    try:
        results = store.query(request["query"], prefixes=PREFIXES)
    except SyntaxError as exc:
        return ("syntax", str(exc))
    except OSError as exc:
        return ("failed", str(exc))
    media_type = request["media_type"]
    max_results = int(request["max_results"])
    max_bytes = int(request["max_bytes"])
    try:
        if isinstance(results, ox.QueryBoolean):
            return ("ok", media_type, boolean_body(bool(results), media_type))
        if isinstance(results, ox.QuerySolutions):
            return ("ok", media_type, solutions_body(results, media_type, max_results, max_bytes))
        return ("ok", media_type, triples_body(results, media_type, max_results, max_bytes))
    except _Limit as exc:
        return (exc.kind,)
    except (OSError, SyntaxError, ValueError) as exc:  # raised while evaluating
        return ("evaluation", str(exc))


class _Limit(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


# --- serialising results -----------------------------------------------------------------------

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _json_term(term: Any) -> dict[str, Any]:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    # An RDF-star quoted triple.
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _xml_term(term: Any) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            language = quoteattr(term.language)
            return f"<literal xml:lang={language}>{xml_escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>"
                f"{xml_escape(term.value)}</literal>"
            )
        return f"<literal>{xml_escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _csv_field(term: Any) -> str:
    """A CSV cell (SPARQL 1.1 CSV: IRIs and literals as bare text, blank nodes as _:label)."""
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        value = f"_:{term.value}"
    elif isinstance(term, ox.NamedNode | ox.Literal):
        value = term.value
    else:
        value = str(term)
    if any(c in value for c in ',"\r\n') or value != value.strip(" "):
        value = '"' + value.replace('"', '""') + '"'
    return value


def _tsv_field(term: Any) -> str:
    """A TSV cell: the term in Turtle/N-Triples syntax (pyoxigraph's ``str``)."""
    if term is None:
        return ""
    return str(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def solutions_body(results: Any, media_type: str, max_results: int, max_bytes: int) -> bytes:
    """SELECT results in ``media_type``, refused (``_Limit``) past the row or byte limit."""
    names = [v.value for v in results.variables]
    parts: list[str] = []
    size = 0

    def add(piece: str) -> None:
        nonlocal size
        size += len(piece)
        if size > max_bytes:
            raise _Limit("too_big")
        parts.append(piece)

    if media_type == "application/sparql-results+json":
        add('{"head":{"vars":' + json.dumps(names) + '},"results":{"bindings":[')
        separator = ""
        for count, solution in enumerate(results, 1):
            if count > max_results:
                raise _Limit("too_many")
            row = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = _json_term(term)
            add(separator + json.dumps(row, ensure_ascii=False))
            separator = ","
        add("]}}")
    elif media_type == "application/sparql-results+xml":
        add('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">')
        add("<head>" + "".join(f"<variable name={quoteattr(n)}/>" for n in names) + "</head>")
        add("<results>")
        for count, solution in enumerate(results, 1):
            if count > max_results:
                raise _Limit("too_many")
            cells = "".join(
                f"<binding name={quoteattr(name)}>{_xml_term(solution[name])}</binding>"
                for name in names
                if solution[name] is not None
            )
            add(f"<result>{cells}</result>")
        add("</results></sparql>\n")
    else:
        tsv = media_type == "text/tab-separated-values"
        if tsv:
            add("\t".join(f"?{n}" for n in names) + "\n")
        else:
            add(",".join(names) + "\r\n")
        for count, solution in enumerate(results, 1):
            if count > max_results:
                raise _Limit("too_many")
            if tsv:
                add("\t".join(_tsv_field(solution[n]) for n in names) + "\n")
            else:
                add(",".join(_csv_field(solution[n]) for n in names) + "\r\n")
    return "".join(parts).encode("utf-8")


def boolean_body(value: bool, media_type: str) -> bytes:
    """An ASK answer in ``media_type`` (CSV and TSV: a single ``true`` or ``false``)."""
    word = "true" if value else "false"
    if media_type == "application/sparql-results+json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if media_type == "application/sparql-results+xml":
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{word}</boolean></sparql>\n"
        ).encode()
    return f"{word}\n".encode()


def triples_body(results: Any, media_type: str, max_results: int, max_bytes: int) -> bytes:
    """CONSTRUCT or DESCRIBE results in an RDF syntax, refused past the triple or byte limit."""
    import pyoxigraph as ox

    triples = []
    for count, triple in enumerate(results, 1):
        if count > max_results:
            raise _Limit("too_many")
        triples.append(triple)
    rdf_format = {
        "text/turtle": ox.RdfFormat.TURTLE,
        "application/n-triples": ox.RdfFormat.N_TRIPLES,
        "application/rdf+xml": ox.RdfFormat.RDF_XML,
        "application/ld+json": ox.RdfFormat.JSON_LD,
    }[media_type]
    prefixes = PREFIXES if media_type in {"text/turtle", "application/rdf+xml"} else None
    body = ox.serialize(triples, format=rdf_format, prefixes=prefixes) or b""
    if len(body) > max_bytes:
        raise _Limit("too_big")
    return body


if __name__ == "__main__":
    worker_main()
