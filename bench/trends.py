"""Trend detection benchmark: planted bursts in a synthetic weekly stream.

    .venv/bin/python bench/trends.py [--themes 200] [--weeks 104] [--bursts 40] [--seed 6]
                                     [--db 100000]

Each theme has a Poisson background rate drawn log-uniformly from 1 to 30 items a week; half the
themes drift slowly and seasonally (±30 % over a year). ``--bursts`` bursts of 2-4 weeks with a
3-6x multiplier are planted at random weeks (after the first 12, so there is a baseline) in
distinct themes. ``detect_bursts`` (the function the /trends/ page uses) runs on every series.

Reports recall (a burst counts as found when any of its weeks is flagged), false alarms per 100
theme-weeks (flags outside every burst and the two weeks after it, over the weeks that have a
full baseline), and the mean detection delay in weeks from the burst's first week. The same run
repeats over ``--seeds`` seeds so one lucky draw cannot decide the result.

``--db N`` also builds a scratch SQLite database with N ThemeItems over 200 themes and 26 weeks
and times the /trends/ computation (``rising_themes``) and the three heat-map queries.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def detect_bursts(series: list[int]) -> list[int]:
    """The page's detector (imported lazily: its module needs Django's app registry)."""
    from knowledgehub.themes.trends import detect_bursts as detect

    return detect(series)


GRACE_WEEKS = 2
WARMUP_WEEKS = 8


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method for small rates, a rounded normal approximation for large ones."""
    if lam > 60:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def stream(
    rng: random.Random, themes: int, weeks: int, bursts: int
) -> tuple[list[list[int]], list[tuple[int, int, int]]]:
    """``(series per theme, [(theme, first week, last week)])``."""
    rates = [math.exp(rng.uniform(math.log(1), math.log(30))) for _ in range(themes)]
    drifting = [rng.random() < 0.5 for _ in range(themes)]
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(themes)]
    planted: list[tuple[int, int, int]] = []
    for theme in rng.sample(range(themes), bursts):
        length = rng.randint(2, 4)
        start = rng.randint(12, weeks - length)
        planted.append((theme, start, start + length - 1))
    boost = {(t, w): rng.uniform(3, 6) for t, s, e in planted for w in range(s, e + 1)}
    # One multiplier per burst: reuse the first week's draw for the whole burst.
    for t, s, e in planted:
        for w in range(s, e + 1):
            boost[(t, w)] = boost[(t, s)]
    series = []
    for t in range(themes):
        row = []
        for w in range(weeks):
            lam = rates[t]
            if drifting[t]:
                lam *= 1 + 0.3 * math.sin(2 * math.pi * w / 52 + phases[t])
            lam *= boost.get((t, w), 1.0)
            row.append(poisson(rng, lam))
        series.append(row)
    return series, planted


def evaluate(seed: int, themes: int, weeks: int, bursts: int) -> dict[str, float]:
    rng = random.Random(seed)
    series, planted = stream(rng, themes, weeks, bursts)
    found = 0
    delays: list[int] = []
    excused: set[tuple[int, int]] = set()
    for t, s, e in planted:
        excused.update((t, w) for w in range(s, e + 1 + GRACE_WEEKS))
    flagged = {t: set(detect_bursts(row)) for t, row in enumerate(series)}
    for t, s, e in planted:
        hits = sorted(w for w in flagged[t] if s <= w <= e)
        if hits:
            found += 1
            delays.append(hits[0] - s)
    false_alarms = sum(
        1
        for t, weeks_flagged in flagged.items()
        for w in weeks_flagged
        if w >= WARMUP_WEEKS and (t, w) not in excused
    )
    judged = themes * (weeks - WARMUP_WEEKS) - len(excused)
    return {
        "recall": found / len(planted),
        "false_alarms_per_100": 100 * false_alarms / judged,
        "mean_delay": statistics.mean(delays) if delays else float("nan"),
    }


