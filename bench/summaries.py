"""Catch-up summary benchmark: how long ``summarise`` takes on realistic posts.

    .venv/bin/python bench/summaries.py [--repeat 5] [--data ../shared/data/discovery]

Pure Python, no database: the summariser is a pure function, and the page around it costs a few
queries (the thread page test in ``serendipity/tests/test_summaries.py`` prints the whole request).
Posts are real text: the 20-newsgroups sample (``mini20ng.json``: e-mail style posts with ``>``
quotes, like forum replies) and the Lee background corpus (``lee_background.json``: news stories),
cycled to reach each size. Reports, per size, the number of sentences scored and the median and
worst wall time of ``--repeat`` runs, and checks the output is identical every run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from knowledgehub.serendipity.summaries import (  # noqa: E402  (after the path is set)
    Passage,
    split_sentences,
    summarise,
)

SIZES = (300, 1000, 3000)


def posts(data: Path) -> list[str]:
    news = json.loads((data / "mini20ng.json").read_text())
    lee = json.loads((data / "lee_background.json").read_text())
    return [row["text"] for row in news] + [str(doc) for doc in lee]


def passages(texts: list[str], n: int) -> list[Passage]:
    start = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    return [
        Passage(
            text=texts[i % len(texts)] + (f"\n\nPost {i}." if i >= len(texts) else ""),
            url=f"/t/1/?reply={i}#reply-{i}",
            title=f"reply {i}",
            author=f"person {i % 97}",
            published_at=start + timedelta(minutes=i),
        )
        for i in range(n)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/discovery")
    args = parser.parse_args()
    texts = posts(args.data)
    summarise(passages(texts, 20))  # import scikit-learn outside the timings
    print(f"summarise() on real posts, {args.repeat} runs each, {datetime.now(UTC):%Y-%m-%d}")
    print(f"{'passages':>8} {'sentences':>9} {'median ms':>9} {'max ms':>7}  deterministic")
    for n in SIZES:
        batch = passages(texts, n)
        sentences = sum(len(split_sentences(p.text)) for p in batch)
        timings = []
        outputs = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            outputs.append(summarise(batch))
            timings.append((time.perf_counter() - started) * 1000)
        same = all(o == outputs[0] for o in outputs)
        print(
            f"{n:>8} {sentences:>9} {statistics.median(timings):>9.0f} {max(timings):>7.0f}  "
            f"{'yes' if same else 'NO'}"
        )
    print("\nThe 300-post summary:")
    for s in summarise(passages(texts, 300)):
        print(f"- {s.text[:110]}  ({s.title}, {s.score})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
