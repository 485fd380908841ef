"""Page benchmark: requests/second and latency for the pages people land on, at scale.

    .venv/bin/python bench/pages.py [--duration 10] [--connections 20] [--threads 2] [--keep-db]

1. Makes a scratch data directory under /tmp (``KH_VAR_DIR``; the project's own ``var/`` is never
   touched), migrates it and fills it with ``bench.scale`` (10,000 people, 500 communities …),
   unless ``--keep-db`` finds one already filled by an earlier run.
2. Collects static files (``DEBUG=0`` serves them through whitenoise's manifest storage).
3. Starts the production server as the Procfile does (granian, WSGI, 2 workers, 4 blocking
   threads) on a free port on 127.0.0.1, with ``DJANGO_SETTINGS_MODULE=bench.settings``, which
   adds the bare view ``/bench/ok`` (``HttpResponse("ok")`` through the full middleware stack).
4. Checks each URL answers 200, warms up, then loads each one in turn with wrk from this separate
   process over loopback: the bare view, the home page, the busiest open community and the people
   directory, then the bare view again. Requests are anonymous (no cookies), as for a visitor.
5. Prints a table (req/s, p50, p95, ratio to the bare view, PASS/FAIL) and writes the whole result
   as JSON to ``bench/results/`` (git-ignored), with the machine, its load and the git state.

Targets (the issue): each page serves at least half the bare view's requests/second, and its p95
latency is under 50 ms at 20 concurrent connections. The ratio uses the mean of the two bare-view
runs that bracket the pages, so that drift on a shared machine does not favour either end.

Requests/second move with whatever else the machine is doing, so the table also shows the server's
own CPU time per request (all granian processes, from /proc) and the bare view's CPU per request
divided by each page's: a ratio that hardly depends on other load, and what the requests/second
ratio tends to on an otherwise idle machine.

``--settings`` runs the server with another settings module (it must still route ``/bench/ok``),
to measure an experiment such as a page cache against the same data.

The server is always stopped at the end, also on errors and Ctrl-C. Every step has a time limit.
Exit status: 0 when every page meets the targets, 1 when one misses, 2 when the run fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
LUA_SCRIPT = BENCH_DIR / "wrk_report.lua"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
GRANIAN = str(VENV_BIN / "granian")
HOST = "127.0.0.1"
MANIFEST_NAME = "bench-scale.json"  # written by bench.scale
SCRATCH_MARKER = ".kh-bench-scratch"

TARGET_RATIO = 0.5
TARGET_P95_MS = 50.0

# Settings that would point the server somewhere other than the scratch SQLite database and
# local memory cache, or change its behaviour; blanked so a developer's .env cannot leak in.
BLANKED = [
    "DATABASE_URL",
    "REDIS_URL",
    "AWS_STORAGE_BUCKET_NAME",
    "OIDC_SERVER_URL",
    "EMAIL_HOST",
    "KH_PAGE_SIZE",
    "CONN_MAX_AGE",
]


class BenchError(RuntimeError):
    """The benchmark could not run (as opposed to a page missing its target)."""


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    is_baseline: bool = False


@dataclass
class Measurement:
    name: str
    path: str
    requests: int
    seconds: float
    rps: float
    non2xx: int
    errors: dict[str, int]
    latency_ms: dict[str, float]
    load_before: float
    cpu_ms_per_request: float | None = None  # server CPU (all its processes) per request
    ratio: float | None = None
    cpu_ratio: float | None = None  # bare view's CPU per request / this URL's
    passed: bool | None = None
    notes: list[str] = field(default_factory=list)


# --- processes ----------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def run_step(name: str, cmd: Sequence[str], env: dict[str, str], timeout: float) -> str:
    """Run one setup command to completion within ``timeout`` seconds; return its stdout."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            list(cmd), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{name} took longer than {timeout:.0f}s") from exc
    if done.returncode != 0:
        raise BenchError(f"{name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    log(f"{name}: {time.monotonic() - started:.1f}s")
    return done.stdout


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http_get(port: int, path: str, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "text/html"})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@contextmanager
def granian(
    env: dict[str, str], port: int, workers: int, threads: int, log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """The production server, in its own process group so that it and its workers stop together."""
    cmd = [
        GRANIAN,
        "--interface", "wsgi",
        "--host", HOST,
        "--port", str(port),
        "--workers", str(workers),
        "--blocking-threads", str(threads),
        "--no-ws",
        "--log-level", "warning",
        "knowledgehub.wsgi:application",
    ]  # fmt: skip
    with log_path.open("wb") as server_log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=server_log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log(
            f"granian pid {proc.pid} on http://{HOST}:{port} ({workers} workers, {threads} threads)"
        )
        try:
            yield proc
        finally:
            stop_process_group(proc)


def stop_process_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)  # the group this script created for the server
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            log(f"granian stopped ({signal.Signals(sig).name})")
            return
        except subprocess.TimeoutExpired:
            continue


