"""Performance-data benchmark (issue 8): 400 councils x 500 metrics x 10 periods (2,000,000
values) in a scratch SQLite database, then:

    .venv/bin/python bench/benchmarks.py [--councils 400 --metrics 500 --periods 10]

* **metric page** ``/benchmarks/metrics/<id>/?group=…`` and **council profile**
  ``/benchmarks/councils/<gss>/?group=…``: p50/p95 over ``--requests`` requests each, through the
  whole Django stack in this process (test client: middleware, views, templates), for a visitor
  and a confirmed contributor whose club shares restricted values, with the snapshots warm (each
  worker process warms its own; the first request for a metric after a change reloads it, timed
  separately as "cold"). Baseline: the bare view ``/bench/ok`` through the same stack, so the
  ratio shows the pages' own cost. Targets: metric page p95 < 50 ms, council profile < 100 ms.
  Charts are separate ``<img>`` requests, cached per data version; one cold SVG is timed too.
* **import**: a long-form CSV of ``--import-rows`` rows through ``importing.import_file``
  (council and period checks, validation report, revisions and writes in batches) as rows/s,
  and as a ratio to reading the same file with the csv module alone.
* **nearest neighbours** for every council over 10 context metrics
  (``neighbours.all_nearest_neighbours``): seconds (target < 1 s), and one council's
  ``nearest_neighbours`` with its explanation.

Prints a table and writes JSON to ``bench/results/benchmarks-<time>.json``. Numbers are reports,
not pass/fail tests (the machine is shared); the exit status is 0 when all three targets are met.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pages, search  # noqa: E402  (after the path is set, so this runs as a script)

TYPES = [
    ("E06", "unitary"),
    ("E07", "district"),
    ("E08", "metropolitan"),
    ("E09", "london_borough"),
    ("E10", "county"),
]
REGIONS = [
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
]
TARGETS_MS = {"metric page": 50.0, "council profile": 100.0}
TARGET_NEIGHBOURS_S = 1.0


def build(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone

    from knowledgehub.benchmarks.choices import PeriodType, Polarity
    from knowledgehub.benchmarks.models import (
        BenchmarkingClub,
        CouncilContributor,
        Metric,
        ServiceArea,
    )
    from knowledgehub.organisations.models import Organisation
    from knowledgehub.people.models import User

    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    councils = []
    for i in range(args.councils):
        prefix, kind = TYPES[i % len(TYPES)]
        councils.append(
            Organisation(
                code=f"{prefix}{i:06d}",
                name=f"Bench council {i}",
                type=kind,
                nation="England",
                region=REGIONS[i % len(REGIONS)],
                population=rng.randint(40_000, 1_200_000),
            )
        )
    Organisation.objects.bulk_create(councils)
    council_ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    areas = ServiceArea.objects.bulk_create(
        ServiceArea(slug=f"area-{i}", name=f"Service area {i}", position=i) for i in range(10)
    )
    polarities = [Polarity.HIGHER, Polarity.LOWER, Polarity.NEITHER]
    now = timezone.now()
    Metric.objects.bulk_create(
        Metric(
            identifier=f"bench-metric-{i}",
            title=f"Bench metric {i}",
            description="A generated metric for the benchmark.",
            unit="%" if i % 2 else "per 1,000 people",
            polarity=polarities[i % 3],
            period_type=PeriodType.FINANCIAL_YEAR,
            service_area=areas[i % len(areas)],
            is_context=i < 10,
            created_at=now,
            updated_at=now,
        )
        for i in range(args.metrics)
    )
    metric_ids = list(Metric.objects.order_by("pk").values_list("pk", flat=True))
    club = BenchmarkingClub.objects.create(slug="bench-club", name="Bench club")
    club.members.add(*council_ids[:12])
    contributor = User.objects.create_user("bench-contributor")
    CouncilContributor.objects.create(user=contributor, organisation_id=council_ids[0])
    periods = [
        (f"{y}/{(y + 1) % 100:02d}", date(y, 4, 1)) for y in range(2024 - args.periods + 1, 2025)
    ]
    sql = (
        "INSERT INTO benchmarks_metricvalue (metric_id, organisation_id, period, period_start, "
        "value, sharing, club_id, embargo_until, note, entered_by_id, source_import_id, "
        "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, NULL, '', NULL, NULL, %s)"
    )
    stamp = now.isoformat()
    written = 0
    with connection.cursor() as cursor:
        for metric_id in metric_ids:
            base = {c: rng.uniform(20, 80) for c in council_ids}
            rows = []
            for p, (label, start) in enumerate(periods):
                for c in council_ids:
                    roll = rng.random()
                    if roll < 0.01:
                        sharing, club_id = "members", None
                    elif roll < 0.015 and c in council_ids[:12]:
                        sharing, club_id = "club", club.pk
                    else:
                        sharing, club_id = "public", None
                    value = round(base[c] + p * rng.uniform(-1, 1.5), 1)
                    rows.append(
                        (metric_id, c, label, start.isoformat(), value, sharing, club_id, stamp)
                    )
            with transaction.atomic():
                cursor.executemany(sql, rows)
            written += len(rows)
        cursor.execute("ANALYZE")
    Metric.objects.update(values_version=1)
    return {"values": written, "build_seconds": round(time.perf_counter() - t0, 1)}


def timed(client: Any, url: str) -> float:
    t0 = time.perf_counter()
    response = client.get(url, HTTP_HOST="127.0.0.1")
    elapsed = time.perf_counter() - t0
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def summary(name: str, values: list[float], base95: float | None) -> dict[str, Any]:
    p95 = search.percentile(values, 95)
    return {
        "path": name,
        "requests": len(values),
        "p50_ms": round(statistics.median(values) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "ratio_p95_to_bare": round(p95 / base95, 1) if base95 else None,
    }


def measure_pages(args: argparse.Namespace) -> list[dict[str, Any]]:
    from django.test import Client

    from knowledgehub.benchmarks.models import Metric
    from knowledgehub.organisations.models import Organisation
    from knowledgehub.people.models import User

    rng = random.Random(args.seed + 1)
    identifiers = list(Metric.objects.values_list("identifier", flat=True))
    codes = list(Organisation.objects.values_list("code", flat=True))
    visitor = Client()
    member = Client()
    member.force_login(User.objects.get(username="bench-contributor"))
    groups = ["all", "type", "region"]

    bare = [timed(visitor, "/bench/ok") for _ in range(args.requests)]
    base95 = search.percentile(bare, 95)
    rows = [summary("bare view /bench/ok (baseline)", bare, None)]

    # Cold: the first read of a metric in this process loads its snapshot.
    cold = [
        timed(visitor, f"/benchmarks/metrics/{ident}/?group=all")
        for ident in rng.sample(identifiers, 20)
    ]
    rows.append(summary("metric page, cold snapshot", cold, base95))
    t0 = time.perf_counter()
    timed(visitor, f"/benchmarks/councils/{codes[1]}/?group=all")
    rows.append(
        {
            "path": "council profile, all 500 snapshots cold",
            "requests": 1,
            "p50_ms": round((time.perf_counter() - t0) * 1000, 1),
            "p95_ms": None,
            "ratio_p95_to_bare": None,
        }
    )
    for who, client in (("visitor", visitor), ("contributor", member)):
        metric_times = []
        for _ in range(args.requests):
            ident, code, group = rng.choice(identifiers), rng.choice(codes), rng.choice(groups)
            metric_times.append(
                timed(client, f"/benchmarks/metrics/{ident}/?group={group}&council={code}")
            )
        rows.append(summary(f"metric page ({who})", metric_times, base95))
        profile_times = []
        for _ in range(args.requests):
            code, group = rng.choice(codes), rng.choice(groups)
            profile_times.append(timed(client, f"/benchmarks/councils/{code}/?group={group}"))
        rows.append(summary(f"council profile ({who})", profile_times, base95))
    t0 = time.perf_counter()
    timed(visitor, f"/benchmarks/metrics/{identifiers[3]}/chart/distribution.svg?group=all")
    rows.append(
        {
            "path": "distribution chart SVG, cold",
            "requests": 1,
            "p50_ms": round((time.perf_counter() - t0) * 1000, 1),
            "p95_ms": None,
            "ratio_p95_to_bare": None,
        }
    )
    return rows


def measure_import(args: argparse.Namespace, var_dir: Path) -> dict[str, Any]:
    from knowledgehub.benchmarks import importing
    from knowledgehub.benchmarks.models import Metric, MetricValue
    from knowledgehub.organisations.models import Organisation

    rng = random.Random(args.seed + 2)
    codes = list(Organisation.objects.values_list("code", flat=True))
    identifiers = list(Metric.objects.values_list("identifier", flat=True)[:50])
    path = var_dir / "import.csv"
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["area_code", "period", "metric", "value"])
        block = 0
        while written < args.import_rows:
            # New periods (2030/31 onwards) of 50 existing metrics: every row is a new value.
            ident = identifiers[block % len(identifiers)]
            year = 2030 + block // len(identifiers)
            for code in codes:
                writer.writerow(
                    [code, f"{year}/{(year + 1) % 100:02d}", ident, f"{rng.uniform(0, 100):.1f}"]
                )
                written += 1
            block += 1
    t0 = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as handle:
        read = sum(1 for _ in csv.reader(handle)) - 1
    csv_s = time.perf_counter() - t0
    before = MetricValue.objects.count()
    t0 = time.perf_counter()
    report = importing.import_file(path, options=importing.ImportOptions())
    import_s = time.perf_counter() - t0
    stored = MetricValue.objects.count() - before
    return {
        "rows": read,
        "csv_alone_rows_per_s": round(read / csv_s),
        "import_rows_per_s": round(read / import_s),
        "ratio": round(csv_s / import_s, 3),
        "import_seconds": round(import_s, 1),
        "values_stored": stored,
        "problems": report.problem_count,
    }


def measure_neighbours(args: argparse.Namespace) -> dict[str, Any]:
    from knowledgehub.benchmarks import neighbours
    from knowledgehub.benchmarks.models import Metric
    from knowledgehub.benchmarks.visibility import PUBLIC
    from knowledgehub.organisations.models import Organisation

    context = list(Metric.objects.filter(is_context=True).order_by("pk")[:10])
    neighbours.all_nearest_neighbours(context, PUBLIC, k=15)  # loads the snapshots
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        result = neighbours.all_nearest_neighbours(context, PUBLIC, k=15)
        runs.append(time.perf_counter() - t0)
    council = Organisation.objects.order_by("pk").first()
    assert council is not None
    t0 = time.perf_counter()
    one = neighbours.nearest_neighbours(council.pk, context, PUBLIC, k=15, among="all")
    one_s = time.perf_counter() - t0
    return {
        "councils": len(result),
        "context_metrics": len(context),
        "all_councils_seconds_median": round(statistics.median(runs), 4),
        "one_council_ms": round(one_s * 1000, 2),
        "one_council_neighbours": len(one.rows),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--councils", type=int, default=400)
    parser.add_argument("--metrics", type=int, default=500)
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--import-rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--var-dir", type=Path, default=Path(f"/tmp/kh-bench-benchmarks-{os.getuid()}")
    )
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    var_dir: Path = args.var_dir
    pages.prepare_var_dir(var_dir, keep=False)
    search.setup_django(var_dir)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    built = build(args)
    pages.log(f"built: {built}")
    page_rows = measure_pages(args)
    nn = measure_neighbours(args)
    imported = measure_import(args, var_dir)
    result = {
        "benchmark": "benchmarks",
        "started": started.isoformat(),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "built": built,
        "pages": page_rows,
        "nearest_neighbours": nn,
        "import": imported,
        "git": pages.git_state(),
        "machine": pages.machine(),
    }
    print(f"{'path':48} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p95/bare':>9}")
    for row in page_rows:
        print(
            f"{row['path']:48} {row['requests']:>5} {row['p50_ms']!s:>8} {row['p95_ms']!s:>8} "
            f"{row['ratio_p95_to_bare']!s:>9}"
        )
    print(f"nearest neighbours: {nn}")
    print(f"import: {imported}")
    out = ROOT / "bench" / "results" / f"benchmarks-{started:%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    ok = nn["all_councils_seconds_median"] < TARGET_NEIGHBOURS_S
    for row in page_rows:
        for name, target in TARGETS_MS.items():
            if row["path"].startswith(name + " (") and row["p95_ms"] >= target:
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
