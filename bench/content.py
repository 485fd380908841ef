"""Content benchmark: items created per second through the service layer, indexing included,
against bare ORM inserts of the same rows.

    .venv/bin/python bench/content.py [--items 600] [--block 50]

The issue's target: "Creating content: items/s created through the service layer including
indexing (knowledge.Item rows + tags), versus bare ORM inserts of the same rows (ratio).
Target ≥ 0.3." This script reports numbers (the machine is shared and noisy); it is not a timed
test.

In a scratch data directory (``KH_VAR_DIR``, default ``/tmp/kh-bench-content-$UID``; the project's
``var/`` is never touched) it migrates a fresh SQLite database with the project's settings, makes
20 authors, a community with a forum category and the 30 tags used, then for two kinds:

* **blog posts**: ``blogs.services.post_create(author, title, body, audience, community, tags)``
  with three tags each, against inserting the same ``Post`` row with
  ``Model.save(force_insert=True)`` (what ``Model.objects.create()`` does for a model without
  its own ``save()``; ``Post.save()`` and ``Indexed.save()`` are skipped, so nothing is indexed)
  plus its three ``post_tags`` rows with ``bulk_create``. ``body_html`` is rendered before the
  clock starts, so the baseline is only inserts;
* **forum threads**: ``forums.services.thread_create(category, author, title, body, audience)``
  against inserting the same ``Thread`` row (again ``Model.save``, skipping indexing) and its
  opening ``Reply`` with ``Reply.objects.create()``.

Every item, on both sides, is created in its own transaction (one commit per item, as the service
does), one row at a time: per-row inserts, not ``bulk_create`` of many items, so the comparison is
like for like. Both sides also pay for Django's ``post_save`` signals (which schedule the page-cache
version bump after commit). Service and baseline alternate in blocks of ``--block`` items so that
drift in the machine's load affects both alike. The ratio is service items/s ÷ baseline items/s.

Prints a table and writes JSON to ``bench/results/content-<time>.json``. Exit status 0 when every
ratio is at least 0.3, 1 otherwise, 2 when the run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pages  # noqa: E402  (after the path is set, so this runs as a script)

TARGET_RATIO = 0.3
TAGS = [
    "Adult social care", "Housing", "Planning", "Waste", "Libraries", "Digital", "Data",
    "Procurement", "Climate", "Transport", "Children's services", "Public health", "Licensing",
    "Parks", "Revenues and benefits", "Homelessness", "Economic development", "Highways",
    "Leisure", "Customer services", "Elections", "Environmental health", "Trading standards",
    "Finance", "HR", "Legal", "Communications", "Audit", "Democratic services", "Regeneration",
]  # fmt: skip
PARAGRAPHS = [
    "We started small: one team, one problem and a clear measure of what good looks like.",
    "The biggest lesson was to involve residents from the very first workshop, not the last.",
    "Our data showed demand peaking on Mondays, so we moved staff to match it.",
    "We borrowed the approach from a neighbouring council and adapted it to a rural area.",
    "Costs fell by a fifth in the first year, and satisfaction went up rather than down.",
    "Procurement took longer than the pilot itself; start those conversations early.",
    "Frontline staff suggested most of the changes that worked; managers removed obstacles.",
    "We publish the numbers every quarter so that anyone can check our progress.",
]


def body(rng: random.Random, n: int) -> str:
    topic = rng.choice(TAGS)
    return (
        f"## {topic}, note {n}\n\n"
        + "\n\n".join(rng.sample(PARAGRAPHS, 4))
        + f"\n\n- What we changed\n- What it cost\n- What **{topic.lower()}** teams elsewhere "
        "can reuse\n\nMore in [the write-up](https://example.org/write-up).\n"
    )


def setup_django(var_dir: Path) -> None:
    os.environ.update(pages.bench_env(var_dir, "bench.settings"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import models, transaction

    from knowledgehub.blogs.models import Post
    from knowledgehub.blogs.services import post_create
    from knowledgehub.communities.choices import Role
    from knowledgehub.communities.models import Community, Membership
    from knowledgehub.forums.models import Reply, Thread
    from knowledgehub.forums.services import category_create, thread_create
    from knowledgehub.knowledge.choices import Audience
    from knowledgehub.knowledge.models import Item, Tag
    from knowledgehub.lib.markdown import render_markdown
    from knowledgehub.people.models import User

    rng = random.Random(args.seed)
    authors = [
        User.objects.create(username=f"author-{i}", email=f"author-{i}@example.org", name=f"A {i}")
        for i in range(20)
    ]
    community = Community.objects.create(
        name="Bench community", slug="bench-community", created_by=authors[0]
    )
    Membership.objects.bulk_create(
        [Membership(community=community, user=a, role=Role.MEMBER) for a in authors]
    )
    category = category_create(community=community, name="General")
    tags = Tag.objects.get_or_create_many(TAGS)
    tag_by_name = {t.name: t for t in tags}
    post_through = Post.tags.through

    # The inputs, made before any clock starts; each side gets its own equal share.
    def post_inputs(n: int) -> list[dict[str, Any]]:
        return [
            {
                "author": rng.choice(authors),
                "title": f"What we learned, part {i}",
                "body": body(rng, i),
                "audience": rng.choice([Audience.PUBLIC, Audience.MEMBERS, Audience.COMMUNITY]),
                "community": community,
                "tags": rng.sample(TAGS, 3),
            }
            for i in range(n)
        ]

    def thread_inputs(n: int) -> list[dict[str, Any]]:
        return [
            {
                "author": rng.choice(authors),
                "title": f"How do you handle this, question {i}?",
                "body": body(rng, i),
                "audience": rng.choice([Audience.PUBLIC, Audience.MEMBERS, Audience.COMMUNITY]),
            }
            for i in range(n)
        ]

    def service_post(kw: dict[str, Any]) -> None:
        post_create(
            author=kw["author"],
            title=kw["title"],
            body=kw["body"],
            audience=kw["audience"],
            community=kw["community"],
            tags=kw["tags"],
        )

    def bare_post(kw: dict[str, Any]) -> None:
        with transaction.atomic():
            post = Post(
                author=kw["author"],
                title=kw["title"],
                body=kw["body"],
                body_html=kw["body_html"],
                audience=kw["audience"],
                community=kw["community"],
            )
            models.Model.save(post, force_insert=True)  # skips Post.save and Indexed.save
            post_through.objects.bulk_create(
                [post_through(post_id=post.pk, tag_id=tag_by_name[n].pk) for n in kw["tags"]]
            )

    def service_thread(kw: dict[str, Any]) -> None:
        thread_create(
            category=category,
            author=kw["author"],
            title=kw["title"],
            body=kw["body"],
            audience=kw["audience"],
        )

    def bare_thread(kw: dict[str, Any]) -> None:
        with transaction.atomic():
            thread = Thread(
                category=category,
                community=community,
                title=kw["title"],
                author=kw["author"],
                audience=kw["audience"],
            )
            models.Model.save(thread, force_insert=True)  # skips Indexed.save
            Reply.objects.create(
                thread=thread, author=kw["author"], body=kw["body"], body_html=kw["body_html"]
            )

    from django.contrib.contenttypes.models import ContentType

    from knowledgehub.knowledge.models import ContentRevision
    from knowledgehub.lib.markdown import html_text

    item_through = Item.tags.through

    def index_rows(obj: Any, kind: str, kw: dict[str, Any], tag_names: list[str]) -> None:
        """The rows the service adds for indexing and history, inserted bare: the Item, its
        tags and revision 1."""
        text = html_text(kw["body_html"])
        item = Item.objects.create(
            kind=kind,
            title=kw["title"],
            text=text,
            summary=text[:280],
            url=f"/bench/{kind}/{obj.pk}/",
            author=kw["author"],
            community=community,
            audience=kw["audience"],
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=obj.pk,
        )
        item_through.objects.bulk_create(
            [item_through(item_id=item.pk, tag_id=tag_by_name[n].pk) for n in tag_names]
        )
        ContentRevision.objects.create(
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=obj.pk,
            number=1,
            editor=kw["author"],
            title=kw["title"],
            body=kw["body"],
        )

    def all_rows_post(kw: dict[str, Any]) -> None:
        with transaction.atomic():
            post = Post(
                author=kw["author"],
                title=kw["title"],
                body=kw["body"],
                body_html=kw["body_html"],
                audience=kw["audience"],
                community=kw["community"],
            )
            models.Model.save(post, force_insert=True)
            post_through.objects.bulk_create(
                [post_through(post_id=post.pk, tag_id=tag_by_name[n].pk) for n in kw["tags"]]
            )
            index_rows(post, Post.knowledge_kind, kw, kw["tags"])

    def all_rows_thread(kw: dict[str, Any]) -> None:
        with transaction.atomic():
            thread = Thread(
                category=category,
                community=community,
                title=kw["title"],
                author=kw["author"],
                audience=kw["audience"],
            )
            models.Model.save(thread, force_insert=True)
            Reply.objects.create(
                thread=thread, author=kw["author"], body=kw["body"], body_html=kw["body_html"]
            )
            index_rows(thread, Thread.knowledge_kind, kw, [])

    kinds: list[tuple[str, Callable[[int], list[dict[str, Any]]], Any, Any, Any]] = [
        ("blog posts", post_inputs, service_post, bare_post, all_rows_post),
        ("forum threads", thread_inputs, service_thread, bare_thread, all_rows_thread),
    ]
    rows = []
    for name, make, service, bare, all_rows in kinds:
        service_in = make(args.items)
        bare_in = make(args.items)
        all_in = make(args.items)
        for kw in bare_in + all_in:
            # The bodies mention nobody, so the forum's HTML is plain Markdown too.
            kw["body_html"] = render_markdown(kw["body"])
        service_s = bare_s = all_s = 0.0
        service_items = 0
        for start in range(0, args.items, args.block):
            # Rotate which side goes first in each block.
            order = [
                ("bare", bare, bare_in),
                ("all", all_rows, all_in),
                ("service", service, service_in),
            ]
            shift = (start // args.block) % 3
            order = order[shift:] + order[:shift]
            for side, fn, inputs in order:
                before = Item.objects.count() if side == "service" else 0
                t = time.perf_counter()
                for kw in inputs[start : start + args.block]:
                    fn(kw)
                elapsed = time.perf_counter() - t
                if side == "service":
                    service_s += elapsed
                    service_items += Item.objects.count() - before
                elif side == "bare":
                    bare_s += elapsed
                else:
                    all_s += elapsed
        items_made = service_items
        if items_made != args.items:
            raise pages.BenchError(f"{name}: the service made {items_made} items, not {args.items}")
        service_rate = args.items / service_s
        bare_rate = args.items / bare_s
        row = {
            "kind": name,
            "items": args.items,
            "service_seconds": round(service_s, 3),
            "bare_seconds": round(bare_s, 3),
            "service_items_per_s": round(service_rate, 1),
            "bare_items_per_s": round(bare_rate, 1),
            "service_ms_per_item": round(service_s * 1000 / args.items, 2),
            "bare_ms_per_item": round(bare_s * 1000 / args.items, 2),
            "ratio": round(service_rate / bare_rate, 3),
            "all_rows_items_per_s": round(args.items / all_s, 1),
            "all_rows_ms_per_item": round(all_s * 1000 / args.items, 2),
            "ratio_all_rows": round(service_rate / (args.items / all_s), 3),
        }
        row["passed"] = row["ratio"] >= TARGET_RATIO
        rows.append(row)
        pages.log(
            f"{name:<14} service {service_rate:7.1f} items/s  bare {bare_rate:7.1f} rows/s  "
            f"ratio {row['ratio']:.2f}; all rows {args.items / all_s:7.1f}/s "
            f"ratio {row['ratio_all_rows']:.2f}"
        )
    tagged = Item.objects.filter(kind=Post.knowledge_kind, tags__isnull=False).distinct().count()
    return {
        "rows": rows,
        "checks": {
            "items": Item.objects.count(),
            "posts": Post.objects.count(),
            "threads": Thread.objects.count(),
            "post_items_with_tags": tagged,
        },
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| kind | service items/s | service ms/item | bare: content rows ms/item | ratio | "
        "bare: every row the service writes ms/item | ratio |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['kind']} | {r['service_items_per_s']:,.0f} | {r['service_ms_per_item']:.2f} | "
            f"{r['bare_ms_per_item']:.2f} | {r['ratio']:.2f} | {r['all_rows_ms_per_item']:.2f} | "
            f"{r['ratio_all_rows']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Content creation benchmark (see docs/benchmarks.md).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--items", type=int, default=600, help="items per kind and side")
    parser.add_argument("--block", type=int, default=50, help="items per alternating block")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--var-dir", type=Path, default=Path(f"/tmp/kh-bench-content-{os.getuid()}")
    )
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
        print(f"{args.items} items per kind and side, blocks of {args.block}")
        print()
        print(table(result["rows"]))
        print()
        passed = all(r["passed"] for r in result["rows"])
        pages.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        out = pages.RESULTS_DIR / f"content-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
        record = {
            "benchmark": "content",
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join([".venv/bin/python", "bench/content.py", *sys.argv[1:]]),
            "config": {"items": args.items, "block": args.block, "seed": args.seed},
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
    finally:
        if (var_dir / pages.SCRATCH_MARKER).exists():
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