def wait_healthy(proc: subprocess.Popen[bytes], port: int, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"granian exited ({proc.returncode}):\n{tail(log_path)}")
        try:
            status, _headers, _body = http_get(port, "/healthz", timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise BenchError(f"/healthz did not answer 200 within {timeout:.0f}s:\n{tail(log_path)}")


def settle(port: int, timeout: float = 20.0) -> float:
    """Wait until requests still queued from the previous load have drained: the bare view must
    answer quickly three times in a row. Returns the seconds waited."""
    started = time.monotonic()
    quick = 0
    while quick < 3 and time.monotonic() - started < timeout:
        t = time.monotonic()
        try:
            http_get(port, "/bench/ok", timeout=5)
        except OSError:
            quick = 0
            continue
        quick = quick + 1 if time.monotonic() - t < 0.02 else 0
        time.sleep(0.1)
    time.sleep(0.5)
    return time.monotonic() - started


def tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


# --- wrk ----------------------------------------------------------------------------------------


def wrk(
    port: int,
    path: str,
    *,
    duration: float,
    connections: int,
    threads: int,
    headers: dict[str, str] | None = None,
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
    for name, value in (headers or {}).items():
        cmd += ["--header", f"{name}: {value}"]
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


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time so far of every process in a process group (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After "pid (comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt
        # cmajflt utime stime ...
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def measure(
    target: Target,
    port: int,
    server_pgid: int,
    *,
    duration: float,
    connections: int,
    threads: int,
    headers: dict[str, str] | None = None,
) -> Measurement:
    settle(port)
    load_before = os.getloadavg()[0]
    cpu_before = group_cpu_seconds(server_pgid)
    report = wrk(
        port,
        target.path,
        duration=duration,
        connections=connections,
        threads=threads,
        headers=headers,
    )
    cpu = group_cpu_seconds(server_pgid) - cpu_before
    seconds = report["duration_us"] / 1e6
    latency = {k: round(v / 1000, 2) for k, v in report["latency_us"].items()}
    m = Measurement(
        name=target.name,
        path=target.path,
        requests=report["requests"],
        seconds=round(seconds, 2),
        rps=round(report["requests"] / seconds, 1) if seconds else 0.0,
        non2xx=report["non2xx"],
        errors=report["errors"],
        latency_ms=latency,
        load_before=round(load_before, 2),
    )
    if m.requests:
        # Requests still queued when wrk stops are served (and counted) after it: a small bias.
        m.cpu_ms_per_request = round(cpu * 1000 / m.requests, 3)
    if m.non2xx:
        m.notes.append(f"{m.non2xx} responses outside 2xx")
    if any(m.errors.values()):
        m.notes.append("socket errors: " + ", ".join(f"{k}={v}" for k, v in m.errors.items() if v))
    log(
        f"{target.name:<10} {m.rps:>8.1f} req/s  p50 {latency['p50']:>6.1f} ms  "
        f"p95 {latency['p95']:>6.1f} ms  server CPU {m.cpu_ms_per_request or 0:.2f} ms/request  "
        f"({m.requests} requests, load {load_before:.2f})"
    )
    return m


def judge(
    m: Measurement,
    baseline_rps: float,
    baseline_cpu: float | None,
    *,
    min_ratio: float = TARGET_RATIO,
    max_p95_ms: float = TARGET_P95_MS,
) -> None:
    m.ratio = round(m.rps / baseline_rps, 3) if baseline_rps else None
    if baseline_cpu and m.cpu_ms_per_request:
        m.cpu_ratio = round(baseline_cpu / m.cpu_ms_per_request, 3)
    ok_latency = m.latency_ms["p95"] < max_p95_ms
    ok_ratio = m.ratio is not None and m.ratio >= min_ratio
    clean = m.non2xx == 0 and not any(m.errors.values())
    m.passed = ok_latency and ok_ratio and clean


# --- setup --------------------------------------------------------------------------------------


def bench_env(var_dir: Path, settings_module: str) -> dict[str, str]:
    env = dict(os.environ)
    for name in BLANKED:
        env[name] = ""
        env.pop(f"{name}_FILE", None)
    settings = {
        "KH_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DEBUG": "0",
        "HTTPS": "0",
        "BEHIND_PROXY": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "HUEY_IMMEDIATE": "0",
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
    }
    for name, value in settings.items():
        env[name] = value
        env.pop(f"{name}_FILE", None)
    return env


def prepare_var_dir(var_dir: Path, keep: bool) -> bool:
    """Return True when a filled database from an earlier ``--keep-db`` run can be reused."""
    if var_dir.exists():
        if not (var_dir / SCRATCH_MARKER).exists():
            raise BenchError(f"{var_dir} exists and was not made by this benchmark; remove it")
        if keep and (var_dir / MANIFEST_NAME).exists():
            return True
        shutil.rmtree(var_dir)
    var_dir.mkdir(parents=True)
    (var_dir / SCRATCH_MARKER).write_text("bench/pages.py scratch directory\n", encoding="utf-8")
    return False


def static_is_fresh(var_dir: Path) -> bool:
    """True when the collected manifest is newer than every source static file of the project."""
    manifest = var_dir / "static" / "staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    sources = (ROOT / "knowledgehub").glob("**/static/**/*")
    return all(p.stat().st_mtime < built for p in sources if p.is_file())


def tool_version(cmd: Sequence[str]) -> str:
    try:
        done = subprocess.run(list(cmd), capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return ((done.stdout or done.stderr).strip().splitlines() or ["unknown"])[0]


def git_state() -> dict[str, Any]:
    """The commit measured, and which files differed from it (the numbers describe those)."""

    def git(*cmd: str) -> str:
        try:
            done = subprocess.run(
                ["git", *cmd], cwd=ROOT, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout

    changed = [line[3:] for line in git("status", "--porcelain").splitlines() if line.strip()]
    return {"commit": git("rev-parse", "HEAD").strip(), "changed_files": changed}


def machine() -> dict[str, Any]:
    import django

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "granian": tool_version([GRANIAN, "--version"]),
        "wrk": tool_version(["wrk", "--version"]),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


# --- report -------------------------------------------------------------------------------------


def table(rows: list[Measurement]) -> str:
    lines = [
        "| URL | req/s | p50 ms | p95 ms | ratio to bare | CPU ms/req | CPU ratio | result |",
        "|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for m in rows:
        ratio = f"{m.ratio:.2f}" if m.ratio is not None else "—"
        cpu = f"{m.cpu_ms_per_request:.2f}" if m.cpu_ms_per_request is not None else "—"
        cpu_ratio = f"{m.cpu_ratio:.2f}" if m.cpu_ratio is not None else "—"
        result = "—" if m.passed is None else ("PASS" if m.passed else "FAIL")
        note = f" ({'; '.join(m.notes)})" if m.notes else ""
        lines.append(
            f"| {m.name} `{m.path}` | {m.rps:,.0f} | {m.latency_ms['p50']:.1f} | "
            f"{m.latency_ms['p95']:.1f} | {ratio} | {cpu} | {cpu_ratio} | {result}{note} |"
        )
    return "\n".join(lines)


def run_round(
    targets: list[Target], port: int, server_pgid: int, args: argparse.Namespace
) -> tuple[list[Measurement], float]:
    """Bare view, each page, bare view again; pages are judged against the mean bare rate."""

    def run(target: Target) -> Measurement:
        return measure(
            target,
            port,
            server_pgid,
            duration=args.duration,
            connections=args.connections,
            threads=args.threads,
        )

    baseline = next(t for t in targets if t.is_baseline)
    first = run(baseline)
    first.name = "bare (before)"
    pages = [run(t) for t in targets if not t.is_baseline]
    last = run(baseline)
    last.name = "bare (after)"
    baseline_rps = statistics.mean([first.rps, last.rps])
    cpus = [b.cpu_ms_per_request for b in (first, last) if b.cpu_ms_per_request]
    baseline_cpu = statistics.mean(cpus) if cpus else None
    for bare in (first, last):
        judge(bare, baseline_rps, baseline_cpu)
    for page in pages:
        judge(page, baseline_rps, baseline_cpu)
    return [first, *pages, last], baseline_rps


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Page benchmark (see docs/benchmarks.md).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per URL")
    parser.add_argument("--connections", type=int, default=20, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per URL")
    parser.add_argument("--rounds", type=int, default=1, help="measure everything this many times")
    parser.add_argument("--workers", type=int, default=2, help="granian workers")
    parser.add_argument("--blocking-threads", type=int, default=4, help="granian threads")
    parser.add_argument(
        "--settings",
        default="bench.settings",
        help="settings module for the server (must route /bench/ok, as bench.settings does)",
    )
    parser.add_argument(
        "--var-dir",
        type=Path,
        default=Path(f"/tmp/kh-bench-{os.getuid()}"),
        help="scratch data directory (KH_VAR_DIR)",
    )
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="keep the scratch directory afterwards, and reuse a filled one instead of rebuilding",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    if not Path(GRANIAN).exists():
        print(f"{GRANIAN} is missing: run `make deps`", file=sys.stderr)
        return 2

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(130)

    signal.signal(signal.SIGTERM, on_sigterm)
    started = datetime.now(UTC)
    var_dir: Path = args.var_dir
    try:
        return _run(args, var_dir, started)
    except BenchError as exc:
        print(f"[bench] FAILED: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("[bench] interrupted", file=sys.stderr)
        return 130
    finally:
        if not args.keep_db and (var_dir / SCRATCH_MARKER).exists():
            shutil.rmtree(var_dir, ignore_errors=True)


def _run(args: argparse.Namespace, var_dir: Path, started: datetime) -> int:
    host = machine()  # before the run: the load average says how busy the machine was
    code = git_state()
    reused = prepare_var_dir(var_dir, args.keep_db)
    env = bench_env(var_dir, args.settings)
    manage = [PYTHON, "manage.py"]
    run_step("migrate", [*manage, "migrate", "--noinput", "-v0"], env, timeout=300)
    if reused:
        log(f"reusing the filled database in {var_dir}")
    else:
        run_step("scale", [PYTHON, "-m", "bench.scale"], env, timeout=600)
    manifest = json.loads((var_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    log(
        f"data: {manifest['people']:,} people, {manifest['communities']} communities, "
        f"{manifest['memberships']:,} memberships, {manifest['items']:,} items "
        f"(filled in {manifest['seconds']}s)"
    )
    if reused and static_is_fresh(var_dir):
        log("static files unchanged since the last collectstatic")
    else:
        run_step("collectstatic", [*manage, "collectstatic", "--noinput", "-v0"], env, timeout=300)

    community = manifest["open_community"]
    targets = [
        Target("bare", "/bench/ok", is_baseline=True),
        Target("home", "/"),
        Target("community", f"/communities/{community['slug']}/"),
        Target("people", "/people/"),
    ]
    port = free_port()
    log_path = var_dir / "granian.log"
    rounds: list[dict[str, Any]] = []
    checks: dict[str, dict[str, Any]] = {}
    with granian(env, port, args.workers, args.blocking_threads, log_path) as proc:
        wait_healthy(proc, port, log_path, timeout=60)
        for target in targets:
            status, headers, body = http_get(port, target.path)
            if status != 200:
                raise BenchError(f"{target.path} answered {status}, not 200:\n{body[:500]!r}")
            checks[target.path] = {
                "status": status,
                "bytes": len(body),
                "sets_cookie": "Set-Cookie" in headers,
            }
        for target in targets:
            wrk(port, target.path, duration=args.warmup, connections=args.connections,
                threads=args.threads)  # fmt: skip
        log(f"warmed up ({args.warmup:g}s per URL)")
        for number in range(1, args.rounds + 1):
            log(f"round {number} of {args.rounds}")
            rows, baseline_rps = run_round(targets, port, proc.pid, args)
            rounds.append(
                {"baseline_rps": round(baseline_rps, 1), "rows": [asdict(r) for r in rows]}
            )
            print()
            print(f"Round {number}: {args.connections} connections, {args.duration:g}s per URL")
            print()
            print(table(rows))
            print()
        if proc.poll() is not None:
            raise BenchError(f"granian died during the run:\n{tail(log_path)}")

    all_passed = all(row["passed"] for r in rounds for row in r["rows"])
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": "pages",
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/pages.py", *sys.argv[1:]]),
        "config": {
            "settings": args.settings,
            "duration_s": args.duration,
            "connections": args.connections,
            "wrk_threads": args.threads,
            "warmup_s": args.warmup,
            "granian_workers": args.workers,
            "granian_blocking_threads": args.blocking_threads,
            "reused_db": bool(reused),
        },
        "targets": {"min_ratio": TARGET_RATIO, "max_p95_ms": TARGET_P95_MS},
        "machine": host,
        "git": code,
        "data": manifest,
        "checks": checks,
        "rounds": rounds,
        "passed": all_passed,
    }
    out = RESULTS_DIR / f"pages-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    log(f"result written to {out.relative_to(ROOT)}: {'PASS' if all_passed else 'FAIL'}")
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
