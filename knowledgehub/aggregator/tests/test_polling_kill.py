"""A worker killed (SIGKILL) in the middle of ingesting a large feed: the rerun completes it,
exactly once. Runs ``ingest_feed`` in subprocesses against a database of their own."""

# The shared fixtures are imported by name, which pytest needs and pyflakes calls a redefinition.
# ruff: noqa: F811

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from .test_polling_helpers import ROOT, migrated_var_dir, project_dir, rss  # noqa: F401

# The real ingest stores 500 entries a transaction; smaller batches give a wide window in which
# some, but not all, are stored. Everything else is the command as an operator runs it.
KILLED_RUN = """
import sys
import django
django.setup()
from django.core.management import call_command
from knowledgehub.aggregator import ingest
ingest.BATCH_SIZE = 25
call_command("ingest_feed", sys.argv[1])
"""


def _query(db: str, sql: str) -> tuple:  # type: ignore[type-arg]
    with sqlite3.connect(db, timeout=20) as conn:
        return conn.execute(sql).fetchone()


@pytest.mark.slow
def test_sigkill_mid_ingest_then_rerun_gives_every_entry_exactly_once(project_dir, tmp_path):
    feed = tmp_path / "big.xml"
    feed.write_bytes(rss(1000, prefix="big"))
    # The killed worker's lease outlives the test unless it is released: see below.
    env = project_dir(KH_FEED_POLL_LEASE_SECONDS=600)
    db = str(project_dir.var_dir / "knowledgehub.sqlite3")

    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(feed)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline and proc.poll() is None:
            # Some entries are stored (committed batches; progress is written at most twice a
            # second, so the entries themselves are the finer signal).
            stored = _query(db, "SELECT count(*) FROM aggregator_entry")[0]
            if stored >= 100:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    entries, progress = _query(
        db,
        "SELECT (SELECT count(*) FROM aggregator_entry), progress_done FROM aggregator_feedsource",
    )
    assert 100 <= stored <= entries < 1000, "the kill should come part-way through"
    assert progress < 1000
    assert entries % 25 == 0  # whole batches only: each is one transaction

    def rerun() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "ingest_feed", str(feed)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    # While the dead worker's lease lasts, nobody else takes the feed...
    busy = rerun()
    assert busy.returncode == 1
    assert "Another process is reading this feed" in busy.stderr
    # ...and once it has run out (we move the clock on by expiring it), the rerun completes it.
    with sqlite3.connect(db, timeout=20) as conn:
        conn.execute("UPDATE aggregator_feedsource SET polling_until = '2000-01-01 00:00:00'")
    done = rerun()
    assert done.returncode == 0, done.stderr
    added = int(done.stdout.split()[0].removeprefix("added="))
    assert added == 1000 - entries

    total, distinct = _query(db, "SELECT count(*), count(DISTINCT guid) FROM aggregator_entry")
    assert (total, distinct) == (1000, 1000)
    items, placements = _query(
        db,
        "SELECT (SELECT count(*) FROM aggregator_feeditem),"
        " (SELECT count(DISTINCT entry_id) FROM aggregator_feeditem)",
    )
    assert (items, placements) == (1000, 1000)  # one placement per entry for the one subscription
    indexed = _query(
        db,
        "SELECT count(*) FROM knowledge_item i JOIN django_content_type ct"
        " ON ct.id = i.content_type_id WHERE ct.app_label = 'aggregator'",
    )[0]
    assert indexed == 1000

    # A third run finds everything there already.
    again = rerun()
    assert again.returncode == 0
    assert again.stdout.startswith("added=0 updated=0 ")
