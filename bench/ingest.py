"""Feed ingestion benchmark: items/s ingested (parse, sanitise, deduplicate, store, index) against
``feedparser.parse`` alone on the same bytes.

    .venv/bin/python bench/ingest.py [--items 2000] [--rounds 3]

The issue's target: "Feed ingestion: items/s from local files (parse + sanitise + dedupe + store
+ index) as a ratio to feedparser.parse alone on the same files. Target ≥ 0.5." This script
reports numbers (the machine is shared and noisy); it is not a timed test.

In a scratch data directory (``KH_VAR_DIR``, default ``/tmp/kh-bench-ingest-$UID``; the project's
``var/`` is never touched) it migrates a fresh SQLite database with the project's settings and
generates, in memory from a fixed seed, two feeds of ``--items`` items each: RSS 2.0 (HTML in
``<description>`` and ``content:encoded``, as CMSs write it) and Atom 1.0 (``type="html"``
summaries and content). Each item has a title, link, guid, date, author and about 1 KB of HTML
with links, lists and emphasis.

Each round, for each feed, times:

* **ours**: ``aggregator.ingest.ingest_bytes(source, data)`` for a new ``FeedSource`` with one
  site-wide ``Subscription`` (made before the clock starts), so every item is new: every
  ``Entry``, ``FeedItem`` and ``knowledge.Item`` row is written and committed;
* **baseline**: ``feedparser.parse(io.BytesIO(data))`` with its defaults (its own HTML
  sanitiser and relative-URI resolution on), storing nothing;
* **bare parse**, for information: ``feedparser.parse`` with ``sanitize_html=False,
  resolve_relative_uris=False``, the call ours makes inside (we sanitise with nh3 instead).

The sides rotate which goes first. items/s = items * rounds / total seconds; the ratio is
ours / baseline. The script checks that ours stored every item once.

Prints a table and writes JSON to ``bench/results/ingest-<time>.json``. Exit status 0 when every
ratio is at least 0.5, 1 otherwise, 2 when the run fails.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pages  # noqa: E402  (after the path is set, so this runs as a script)

TARGET_RATIO = 0.5
WORDS = [
    "council",
    "residents",
    "housing",
    "planning",
    "waste",
    "recycling",
    "service",
    "budget",
    "data",
    "digital",
    "community",
    "library",
    "park",
    "transport",
    "school",
    "care",
    "health",
    "climate",
    "consultation",
    "report",
    "team",
    "pilot",
    "results",
    "funding",
    "partnership",
    "volunteers",
    "survey",
    "improvement",
    "local",
]


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def _html(rng: random.Random, i: int) -> str:
    paragraphs = [
        f'<p>{_sentence(rng, 14)} <a href="/news/{i}/more">Read more</a> about '
        f"<em>{rng.choice(WORDS)}</em> and <strong>{rng.choice(WORDS)}</strong>.</p>",
        f"<p>{_sentence(rng, 20)} {_sentence(rng, 12)}</p>",
        "<ul>" + "".join(f"<li>{_sentence(rng, 6)}</li>" for _ in range(4)) + "</ul>",
        f'<p>{_sentence(rng, 16)} <a href="https://example.org/r/{i}">Source</a>.</p>',
    ]
    return "".join(paragraphs)


def make_feeds(items: int, seed: int) -> dict[str, bytes]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    rss_items = []
    atom_entries = []
    for i in range(items):
        when = start - timedelta(minutes=37 * i)
        title = escape(f"{_sentence(rng, 7)[:-1]} ({i})")
        body = _html(rng, i)
        rss_items.append(
            f"<item><title>{title}</title>"
            f"<link>https://news.example.gov.uk/news/{i}</link>"
            f'<guid isPermaLink="false">news-{i}</guid>'
            f"<pubDate>{format_datetime(when)}</pubDate>"
            f"<dc:creator>Press office</dc:creator>"
            f"<description>{escape(body[:300])}</description>"
            f"<content:encoded><![CDATA[{body}]]></content:encoded></item>"
        )
        atom_entries.append(
            f"<entry><title>{title}</title><id>urn:example:news:{i}</id>"
            f'<link rel="alternate" href="https://news.example.gov.uk/news/{i}"/>'
            f"<updated>{when.isoformat()}</updated><published>{when.isoformat()}</published>"
            f"<author><name>Press office</name></author>"
            f'<summary type="html">{escape(body[:300])}</summary>'
            f'<content type="html">{escape(body)}</content></entry>'
        )
    rss = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Council news</title>'
        "<link>https://news.example.gov.uk/</link><description>News</description>"
        + "".join(rss_items)
        + "</channel></rss>"
    )
    atom = (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Council news</title><id>urn:example:news</id>"
        '<link rel="alternate" href="https://news.example.gov.uk/"/>'
        f"<updated>{start.isoformat()}</updated>" + "".join(atom_entries) + "</feed>"
    )
    return {"RSS 2.0": rss.encode(), "Atom 1.0": atom.encode()}


def setup_django(var_dir: Path) -> None:
    os.environ.update(pages.bench_env(var_dir, "bench.settings"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def time_side(side: str, name: str, data: bytes, source: Any, items: int) -> float:
    """Seconds for one side to read one feed (ours also stores and indexes it)."""
    import feedparser

    from knowledgehub.aggregator.ingest import ingest_bytes

    started = time.perf_counter()
    if side == "ours":
        count = ingest_bytes(source, data).added
    elif side == "baseline":
        count = len(feedparser.parse(io.BytesIO(data)).entries)
    else:
        bare = feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)
        count = len(bare.entries)
    elapsed = time.perf_counter() - started
    if count != items:
        raise pages.BenchError(f"{name}, {side}: read {count} items of {items}")
    return elapsed


def run(args: argparse.Namespace) -> dict[str, Any]:
    from knowledgehub.aggregator.choices import Scope
    from knowledgehub.aggregator.models import Entry, FeedItem, FeedSource, Subscription
    from knowledgehub.knowledge.models import Item

    feeds = make_feeds(args.items, args.seed)
    rows = []
    counter = 0
    for name, data in feeds.items():
        ours_s = 0.0
        base_s = 0.0
        bare_s = 0.0
        for round_no in range(args.rounds):
            counter += 1
            url = f"https://news.example.gov.uk/feed-{counter}.xml"
            source = FeedSource.objects.create(url=url, original_url=url)
            Subscription.objects.create(source=source, scope=Scope.SITE)

            order = ["ours", "baseline", "bare"]
            order = order[round_no % 3 :] + order[: round_no % 3]
            for side in order:
                elapsed = time_side(side, name, data, source, args.items)
                if side == "ours":
                    ours_s += elapsed
                elif side == "baseline":
                    base_s += elapsed
                else:
                    bare_s += elapsed
            stored = (
                Entry.objects.filter(source=source).count(),
                FeedItem.objects.filter(subscription__source=source).count(),
            )
            if stored != (args.items, args.items):
                raise pages.BenchError(f"{name}: stored {stored}, expected {args.items} each")
        total = args.items * args.rounds
        ours_rate = total / ours_s
        base_rate = total / base_s
        bare_rate = total / bare_s
        rows.append(
            {
                "feed": name,
                "bytes": len(data),
                "items": args.items,
                "rounds": args.rounds,
                "ours_items_per_s": round(ours_rate, 1),
                "ours_ms_per_item": round(1000 / ours_rate, 3),
                "baseline_items_per_s": round(base_rate, 1),
                "baseline_ms_per_item": round(1000 / base_rate, 3),
                "ratio": round(ours_rate / base_rate, 2),
                "bare_parse_items_per_s": round(bare_rate, 1),
                "ratio_to_bare_parse": round(ours_rate / bare_rate, 2),
                "passed": ours_rate / base_rate >= TARGET_RATIO,
            }
        )
    return {
        "rows": rows,
        "counts": {
            "entries": Entry.objects.count(),
            "feed_items": FeedItem.objects.count(),
            "items": Item.objects.filter(kind="feed_item").count(),
        },
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| feed | MB | ours items/s | ours ms/item | feedparser.parse items/s | "
        "feedparser ms/item | ratio | ≥ 0.5 | bare parse items/s | ratio to bare parse |",
        "|---|--:|--:|--:|--:|--:|--:|---|--:|--:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['feed']} ({r['items']:,} items) | {r['bytes'] / 1e6:.2f} | "
            f"{r['ours_items_per_s']:,.0f} | {r['ours_ms_per_item']:.3f} | "
            f"{r['baseline_items_per_s']:,.0f} | {r['baseline_ms_per_item']:.3f} | "
            f"{r['ratio']:.2f} | {'PASS' if r['passed'] else 'FAIL'} | "
            f"{r['bare_parse_items_per_s']:,.0f} | {r['ratio_to_bare_parse']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Feed ingestion benchmark (see docs/benchmarks.md).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--items", type=int, default=2000, help="items per generated feed")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per feed and side")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--var-dir", type=Path, default=Path(f"/tmp/kh-bench-ingest-{os.getuid()}"))
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    var_dir: Path = args.var_dir
    try:
        host = pages.machine()
        code = pages.git_state()
        pages.prepare_var_dir(var_dir, keep=False)
        setup_django(var_dir)
        from django.db import connection

        result = run(args)
        print()
        print(f"{args.items} items per feed, {args.rounds} rounds")
        print()
        print(table(result["rows"]))
        print()
        passed = all(r["passed"] for r in result["rows"])
        pages.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        out = pages.RESULTS_DIR / f"ingest-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
        record = {
            "benchmark": "ingest",
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join([".venv/bin/python", "bench/ingest.py", *sys.argv[1:]]),
            "config": {"items": args.items, "rounds": args.rounds, "seed": args.seed},
            "database": connection.vendor,
            "targets": {"min_ratio": TARGET_RATIO},
            "machine": host,
            "git": code,
            **result,
            "passed": passed,
        }
        out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        pages.log(f"result written to {out.relative_to(ROOT)}: {'PASS' if passed else 'FAIL'}")
        return 0 if passed else 1
    except pages.BenchError as exc:
        print(f"[bench] FAILED: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
