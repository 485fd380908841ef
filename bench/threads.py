"""Forum benchmark: the community home page and thread pages of a community with 10,000 posts.

    .venv/bin/python bench/threads.py [--duration 10] [--connections 20] [--keep-db]

The issue's target: "Community home and thread pages with 10,000 posts: p95 < 50 ms at 20
concurrent connections". This script reports numbers (the machine is shared and noisy); it is not a
timed test.

1. Makes a scratch data directory (``KH_VAR_DIR``, default ``/tmp/kh-bench-threads-$UID``),
   migrates it, fills it with ``bench.scale`` (10,000 people, 500 communities, 3,000 blog posts, as
   ``bench/pages.py`` does), then gives the busiest open community a forum holding
   ``--replies`` posts (default 10,000): one big thread of ``--big`` posts (default 2,500, so 50
   pages of 50) and the rest spread over ``--threads`` other threads in three categories, all with
   ``bulk_create``. Each thread's ``knowledge.Item`` is built from the thread's own ``as_item()``
   (the registration protocol), then bulk-inserted. A member of the community is created with a
   database session, whose cookie the signed-in runs send.
2. Starts granian exactly as ``bench/pages.py`` does (its helpers are imported), and loads each URL
   with wrk at ``--connections`` connections: the bare view ``/bench/ok`` (the baseline), the
   community home page, and the big thread's first and last pages; then the bare view again.
   First as an anonymous visitor (no cookies, so the anonymous page cache answers), then signed in
   as the member (the cache is bypassed and every page is rendered; viewing a thread also records
   the member's read marker, a database write, as it does for real).
3. Prints req/s, p50, p95, the ratio of req/s to the mean of the two bare-view runs, and server
   CPU per request, and writes JSON to ``bench/results/threads-<time>.json``.

Exit status: 0 when every page's p95 is under 50 ms with no errors, 1 otherwise, 2 when the run
fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pages  # noqa: E402  (after the path is set, so this runs as a script)
from bench.pages import (  # noqa: E402
    HOST,
    LUA_SCRIPT,
    PYTHON,
    RESULTS_DIR,
    SCRATCH_MARKER,
    BenchError,
    Measurement,
    log,
)

FORUM_MANIFEST = "bench-forum.json"
TARGET_P95_MS = 50.0
PER_PAGE = 50  # forums.choices.REPLIES_PER_PAGE

BODIES = [
    "Has anyone tried moving the **triage** step earlier? We cut waiting times by a third.",
    "We did something similar in 2024.\n\n- weekly stand-up\n- one shared tracker\n- a named lead",
    "Thanks, that is really useful. Could you share the template you used for the business case?",
    "Our experience was the opposite: the pilot worked, scaling it up did not. Happy to talk.",
    "+1 to this. The data protection impact assessment took us longer than the build.",
    "See the [guidance](https://www.gov.uk/service-manual) on user research; section 3 helped us.",
    "We publish our numbers monthly so residents can see what changed and why.",
    "Does anyone have a contact in procurement who has done this with a framework agreement?",
]


# --- filling the scratch database (runs in a child process with the scratch settings) -----------


def fill_forum(*, slug: str, replies: int, big: int, threads: int, seed: int) -> dict[str, Any]:
    """Give community ``slug`` a forum of ``replies`` posts (openings included) in one big thread
    of ``big`` posts and ``threads`` others, plus a signed-in member; return a manifest."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection, transaction
    from django.utils import timezone

    from knowledgehub.communities.choices import Role
    from knowledgehub.communities.models import Community, Membership
    from knowledgehub.forums.models import Category, Reply, Thread
    from knowledgehub.knowledge.choices import Audience
    from knowledgehub.knowledge.models import Item
    from knowledgehub.lib.markdown import render_markdown
    from knowledgehub.people.models import User

    started = time.monotonic()
    rng = random.Random(seed)
    now = timezone.now()
    community = Community.objects.get(slug=slug)
    member_ids = list(community.memberships.values_list("user_id", flat=True))
    rendered = [render_markdown(body) for body in BODIES]  # no @mentions in them
    with transaction.atomic():
        categories = Category.objects.bulk_create(
            [
                Category(community=community, name=name, slug=name.lower(), position=i)
                for i, name in enumerate(["General", "Questions", "Practice"])
            ]
        )
        sizes = [big]
        rest = replies - big
        for i in range(threads):
            sizes.append(rest // threads + (1 if i < rest % threads else 0))
        plans: list[tuple[Thread, int, datetime]] = []
        for i, size in enumerate(sizes):
            start = now - timedelta(days=rng.randint(30, 700), minutes=rng.randint(0, 1440))
            if i == 0:
                audience = Audience.PUBLIC
            else:
                audience = rng.choices(
                    [Audience.PUBLIC, Audience.MEMBERS, Audience.COMMUNITY], [0.7, 0.1, 0.2]
                )[0]
            thread = Thread(
                category=categories[0] if i == 0 else rng.choice(categories),
                community=community,
                title=("The big one: what works in " if i == 0 else f"Question {i}: ")
                + "reducing waiting times",
                author_id=rng.choice(member_ids),
                audience=audience,
                created_at=start,
                last_activity_at=start,
                reply_count=size - 1,
                is_demo=True,
            )
            plans.append((thread, size, start))
        Thread.objects.bulk_create([t for t, _s, _st in plans], batch_size=1000)
        rows: list[Reply] = []
        for thread, size, start in plans:
            when = start
            for _n in range(size):
                when = when + timedelta(minutes=rng.randint(1, 600))
                k = rng.randrange(len(BODIES))
                rows.append(
                    Reply(
                        thread=thread,
                        author_id=rng.choice(member_ids),
                        body=BODIES[k],
                        body_html=rendered[k],
                        created_at=when,
                    )
                )
            thread.last_activity_at = when
        Reply.objects.bulk_create(rows, batch_size=2000)
        Thread.objects.bulk_update([t for t, _s, _st in plans], ["last_activity_at"], 1000)
        # One Item per thread, from the thread's own as_item() (the registration protocol).
        thread_type = ContentType.objects.get_for_model(Thread)
        items = []
        for thread in Thread.objects.filter(community=community).select_related(
            "author", "community"
        ):
            data = thread.as_item()
            items.append(
                Item(
                    kind=Thread.knowledge_kind,
                    title=data.title[:300],
                    url=data.url,
                    text=data.text,
                    summary=data.summary[:500],
                    author_id=data.author_id,
                    organisation_id=data.organisation_id,
                    community_id=data.community_id,
                    audience=data.audience,
                    published_at=data.published_at or now,
                    updated_at=data.updated_at or now,
                    is_demo=data.is_demo,
                    content_type=thread_type,
                    object_id=thread.pk,
                )
            )
        Item.objects.bulk_create(items, batch_size=1000)
        member = User.objects.create(
            username="bench-member",
            email="bench-member@example.org",
            name="Bench Member",
        )
        member.set_unusable_password()  # the benchmark signs in with a session, not a password
        member.save(update_fields=["password"])
        Membership.objects.create(community=community, user=member, role=Role.MEMBER)
    session = SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.create()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    big_thread = plans[0][0]
    return {
        "community": slug,
        "replies": Reply.objects.filter(thread__community=community).count(),
        "threads": Thread.objects.filter(community=community).count(),
        "big_thread": {
            "id": big_thread.pk,
            "posts": big,
            "pages": (big + PER_PAGE - 1) // PER_PAGE,
        },
        "community_items": Item.objects.filter(community=community).count(),
        "members": community.memberships.count(),
        "member": member.username,
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        "seconds": round(time.monotonic() - started, 1),
    }


def fill_main(args: argparse.Namespace) -> int:
    """Child-process entry point: fill the forum and write its manifest next to the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.conf import settings

    scale_manifest = json.loads(
        (Path(settings.VAR_DIR) / pages.MANIFEST_NAME).read_text(encoding="utf-8")
    )
    manifest = fill_forum(
        slug=scale_manifest["open_community"]["slug"],
        replies=args.replies,
        big=args.big,
        threads=args.threads_count,
        seed=args.seed,
    )
    (Path(settings.VAR_DIR) / FORUM_MANIFEST).write_text(
        json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
    )
    return 0


# --- measuring ----------------------------------------------------------------------------------


def http_get(port: int, path: str, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=20)
    headers = {"Accept": "text/html"}
    if cookie:
        headers["Cookie"] = cookie
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}  # granian sends lower case
        return response.status, headers, response.read()
    finally:
        conn.close()


def wrk(
    port: int, path: str, *, duration: float, connections: int, threads: int, cookie: str
) -> dict[str, Any]:
    cmd = [
        "wrk",
        "--threads", str(threads),
        "--connections", str(connections),
        "--duration", f"{duration:g}s",
        "--timeout", "5s",
        "--latency",
        "--script", str(LUA_SCRIPT),
    ]  # fmt: skip
    if cookie:
        cmd += ["--header", f"Cookie: {cookie}"]
    cmd.append(f"http://{HOST}:{port}{path}")
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=duration + 30)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"wrk on {path} did not finish") from exc
    if done.returncode != 0:
        raise BenchError(f"wrk on {path} failed ({done.returncode}): {done.stderr.strip()}")
    for line in done.stdout.splitlines():
        if line.startswith("KHBENCH "):
            report: dict[str, Any] = json.loads(line.removeprefix("KHBENCH "))
            return report
    raise BenchError(f"wrk printed no report for {path}:\n{done.stdout}\n{done.stderr}")


def measure(
    name: str, path: str, port: int, pgid: int, args: argparse.Namespace, cookie: str
) -> Measurement:
    pages.settle(port)
    load_before = os.getloadavg()[0]
    cpu_before = pages.group_cpu_seconds(pgid)
    report = wrk(
        port,
        path,
        duration=args.duration,
        connections=args.connections,
        threads=args.wrk_threads,
        cookie=cookie,
    )
    cpu = pages.group_cpu_seconds(pgid) - cpu_before
    seconds = report["duration_us"] / 1e6
    m = Measurement(
        name=name,
        path=path,
        requests=report["requests"],
        seconds=round(seconds, 2),
        rps=round(report["requests"] / seconds, 1) if seconds else 0.0,
        non2xx=report["non2xx"],
        errors=report["errors"],
        latency_ms={k: round(v / 1000, 2) for k, v in report["latency_us"].items()},
        load_before=round(load_before, 2),
    )
    if m.requests:
        m.cpu_ms_per_request = round(cpu * 1000 / m.requests, 3)
    if m.non2xx:
        m.notes.append(f"{m.non2xx} responses outside 2xx")
    if any(m.errors.values()):
        m.notes.append("socket errors: " + ", ".join(f"{k}={v}" for k, v in m.errors.items() if v))
    log(
        f"{name:<24} {m.rps:>8.1f} req/s  p50 {m.latency_ms['p50']:>6.1f} ms  "
        f"p95 {m.latency_ms['p95']:>6.1f} ms  CPU {m.cpu_ms_per_request or 0:.2f} ms/req  "
        f"(load {load_before:.2f})"
    )
    return m


def run_round(
    label: str,
    targets: list[tuple[str, str]],
    port: int,
    pgid: int,
    args: argparse.Namespace,
    cookie: str,
) -> list[Measurement]:
    first = measure(f"bare (before), {label}", "/bench/ok", port, pgid, args, cookie)
    rows = [measure(f"{name}, {label}", path, port, pgid, args, cookie) for name, path in targets]
    last = measure(f"bare (after), {label}", "/bench/ok", port, pgid, args, cookie)
    baseline_rps = statistics.mean([first.rps, last.rps])
    cpus = [b.cpu_ms_per_request for b in (first, last) if b.cpu_ms_per_request]
    baseline_cpu = statistics.mean(cpus) if cpus else None
    for m in (first, *rows, last):
        m.ratio = round(m.rps / baseline_rps, 3) if baseline_rps else None
        if baseline_cpu and m.cpu_ms_per_request:
            m.cpu_ratio = round(baseline_cpu / m.cpu_ms_per_request, 3)
        clean = m.non2xx == 0 and not any(m.errors.values())
        m.passed = clean and m.latency_ms["p95"] < TARGET_P95_MS
    return [first, *rows, last]


def table(rows: list[Measurement]) -> str:
    lines = [
        "| URL | req/s | p50 ms | p95 ms | ratio to bare | CPU ms/req | CPU ratio | p95 < 50 ms |",
        "|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for m in rows:
        ratio = f"{m.ratio:.2f}" if m.ratio is not None else "—"
        cpu = f"{m.cpu_ms_per_request:.2f}" if m.cpu_ms_per_request is not None else "—"
        cpu_ratio = f"{m.cpu_ratio:.2f}" if m.cpu_ratio is not None else "—"
        note = f" ({'; '.join(m.notes)})" if m.notes else ""
        lines.append(
            f"| {m.name} `{m.path}` | {m.rps:,.0f} | {m.latency_ms['p50']:.1f} | "
            f"{m.latency_ms['p95']:.1f} | {ratio} | {cpu} | {cpu_ratio} | "
            f"{'PASS' if m.passed else 'FAIL'}{note} |"
        )
    return "\n".join(lines)


def _run(args: argparse.Namespace, var_dir: Path, started: datetime) -> int:
    host = pages.machine()
    code = pages.git_state()
    reused = pages.prepare_var_dir(var_dir, args.keep_db)
    reused = reused and (var_dir / FORUM_MANIFEST).exists()
    env = pages.bench_env(var_dir, "bench.settings")
    manage = [PYTHON, "manage.py"]
    if not reused:
        for name in os.listdir(var_dir):
            if name != SCRATCH_MARKER:
                old = var_dir / name
                shutil.rmtree(old) if old.is_dir() else old.unlink()
    pages.run_step("migrate", [*manage, "migrate", "--noinput", "-v0"], env, timeout=300)
    if reused:
        log(f"reusing the filled database in {var_dir}")
    else:
        pages.run_step("scale", [PYTHON, "-m", "bench.scale"], env, timeout=600)
        fill = [
            PYTHON, "bench/threads.py", "--fill",
            "--replies", str(args.replies), "--big", str(args.big),
            "--threads-count", str(args.threads_count), "--seed", str(args.seed),
        ]  # fmt: skip
        pages.run_step("forum", fill, env, timeout=600)
    scale = json.loads((var_dir / pages.MANIFEST_NAME).read_text(encoding="utf-8"))
    forum = json.loads((var_dir / FORUM_MANIFEST).read_text(encoding="utf-8"))
    log(
        f"data: {scale['people']:,} people, {scale['communities']} communities, "
        f"{scale['items']:,} blog items; forum in {forum['community']}: {forum['replies']:,} "
        f"posts in {forum['threads']} threads (big thread: {forum['big_thread']['posts']:,} posts, "
        f"{forum['big_thread']['pages']} pages)"
    )
    if reused and pages.static_is_fresh(var_dir):
        log("static files unchanged since the last collectstatic")
    else:
        pages.run_step(
            "collectstatic", [*manage, "collectstatic", "--noinput", "-v0"], env, timeout=300
        )
    slug = forum["community"]
    big = forum["big_thread"]
    thread_path = f"/communities/{slug}/forums/t/{big['id']}/"
    targets = [
        ("community home", f"/communities/{slug}/"),
        ("thread, page 1", thread_path),
        (f"thread, page {big['pages']}", f"{thread_path}?page={big['pages']}"),
    ]
    modes = [("anonymous", "")]
    if not args.anonymous_only:
        modes.append(("signed in", forum["cookie"]))
    port = pages.free_port()
    log_path = var_dir / "granian.log"
    results: dict[str, list[dict[str, Any]]] = {}
    checks: dict[str, dict[str, Any]] = {}
    all_rows: list[Measurement] = []
    with pages.granian(env, port, args.workers, args.blocking_threads, log_path) as proc:
        pages.wait_healthy(proc, port, log_path, timeout=60)
        for label, cookie in modes:
            for _name, path in [("bare", "/bench/ok"), *targets]:
                status, headers, body = http_get(port, path, cookie)
                if status != 200:
                    raise BenchError(f"{path} ({label}) answered {status}:\n{body[:500]!r}")
                http_get(port, path, cookie)  # the second request can be a cache hit
                status, headers, body = http_get(port, path, cookie)
                signed_in = b"Sign out" in body or b"sign out" in body.lower()
                checks[f"{label} {path}"] = {
                    "bytes": len(body),
                    "page_cache": headers.get("x-page-cache", "miss"),
                    "signed_in": signed_in,
                }
                if path != "/bench/ok" and signed_in != bool(cookie):
                    raise BenchError(f"{path}: expected signed_in={bool(cookie)} ({label})")
            log(f"checks ({label}): " + json.dumps({k: v for k, v in checks.items() if label in k}))
            for _name, path in [("bare", "/bench/ok"), *targets]:
                wrk(port, path, duration=args.warmup, connections=args.connections,
                    threads=args.wrk_threads, cookie=cookie)  # fmt: skip
            rows = run_round(label, targets, port, proc.pid, args, cookie)
            results[label] = [asdict(r) for r in rows]
            all_rows += rows
            print()
            print(f"{label}: {args.connections} connections, {args.duration:g}s per URL")
            print()
            print(table(rows))
            print()
        if proc.poll() is not None:
            raise BenchError(f"granian died during the run:\n{pages.tail(log_path)}")
    passed = all(m.passed for m in all_rows)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": "threads",
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/threads.py", *sys.argv[1:]]),
        "config": {
            "duration_s": args.duration,
            "connections": args.connections,
            "wrk_threads": args.wrk_threads,
            "warmup_s": args.warmup,
            "granian_workers": args.workers,
            "granian_blocking_threads": args.blocking_threads,
            "reused_db": bool(reused),
        },
        "targets": {"max_p95_ms": TARGET_P95_MS},
        "machine": host,
        "git": code,
        "data": {"scale": scale, "forum": {k: v for k, v in forum.items() if k != "cookie"}},
        "checks": checks,
        "results": results,
        "passed": passed,
    }
    out = RESULTS_DIR / f"threads-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    log(f"result written to {out.relative_to(ROOT)}: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Forum benchmark (see docs/benchmarks.md).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per URL")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per URL")
    parser.add_argument("--workers", type=int, default=2, help="granian workers")
    parser.add_argument("--blocking-threads", type=int, default=4, help="granian threads")
    parser.add_argument("--replies", type=int, default=10_000, help="forum posts in the community")
    parser.add_argument("--big", type=int, default=2_500, help="posts in the big thread")
    parser.add_argument("--threads-count", type=int, default=150, help="other threads")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--anonymous-only", action="store_true", help="skip the signed-in runs")
    parser.add_argument(
        "--var-dir", type=Path, default=Path(f"/tmp/kh-bench-threads-{os.getuid()}")
    )
    parser.add_argument("--keep-db", action="store_true", help="keep and reuse the scratch data")
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)  # child process
    args = parser.parse_args(argv)
    if args.fill:
        return fill_main(args)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(130)

    signal.signal(signal.SIGTERM, on_sigterm)
    var_dir: Path = args.var_dir
    try:
        return _run(args, var_dir, datetime.now(UTC))
    except BenchError as exc:
        print(f"[bench] FAILED: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("[bench] interrupted", file=sys.stderr)
        return 130
    finally:
        if not args.keep_db and (var_dir / SCRATCH_MARKER).exists():
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
