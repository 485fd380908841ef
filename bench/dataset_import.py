"""CSV import benchmark: rows/s for the full dataset import (type inference, validation and
storage) as a ratio to reading the same file with Python's csv module alone, and peak memory.

    .venv/bin/python bench/dataset_import.py [--rows 1000000]

The issue's target: "CSV import: rows/s for a 1,000,000-row, 10-column file (type inference +
validation + storage), as a ratio to reading the same file with Python's csv module alone; peak
memory bounded (streaming, < 500 MB)". This script reports numbers (the machine is shared and
noisy); it is not a timed test.

In a scratch data directory (``KH_VAR_DIR``, default ``/tmp/kh-bench-dataset-import-$UID``; the
project's ``var/`` is never touched) it migrates a fresh SQLite database with the project's
settings and writes, streaming from a fixed seed, a CSV of ``--rows`` rows and 10 columns of
mixed types: an integer id, a GSS code, a council name, a financial-year period (text), an ISO
date, a decimal with some ``NA`` markers (reported as problems), an integer with thousands
separators, a yes/no flag, a category and a free-text note with quoted commas.

It then times, in this order:

* **csv alone**: ``for row in csv.reader(file)`` over the file (UTF-8, ``newline=""``),
  counting rows and storing nothing;
* **store**: ``distributions.add_distribution`` (content checks, the file copied into dataset
  storage, a PENDING distribution), for information;
* **import**: ``importing.import_distribution_now``: encoding detection, delimiter sniffing,
  typed inference on a sample confirmed over every row, the validation report, column
  summaries, and every row written to SQLite in batches, committed.

rows/s = rows / seconds; the ratio is import / csv alone. Peak memory is the process's maximum
resident set size (``resource.getrusage``) measured before and after the import: the import's
own peak is bounded by streaming, so the "after" figure barely moves from the "before". The
script checks that every row was stored and the inferred types are the expected ones.

Prints a table and writes JSON to ``bench/results/dataset-import-<time>.json``. Exit status 0
when the peak is under 500 MB and the import was correct, 1 otherwise, 2 when the run fails.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pages  # noqa: E402  (after the path is set, so this runs as a script)

MAX_PEAK_MB = 500
COUNCILS = [
    ("E06000001", "Hartlepool"),
    ("E06000055", "Bedford"),
    ("E08000002", "Bury"),
    ("E09000003", "Barnet"),
    ("W06000001", "Isle of Anglesey"),
    ("S12000034", "Aberdeenshire"),
    ("N09000002", "Armagh City, Banbridge and Craigavon"),
    ("E10000015", "Hertfordshire"),
]
CATEGORIES = ["Waste", "Housing", "Planning", "Social care", "Transport", "Libraries"]
WORDS = ["council", "residents", "recycling", "bins", "housing", "repairs", "planning", "care"]
EXPECTED_TYPES = [
    "integer",
    "gss",
    "text",
    "text",
    "date",
    "decimal",
    "integer",
    "boolean",
    "text",
    "text",
]


def make_csv(path: Path, rows: int, seed: int) -> int:
    """Write the test file a row at a time; returns the number of "NA" markers written."""
    rng = random.Random(seed)
    start = date(2013, 4, 1)
    markers = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                *("id", "area_code", "area_name", "period", "date"),
                *("value", "count", "flag", "category", "note"),
            ]
        )
        for i in range(1, rows + 1):
            code, name = COUNCILS[rng.randrange(len(COUNCILS))]
            year = 2013 + rng.randrange(12)
            if rng.random() < 0.001:
                value = "NA"
                markers += 1
            else:
                value = f"{rng.uniform(0, 100):.1f}"
            note = " ".join(rng.choices(WORDS, k=rng.randint(2, 8)))
            if rng.random() < 0.1:
                note += ", with a comma"
            writer.writerow(
                [
                    i,
                    code,
                    name,
                    f"{year}/{(year + 1) % 100:02d}",
                    (start + timedelta(days=rng.randrange(4000))).isoformat(),
                    value,
                    f"{rng.randrange(1, 5_000_000):,}",
                    rng.choice(("yes", "no")),
                    rng.choice(CATEGORIES),
                    note,
                ]
            )
    return markers


def time_csv_alone(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    count = 0
    with path.open(newline="", encoding="utf-8") as handle:
        for _row in csv.reader(handle):
            count += 1
    return time.perf_counter() - started, count - 1


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def setup_django(var_dir: Path) -> None:
    os.environ.update(pages.bench_env(var_dir, "bench.settings"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def run(args: argparse.Namespace, var_dir: Path) -> dict[str, Any]:
    from django.core.files.uploadedfile import UploadedFile

    from knowledgehub.datasets.distributions import add_distribution
    from knowledgehub.datasets.importing import import_distribution_now
    from knowledgehub.datasets.models import Dataset, DatasetRow
    from knowledgehub.people.models import User

    path = var_dir / "bench.csv"
    pages.log(f"writing {args.rows:,} rows to {path}")
    markers = make_csv(path, args.rows, args.seed)
    size = path.stat().st_size

    pages.log("reading it with the csv module alone")
    csv_seconds, csv_rows = time_csv_alone(path)

    user = User.objects.create(username="bench", email="bench@example.org", name="Bench")
    dataset = Dataset.objects.create(
        slug="bench", title="Bench", description="Benchmark data.", created_by=user
    )
    pages.log("storing it (add_distribution)")
    started = time.perf_counter()
    with path.open("rb") as handle:
        dist = add_distribution(
            dataset, user=user, upload=UploadedFile(handle, name=path.name, size=size)
        )
    store_seconds = time.perf_counter() - started

    rss_before = max_rss_mb()
    pages.log("importing it (import_distribution_now)")
    started = time.perf_counter()
    result = import_distribution_now(dist.pk)
    import_seconds = time.perf_counter() - started
    rss_after = max_rss_mb()

    assert result is not None
    stored = DatasetRow.objects.filter(distribution=result).count()
    types = [c["type"] for c in result.columns]
    correct = (
        result.status == "done"
        and result.row_count == csv_rows == args.rows == stored
        and types == EXPECTED_TYPES
        and result.problem_count == markers
    )
    return {
        "rows": args.rows,
        "columns": 10,
        "file_bytes": size,
        "csv_alone": {
            "seconds": round(csv_seconds, 3),
            "rows_per_s": round(csv_rows / csv_seconds),
        },
        "store_seconds": round(store_seconds, 3),
        "import": {
            "seconds": round(import_seconds, 3),
            "rows_per_s": round(args.rows / import_seconds),
            "status": str(result.status),
            "error": result.error,
            "stored_rows": stored,
            "types": types,
            "problems": result.problem_count,
            "na_markers_written": markers,
        },
        "ratio": round(csv_seconds / import_seconds, 4),
        "peak_rss_mb": {"before_import": round(rss_before, 1), "after_import": round(rss_after, 1)},
        "correct": correct,
    }


def table(result: dict[str, Any]) -> str:
    imp = result["import"]
    lines = [
        f"{'side':<28}{'seconds':>10}{'rows/s':>12}",
        f"{'csv module alone':<28}{result['csv_alone']['seconds']:>10.2f}"
        f"{result['csv_alone']['rows_per_s']:>12,}",
        f"{'import (infer+validate+store)':<28}{imp['seconds']:>10.2f}{imp['rows_per_s']:>12,}",
        "",
        f"ratio import / csv alone: {result['ratio']:.3f}",
        f"store (add_distribution, file copy): {result['store_seconds']:.2f} s",
        f"peak RSS: {result['peak_rss_mb']['before_import']:.0f} MB before the import, "
        f"{result['peak_rss_mb']['after_import']:.0f} MB after (limit {MAX_PEAK_MB} MB)",
        f"types: {', '.join(imp['types'])}",
        f"problems reported: {imp['problems']:,} "
        f"(NA markers written: {imp['na_markers_written']:,})",
        f"correct: {result['correct']}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="CSV dataset import benchmark (see docs/benchmarks.md).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--var-dir", type=Path, default=Path(f"/tmp/kh-bench-dataset-import-{os.getuid()}")
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

        result = run(args, var_dir)
        print()
        print(table(result))
        print()
        passed = bool(result["correct"]) and result["peak_rss_mb"]["after_import"] < MAX_PEAK_MB
        pages.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        out = pages.RESULTS_DIR / f"dataset-import-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
        record = {
            "benchmark": "dataset-import",
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join([".venv/bin/python", "bench/dataset_import.py", *sys.argv[1:]]),
            "config": {"rows": args.rows, "seed": args.seed},
            "database": connection.vendor,
            "targets": {"max_peak_rss_mb": MAX_PEAK_MB},
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
