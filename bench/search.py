"""Search benchmark: query latency through the search service against a raw full-text query on
the same index, and the index build rate.

    .venv/bin/python bench/search.py [--items 100000] [--repeat 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kh_bench_search .venv/bin/python bench/search.py

The issue's target: "Search over 100,000 items (generated realistic text, mixed kinds and
audiences): p50/p95 query latency through the app's search service vs a raw FTS5 MATCH query on
the same index (ratio; target ≤ 2x) and, on PostgreSQL, vs a raw @@ query. Index build rate."

SQLite runs in a scratch data directory (``KH_VAR_DIR``, default ``/tmp/kh-bench-search-$UID``;
the project's ``var/`` is never touched). With ``DATABASE_URL`` the given database is migrated and
its knowledge items are replaced: point it at a scratch database.

It makes 200 people, 20 communities (open, restricted, private, secret) with members, then
``--items`` knowledge items with ``Item.objects.bulk_create`` in batches of 2,000: generated
council-flavoured text (titles of 4-9 words, bodies of 60-200 words from a 400-word vocabulary with
a Zipf-like spread), five kinds, four audiences. The build rate is items/s for those inserts, the
index triggers (SQLite) or generated column + GIN index (PostgreSQL) included; on SQLite a full
``rebuild`` of the FTS5 index is timed as well.

Each of the queries (common and rare words, two words, a phrase, a prefix) then runs ``--repeat``
times for an anonymous visitor and for a member of three communities, alternating:

* **service**: ``search.service.search(viewer, q)`` — the whole first page as the page shows it:
  the count, the 20 ranked hits (visibility rule in the same SQL), snippets, three facets and the
  people/communities/organisations group;
* **service, hits only**: the ranked, visibility-filtered page query alone (what the raw query
  does, plus the rule);
* **raw**: ``SELECT rowid, bm25(...) FROM search_item_fts WHERE search_item_fts MATCH ?
  ORDER BY 2 LIMIT 20`` (PostgreSQL: ``SELECT id, ts_rank_cd(v, q) … WHERE v @@ q ORDER BY 2 DESC
  LIMIT 20``) — no visibility, no count, no snippets.

Prints a table and writes JSON to ``bench/results/search-<time>.json``. Exit status 0 when the
hits-only p95 ratio is at most 2, 1 otherwise, 2 when the run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pages  # noqa: E402  (after the path is set, so this runs as a script)

TARGET_RATIO = 2.0
BUILT_NAME = "search-built.json"
KINDS = ["blog_post", "wiki_page", "forum_thread", "event", "feed_item"]
AUDIENCES = ["public"] * 5 + ["members"] * 2 + ["community"] * 2 + ["private"]
TOPICS = [
    "recycling", "waste", "housing", "planning", "libraries", "digital", "data", "procurement",
    "climate", "transport", "children", "social", "care", "public", "health", "licensing", "parks",
    "revenues", "benefits", "homelessness", "economic", "development", "highways", "leisure",
    "customer", "services", "elections", "environmental", "trading", "standards", "finance",
    "audit", "regeneration", "flooding", "allotments", "potholes", "parking", "permits", "council",
    "tax", "adult", "safeguarding", "schools", "admissions", "cemeteries", "noise", "nuisance",
    "fly", "tipping", "street", "lighting", "bus", "routes", "cycling", "lanes", "energy",
    "efficiency", "retrofit", "heat", "pumps", "tenants", "repairs", "homeless", "prevention",
    "domestic", "abuse", "youth", "services", "apprenticeships", "volunteers"
]  # fmt: skip
COMMON = [
    "the", "we", "our", "a", "to", "and", "of", "in", "for", "with", "on", "was", "were", "is",
    "are", "team", "residents", "council", "service", "pilot", "project", "year", "first", "new",
    "local", "people", "staff", "officers", "data", "costs", "budget", "results", "approach",
    "changes", "plan", "review", "report", "partners", "community", "support", "demand", "online",
    "visits", "teams", "managers", "lessons", "evaluation", "outcomes", "week", "month", "quarter",
    "survey", "feedback", "trial"
]  # fmt: skip
QUERIES = [
    "recycling",
    "housing repairs",
    "council tax",
    '"street lighting"',
    "heat pumps retrofit",
    "safeguard*",
    "residents",
    "apprenticeships volunteers",
    "cemeteries noise",
    "fly tipping",
    "budget review",
    "allot*",
]


def vocabulary(rng: random.Random) -> list[str]:
    extra = [
        "".join(rng.choice("bcdfghklmnprstvw") + rng.choice("aeiou") for _ in range(3))
        for _ in range(300)
    ]
    return TOPICS + COMMON + extra


def sentence(rng: random.Random, words: list[str], weights: list[float], n: int) -> str:
    return " ".join(rng.choices(words, weights=weights, k=n)).capitalize() + "."


def setup_django(var_dir: Path) -> None:
    env = pages.bench_env(var_dir, "bench.settings")
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def build(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction

    from knowledgehub.communities.models import Community, Membership
    from knowledgehub.knowledge.models import Item
    from knowledgehub.people.models import User

    rng = random.Random(args.seed)
    Item.objects.all().delete()
    Membership.objects.filter(community__slug__startswith="bench-").delete()
    Community.objects.filter(slug__startswith="bench-").delete()
    User.objects.filter(username__startswith="bench-").delete()
    users = User.objects.bulk_create(
        [User(username=f"bench-{n}", name=f"Bench Person {n}") for n in range(200)]
    )
    visibilities = ["open", "restricted", "private", "secret"]
    communities = Community.objects.bulk_create(
        [
            Community(
                name=f"Bench {rng.choice(TOPICS).title()} {n}",
                slug=f"bench-{n}",
                description="Benchmark community",
                visibility=visibilities[n % 4],
            )
            for n in range(20)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(community=c, user=u, role="member")
            for c in communities
            for u in rng.sample(users, 30)
        ],
        ignore_conflicts=True,
    )
    member = users[0]
    Membership.objects.bulk_create(
        [Membership(community=c, user=member, role="member") for c in communities[:3]],
        ignore_conflicts=True,
    )
    words = vocabulary(rng)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(words))]
    rng.shuffle(weights)
    ct = ContentType.objects.get_for_model(User)
    now = datetime.now(UTC)
    made = 0
    build_seconds = 0.0
    batch = 2000
    while made < args.items:
        rows = []
        for n in range(made, min(args.items, made + batch)):
            audience = rng.choice(AUDIENCES)
            community = (
                rng.choice(communities) if audience == "community" or rng.random() < 0.3 else None
            )
            body = " ".join(
                sentence(rng, words, weights, rng.randint(8, 20)) for _ in range(rng.randint(5, 12))
            )
            rows.append(
                Item(
                    kind=rng.choice(KINDS),
                    title=sentence(rng, words, weights, rng.randint(4, 9))[:-1],
                    text=body,
                    summary=body[:200],
                    url=f"/bench/{n}/",
                    author=rng.choice(users),
                    community=community,
                    audience=audience,
                    published_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 1000)),
                    content_type=ct,
                    object_id=n + 1,
                )
            )
        started = time.perf_counter()
        with transaction.atomic():
            Item.objects.bulk_create(rows)
        build_seconds += time.perf_counter() - started
        made += len(rows)
    out: dict[str, Any] = {
        "items": made,
        "build_seconds": round(build_seconds, 2),
        "build_items_per_s": round(made / build_seconds),
    }
    if connection.vendor == "sqlite":
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_item_fts(search_item_fts) VALUES ('rebuild')")
        rebuild = time.perf_counter() - started
        out["rebuild_seconds"] = round(rebuild, 2)
        out["rebuild_items_per_s"] = round(made / rebuild)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE knowledge_item")
    pages.log(f"built {made} items in {build_seconds:.1f}s")
    return out


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from knowledgehub.knowledge.models import Item
    from knowledgehub.people.models import User
    from knowledgehub.search import backends
    from knowledgehub.search.service import _page, parse_query, search

    viewers = {"anonymous": AnonymousUser(), "member": User.objects.get(username="bench-0")}
    weights = ", ".join(str(w) for w in backends.BM25_WEIGHTS)

    def raw(q: str) -> int:
        parsed = parse_query(q)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                from knowledgehub.search.service import _pg_tsquery

                sql, params = _pg_tsquery(parsed)
                cursor.execute(
                    f"SELECT id, ts_rank_cd(search_vector, {sql}) FROM knowledge_item "  # noqa: S608 (constant identifiers; values are parameters)
                    f"WHERE search_vector @@ {sql} ORDER BY 2 DESC LIMIT 20",
                    [*params, *params],
                )
            else:
                cursor.execute(
                    f"SELECT rowid, bm25(search_item_fts, {weights}) FROM search_item_fts "  # noqa: S608 (constant identifiers; values are parameters)
                    "WHERE search_item_fts MATCH %s ORDER BY 2 LIMIT 20",
                    [parsed.fts()],
                )
            return len(cursor.fetchall())

    no_filters: dict[str, Any] = {
        "kinds": (),
        "community_id": None,
        "organisation_id": None,
        "region": "",
        "author_id": None,
        "tag": "",
        "date_from": None,
        "date_to": None,
    }

    def hits_only(viewer: Any, q: str) -> int:
        # The page query exactly as search() runs it: the ranked (id, score) query with the
        # visibility rule, then the page's 20 rows read by id.
        return len(_page(viewer, parse_query(q), no_filters, per_page=20))

    timings: dict[str, list[float]] = {"raw": []}
    totals: dict[str, int] = {}
    for name in viewers:
        timings[f"service ({name})"] = []
        timings[f"service, hits only ({name})"] = []
    for q in QUERIES:  # warm up
        raw(q)
        search(viewers["anonymous"], q)
    for _ in range(args.repeat):
        for q in QUERIES:
            started = time.perf_counter()
            raw(q)
            timings["raw"].append(time.perf_counter() - started)
            for name, viewer in viewers.items():
                started = time.perf_counter()
                results = search(viewer, q)
                timings[f"service ({name})"].append(time.perf_counter() - started)
                totals[f"{name}: {q}"] = results.total
                started = time.perf_counter()
                hits_only(viewer, q)
                timings[f"service, hits only ({name})"].append(time.perf_counter() - started)
    rows = []
    raw_p50 = statistics.median(timings["raw"])
    raw_p95 = percentile(timings["raw"], 95)
    for name, values in timings.items():
        p50, p95 = statistics.median(values), percentile(values, 95)
        rows.append(
            {
                "path": name,
                "p50_ms": round(p50 * 1000, 2),
                "p95_ms": round(p95 * 1000, 2),
                "ratio_p50": round(p50 / raw_p50, 2),
                "ratio_p95": round(p95 / raw_p95, 2),
            }
        )
    return {"rows": rows, "totals": totals, "items_total": Item.objects.count()}


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'path':34} {'p50 ms':>9} {'p95 ms':>9} {'xraw p50':>9} {'xraw p95':>9}"]
    for r in rows:
        lines.append(
            f"{r['path']:34} {r['p50_ms']:>9} {r['p95_ms']:>9} {r['ratio_p50']:>9} "
            f"{r['ratio_p95']:>9}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--var-dir", type=Path, default=Path(f"/tmp/kh-bench-search-{os.getuid()}"))
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="keep the scratch database afterwards and reuse one built earlier with the same "
        "--items and --seed (the build numbers are then those of the earlier run)",
    )
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    var_dir: Path = args.var_dir
    try:
        host = pages.machine()
        code = pages.git_state()
        built_file = var_dir / BUILT_NAME
        reuse = (
            args.keep_db
            and built_file.exists()
            and (var_dir / pages.SCRATCH_MARKER).exists()
            and json.loads(built_file.read_text(encoding="utf-8")).get("config")
            == {"items": args.items, "seed": args.seed}
        )
        if not reuse:
            pages.prepare_var_dir(var_dir, keep=False)
        setup_django(var_dir)
        from django.db import connection

        if reuse:
            built = json.loads(built_file.read_text(encoding="utf-8"))["build"]
            pages.log(f"reusing the database built earlier in {var_dir}")
        else:
            built = build(args)
            if args.keep_db:
                config = {"items": args.items, "seed": args.seed}
                built_file.write_text(
                    json.dumps({"config": config, "build": built}), encoding="utf-8"
                )
        result = measure(args)
        print()
        print(f"{connection.vendor}: {built}")
        print()
        print(table(result["rows"]))
        print()
        hits_rows = [r for r in result["rows"] if r["path"].startswith("service, hits only")]
        passed = all(r["ratio_p95"] <= TARGET_RATIO for r in hits_rows)
        pages.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        out = pages.RESULTS_DIR / f"search-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
        record = {
            "benchmark": "search",
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join([".venv/bin/python", "bench/search.py", *sys.argv[1:]]),
            "config": {
                "items": args.items,
                "repeat": args.repeat,
                "seed": args.seed,
                "reused_db": bool(reuse),
            },
            "database": connection.vendor,
            "targets": {"max_ratio": TARGET_RATIO},
            "machine": host,
            "git": code,
            "build": built,
            **result,
            "passed": passed,
        }
        out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        pages.log(f"result written to {out.relative_to(ROOT)}: {'PASS' if passed else 'FAIL'}")
        return 0 if passed else 1
    except pages.BenchError as exc:
        print(f"[bench] FAILED: {exc}", file=sys.stderr)
        return 2
    finally:
        if not args.keep_db and (var_dir / pages.SCRATCH_MARKER).exists():
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