def time_database(n_items: int, seed: int) -> None:
    """Build N ThemeItems in a scratch SQLite database and time the page computations."""
    from datetime import timedelta

    from django.contrib.auth.models import AnonymousUser
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from knowledgehub.knowledge.models import Item
    from knowledgehub.organisations.models import Organisation
    from knowledgehub.people.models import User
    from knowledgehub.themes import heatmap
    from knowledgehub.themes.models import Theme, ThemeItem
    from knowledgehub.themes.trends import rising_themes

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(seed)
    started = time.perf_counter()
    regions = ["North West", "North East", "London", "Wales", "Scotland", "South West"]
    orgs = [
        Organisation.objects.create(
            code=f"E06{i:06d}", name=f"Bench Council {i}", type="unitary", region=regions[i % 6]
        )
        for i in range(30)
    ]
    author = User.objects.create(username="bench-trends", name="Bench Trends")
    ct = ContentType.objects.get_for_model(User)
    themes = Theme.objects.bulk_create([Theme(label=f"theme {i}") for i in range(200)])
    now = timezone.now()
    items = Item.objects.bulk_create(
        [
            Item(
                kind="test", title=f"item {i}", url=f"/b/{i}/", author=author,
                content_type=ct, object_id=i + 1,
                audience=rng.choices(["public", "members"], weights=[92, 8])[0],
                organisation=rng.choice(orgs) if rng.random() < 0.8 else None,
                published_at=now - timedelta(days=rng.uniform(0, 26 * 7)),
            )
            for i in range(n_items)
        ],
        batch_size=2000,
    )  # fmt: skip
    ThemeItem.objects.bulk_create(
        [ThemeItem(theme=rng.choice(themes), item=item) for item in items], batch_size=5000
    )
    print(f"built {n_items} items and theme items in {time.perf_counter() - started:.1f} s")

    def timed(label: str, fn: object, repeat: int = 5) -> None:
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()  # type: ignore[operator]
            runs.append(time.perf_counter() - t0)
        median, worst = 1000 * statistics.median(runs), 1000 * max(runs)
        print(f"{label}: median {median:.0f} ms, worst {worst:.0f} ms")

    from django.core.cache import cache

    def uncached() -> object:
        cache.clear()
        return rising_themes(AnonymousUser(), weeks=26)

    # /trends/ shares one grouped count over every theme between viewers for a few minutes
    # (trends.cached_weekly_cells): the first visitor pays for the query, the rest read the cache.
    timed("rising_themes (26 weeks), cache cold", uncached)
    timed("rising_themes (26 weeks), cache warm", lambda: rising_themes(AnonymousUser(), weeks=26))
    for by in heatmap.BY_CHOICES:
        timed(f"heat map by {by} (12 weeks)", lambda by=by: heatmap.build_heatmap(by, weeks=12))
    data = heatmap.build_heatmap("week", weeks=26)
    spec = heatmap.vegalite_spec(data)
    import vl_convert

    timed(
        "SVG render, uncached (25 themes x 26 weeks)", lambda: vl_convert.vegalite_to_svg(spec), 3
    )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knowledgehub.settings")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--themes", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--bursts", type=int, default=40)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--seeds", type=int, default=10, help="independent streams to average")
    parser.add_argument("--db", type=int, default=0, help="also time queries at N ThemeItems")
    args = parser.parse_args()
    if args.db:
        var_dir = Path(tempfile.mkdtemp(prefix="kh-bench-trends-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    import django

    django.setup()
    results = [
        evaluate(args.seed + i, args.themes, args.weeks, args.bursts) for i in range(args.seeds)
    ]
    print(
        f"stream: {args.themes} themes x {args.weeks} weeks, {args.bursts} planted bursts "
        f"(2-4 weeks, 3-6x), rates 1-30/week log-uniform, half drifting; {args.seeds} seeds"
    )
    for key, target in (
        ("recall", ">= 0.9"),
        ("false_alarms_per_100", "<= 1"),
        ("mean_delay", "weeks"),
    ):
        values = [r[key] for r in results]
        print(
            f"{key}={statistics.mean(values):.3f} "
            f"(min {min(values):.3f}, max {max(values):.3f}; target {target})"
        )
    if args.db:
        time_database(args.db, args.seed)


if __name__ == "__main__":
    main()
