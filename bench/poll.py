"""Feed polling benchmark: one full polling round of many subscribed feeds through the real
Huey queue and workers, and how long tasks wait in the queue.

    .venv/bin/python bench/poll.py [--feeds 5000] [--workers 2] [--items 5]

In a scratch data directory (``KH_VAR_DIR``, default ``/tmp/kh-bench-poll-$UID``; the project's
``var/`` is never touched) it migrates a fresh SQLite database and makes ``--feeds`` feed
sources, each with a site-wide subscription, due now. A separate process serves the feeds: a
``ThreadingHTTPServer`` on 127.0.0.1 answering ``/f/<n>.xml`` with a small generated RSS feed of
``--items`` entries, an ``ETag``, and 304 to a matching ``If-None-Match``. The feed fetcher is
allowed to reach loopback for the run only (``KH_FETCH_ALLOW_LOOPBACK=1``).

Then ``manage.py run_huey -w <workers>`` is started (thread workers, as the Procfile's worker)
and the bench calls ``schedule_due_polls()`` itself — the consumer's own per-minute schedule
would also do it, at most 5,000 a minute — and waits until every source has been polled.
Two rounds:

1. **first poll**: every feed is fetched (200) and ingested — Entries, FeedItems and their
   knowledge Items;
2. **unchanged**: every source is made due again; each poll sends ``If-None-Match`` and gets 304.

For each round: wall time from the first enqueue to the last poll's end, polls/second, and the
queue latency of each task (``last_polled_at`` minus ``queued_at``: from the scheduler's claim
to the worker's start) at p50/p95/max. The baseline is the same fetches done serially in one process
with plain urllib3 (no database, no parsing): round time ÷ baseline time says what the whole
pipeline costs over bare HTTP.

Prints a table and writes JSON to ``bench/results/poll-<time>.json``. Exit status 0 when every
source was polled successfully in both rounds, 1 otherwise, 2 when the run fails.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pages  # noqa: E402  (after the path is set, so this runs as a script)

SCRATCH_MARKER = ".kh-bench-scratch"


def log(message: str) -> None:
    print(f"[poll] {message}", file=sys.stderr, flush=True)


# --- the feed server (its own process) ------------------------------------------------------


def feed_body(n: int, items: int) -> bytes:
    entries = "".join(
        f"<item><title>Feed {n} news {i}</title><link>https://council{n}.example/news/{i}</link>"
        f"<guid>council{n}-news-{i}</guid><description>Update {i} from council {n}: "
        "bins, libraries and planning.</description>"
        f"<pubDate>{formatdate(1_790_000_000 + i * 3600, usegmt=True)}</pubDate></item>"
        for i in range(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Council {n} news</title><link>https://council{n}.example/</link>"
        f"<description>News from council {n}</description>{entries}</channel></rss>"
    ).encode()


def serve(port_queue: Any, items: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            name = self.path.rsplit("/", 1)[-1].removesuffix(".xml")
            if not (self.path.startswith("/f/") and name.isdigit()):
                self.send_error(404)
                return
            etag = f'"{name}-v1"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            body = feed_body(int(name), items)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    ThreadingHTTPServer.request_queue_size = 256
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    port_queue.put(httpd.server_address[1])
    httpd.serve_forever()


# --- the baseline ---------------------------------------------------------------------------


def baseline(urls: list[str], conditional: bool) -> float:
    import urllib3

    http = urllib3.PoolManager(retries=False, timeout=20)
    started = time.perf_counter()
    for url in urls:
        headers = {"If-None-Match": f'"{url.rsplit("/", 1)[-1].removesuffix(".xml")}-v1"'}
        response = http.request("GET", url, headers=headers if conditional else None)
        expected = 304 if conditional else 200
        if response.status != expected:
            raise pages.BenchError(f"{url} answered {response.status}, not {expected}")
    return time.perf_counter() - started


# --- the rounds -----------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run_round(label: str, count: int, timeout: float) -> dict[str, Any]:
    from django.db.models import Max, Min

    from knowledgehub.aggregator import polling
    from knowledgehub.aggregator.models import FeedSource

    started_at = datetime.now(UTC)
    FeedSource.objects.update(next_poll_at=started_at - timedelta(seconds=1))
    clock = time.perf_counter()
    queued = 0
    while queued < count:  # at most 5,000 per call, as the per-minute schedule does
        more = polling.schedule_due_polls()
        if not more:
            break
        queued += more
    enqueue_seconds = time.perf_counter() - clock
    log(f"{label}: queued {queued} polls in {enqueue_seconds:.1f} s")
    deadline = time.monotonic() + timeout
    while True:
        finished = FeedSource.objects.filter(
            last_polled_at__gte=started_at, polling_until__isnull=True
        ).count()
        if finished >= count or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    rows = FeedSource.objects.filter(last_polled_at__gte=started_at)
    ends = rows.aggregate(first=Min("queued_at"), last=Max("last_success_at"))
    latencies = [
        (polled - queued_at).total_seconds()
        for polled, queued_at in rows.values_list("last_polled_at", "queued_at")
        if queued_at is not None and polled is not None
    ]
    ok = rows.filter(last_success_at__gte=started_at, consecutive_failures=0).count()
    first, last = ends["first"], ends["last"]
    wall = (last - first).total_seconds() if first and last else float("nan")
    failed = list(
        FeedSource.objects.exclude(last_success_at__gte=started_at).values_list(
            "last_error", flat=True
        )[:3]
    )
    return {
        "round": label,
        "queued": queued,
        "polled_ok": ok,
        "enqueue_seconds": round(enqueue_seconds, 2),
        "wall_seconds": round(wall, 2),
        "polls_per_second": round(ok / wall, 1) if wall and wall == wall else 0.0,
        "queue_latency_p50": round(percentile(latencies, 50), 2),
        "queue_latency_p95": round(percentile(latencies, 95), 2),
        "queue_latency_max": round(max(latencies, default=0.0), 2),
        "example_errors": failed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--items", type=int, default=5, help="entries per feed")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per round")
    parser.add_argument("--var-dir", type=Path, default=Path(f"/tmp/kh-bench-poll-{os.getuid()}"))
    args = parser.parse_args(argv)
    try:
        return run(args)
    except pages.BenchError as exc:
        log(f"failed: {exc}")
        return 2


def run(args: argparse.Namespace) -> int:
    var_dir: Path = args.var_dir
    if var_dir.exists():
        if not (var_dir / SCRATCH_MARKER).exists():
            raise pages.BenchError(f"{var_dir} exists and was not made by this benchmark")
        shutil.rmtree(var_dir)
    var_dir.mkdir(parents=True)
    (var_dir / SCRATCH_MARKER).touch()

    ports: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ports, args.items), daemon=True)
    server.start()
    port = ports.get(timeout=30)
    urls = [f"http://127.0.0.1:{port}/f/{n}.xml" for n in range(args.feeds)]

    env = pages.bench_env(var_dir, "knowledgehub.settings")
    env["KH_FETCH_ALLOW_LOOPBACK"] = "1"
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from huey.contrib.djhuey import HUEY

    from knowledgehub.aggregator.choices import Scope
    from knowledgehub.aggregator.models import Entry, FeedSource, Subscription

    call_command("migrate", verbosity=0, interactive=False)
    now = timezone.now()
    FeedSource.objects.bulk_create(
        [FeedSource(url=u, original_url=u, next_poll_at=now + timedelta(days=1)) for u in urls],
        batch_size=1000,
    )
    source_ids = FeedSource.objects.values_list("pk", flat=True)
    Subscription.objects.bulk_create(
        [Subscription(source_id=pk, scope=Scope.SITE) for pk in source_ids], batch_size=1000
    )
    HUEY.flush()
    log(f"{args.feeds} feeds served on port {port}; starting run_huey -w {args.workers}")

    worker_log = (var_dir / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "-w", str(args.workers), "-k", "thread"],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    results: dict[str, Any] = {
        "benchmark": "poll",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": pages.machine(),
        "git": pages.git_state(),
        "feeds": args.feeds,
        "items_per_feed": args.items,
        "workers": args.workers,
        "rounds": [],
    }
    try:
        time.sleep(3)  # the consumer starts
        if worker.poll() is not None:
            raise pages.BenchError(f"run_huey exited; see {var_dir / 'worker.log'}")
        for label in ("first poll (200, ingest)", "unchanged (304)"):
            results["rounds"].append(run_round(label, args.feeds, args.timeout))
        results["entries"] = Entry.objects.count()
    finally:
        os.killpg(worker.pid, signal.SIGINT)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        worker_log.close()

    log("baseline: the same fetches, serially, with urllib3")
    results["baseline_seconds"] = {
        "200": round(baseline(urls, conditional=False), 2),
        "304": round(baseline(urls, conditional=True), 2),
    }
    server.terminate()
    server.join(timeout=10)

    base = results["baseline_seconds"]
    print(f"{args.feeds} feeds, {args.items} entries each, run_huey -w {args.workers} (threads)")
    header = f"{'round':<26}{'ok':>6}{'wall s':>9}{'polls/s':>9}{'p50 wait':>10}{'p95 wait':>10}"
    print(header + f"{'max wait':>10}{'urllib3 s':>11}{'ratio':>7}")
    all_ok = True
    for row, key in zip(results["rounds"], ("200", "304"), strict=True):
        ratio = base[key] / row["wall_seconds"] if row["wall_seconds"] else 0.0
        row["baseline_seconds"] = base[key]
        row["ratio_to_baseline"] = round(ratio, 3)
        all_ok = all_ok and row["polled_ok"] == args.feeds
        print(
            f"{row['round']:<26}{row['polled_ok']:>6}{row['wall_seconds']:>9.1f}"
            f"{row['polls_per_second']:>9.1f}{row['queue_latency_p50']:>10.1f}"
            f"{row['queue_latency_p95']:>10.1f}{row['queue_latency_max']:>10.1f}"
            f"{base[key]:>11.1f}{ratio:>7.2f}"
        )
    print(f"entries stored: {results['entries']}; load average {os.getloadavg()[0]:.1f}")
    pages.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = pages.RESULTS_DIR / f"poll-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    log(f"wrote {out}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
