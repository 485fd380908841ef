"""Theme rebuild benchmark: ``rebuild_themes`` end to end over 100,000 items, and how well its
themes agree with topics planted in the data.

    .venv/bin/python bench/themes.py [--items 100000] [--topics 60] [--large sample|kmeans]

The issue's target: "theme rebuild over 100,000 items < 5 minutes on 2 cores".

SQLite in a scratch data directory (``KH_VAR_DIR``, default ``/tmp/kh-bench-themes-$UID``; the
project's ``var/`` is never touched). The data, made with a fixed seed:

* ``--topics`` planted topics, each with its own 12 made-up words (so a label can be checked
  against the topic it should name) and a random unit centre in 384 dimensions;
* ``--items`` public items, each on one topic: a text of 8 topic words among 14 words from a shared
  background vocabulary (Zipf-like), and an "embedding" = its topic's centre plus Gaussian noise,
  unit length, at a cosine of about 0.55 to the centre (the spread of real sentence embeddings of
  texts on one subject); 5% are members-only and 5% private, which must not shape the themes;
* the engine's TF-IDF model fitted on those texts and an ``ItemVector`` (TF-IDF + embedding) per
  item, written directly (the related-items rebuild is not what is measured here).

Then ``rebuild_themes`` runs once, timed from the first read to the last write (loading the
vectors, reducing, clustering, labelling, matching, assigning and saving every membership).
Printed: seconds vs the 300 s target, themes found, the adjusted Rand index between planted topics
and the sitewide theme each open item was put in (items in no theme count as one extra group) and
over the items placed in a theme, and the share of themes whose label's topic words (background
words aside) all come from one planted topic. JSON goes to ``bench/results/themes-<time>.json``.
Exit status 0 when the time target is met, 1 otherwise, 2 on failure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pages  # noqa: E402  (after the path is set, so this runs as a script)

TARGET_SECONDS = 300.0
DIM = 384
COSINE_TO_CENTRE = 0.55
SYLLABLES = ["ka", "lo", "mi", "ru", "te", "sa", "vo", "ne", "pi", "du", "ge", "ba", "zo", "fi"]
BACKGROUND = [
    "council", "residents", "service", "team", "pilot", "project", "year", "local", "people",
    "staff", "officers", "data", "costs", "budget", "results", "approach", "changes", "plan",
    "review", "report", "partners", "community", "support", "demand", "online", "visits",
    "managers", "lessons", "evaluation", "outcomes", "week", "month", "survey", "feedback", "trial",
]  # fmt: skip


def setup_django(var_dir: Path) -> None:
    env = pages.bench_env(var_dir, "bench.settings")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def topic_words(rng: random.Random, topics: int) -> list[list[str]]:
    seen: set[str] = set()
    out = []
    for _ in range(topics):
        words: list[str] = []
        while len(words) < 12:
            word = "".join(rng.choice(SYLLABLES) for _ in range(3))
            if word not in seen:
                seen.add(word)
                words.append(word)
        out.append(words)
    return out


def build(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from knowledgehub.knowledge.models import Item
    from knowledgehub.people.models import User
    from knowledgehub.serendipity import engine
    from knowledgehub.serendipity.models import ItemVector, ModelState

    rng = random.Random(args.seed)
    np_rng = np.random.default_rng(args.seed)
    words = topic_words(rng, args.topics)
    weights = [1.0 / (i + 1) for i in range(len(BACKGROUND))]
    centres = np_rng.normal(size=(args.topics, DIM)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    noise_norm = (1 / COSINE_TO_CENTRE**2 - 1) ** 0.5
    author = User.objects.create(username="bench-themes", name="Bench Themes")
    ct = ContentType.objects.get_for_model(User)
    now = datetime.now(UTC)
    topics = [rng.randrange(args.topics) for _ in range(args.items)]
    audiences = rng.choices(["public", "members", "private"], weights=[90, 5, 5], k=args.items)
    texts = []
    started = time.perf_counter()
    rows = []
    for n, t in enumerate(topics):
        body = rng.choices(words[t], k=8) + rng.choices(BACKGROUND, weights=weights, k=14)
        rng.shuffle(body)
        title = " ".join(rng.sample(words[t], 3))
        texts.append(engine.item_text(title, " ".join(body)))
        rows.append(
            Item(
                kind="bench",
                title=title,
                text=" ".join(body),
                url=f"/bench/{n}/",
                author=author,
                audience=audiences[n],
                published_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 360)),
                content_type=ct,
                object_id=n + 1,
            )
        )
    with transaction.atomic():
        for start in range(0, len(rows), 5000):
            Item.objects.bulk_create(rows[start : start + 5000])
    ids = list(Item.objects.order_by("pk").values_list("pk", flat=True))
    pages.log(f"{len(ids)} items written in {time.perf_counter() - started:.0f}s")
    model = engine.TfidfModel.fit(texts)
    state = ModelState.objects.create(
        version=1, terms=model.terms, idf=model.idf, item_count=len(ids)
    )
    stamp = timezone.now()
    with transaction.atomic():
        for start in range(0, len(ids), 5000):
            block = model.transform(texts[start : start + 5000])
            t = np.asarray(topics[start : start + 5000])
            noise = np_rng.normal(size=(len(t), DIM)).astype(np.float32)
            noise *= noise_norm / np.linalg.norm(noise, axis=1, keepdims=True)
            dense = centres[t] + noise
            dense /= np.linalg.norm(dense, axis=1, keepdims=True)
            ItemVector.objects.bulk_create(
                ItemVector(
                    item_id=ids[start + i],
                    tfidf=engine.pack(block[i]),
                    embedding=dense[i].astype("<f4").tobytes(),
                    model_version=state.version,
                    updated_at=stamp,
                )
                for i in range(len(t))
            )
    pages.log(f"vectors written; {time.perf_counter() - started:.0f}s in all")
    return {
        "ids": ids,
        "topics": topics,
        "audiences": audiences,
        "words": words,
        "build_seconds": round(time.perf_counter() - started, 1),
    }


def measure(args: argparse.Namespace, built: dict[str, Any]) -> dict[str, Any]:
    from sklearn.metrics import adjusted_rand_score

    from knowledgehub.themes.models import Theme, ThemeItem
    from knowledgehub.themes.services import rebuild_themes

    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 5 or done == total:
            last[0] = time.perf_counter()
            pages.log(f"{stage}: {done}/{total}")

    started = time.perf_counter()
    result = rebuild_themes(progress=progress, large=args.large)
    seconds = time.perf_counter() - started
    themes = {t.pk: t for t in Theme.objects.filter(community__isnull=True, is_active=True)}
    placed = dict(ThemeItem.objects.filter(theme_id__in=themes).values_list("item_id", "theme_id"))
    truth, found = [], []
    for item_id, topic, audience in zip(
        built["ids"], built["topics"], built["audiences"], strict=True
    ):
        if audience != "public":
            continue
        truth.append(topic)
        found.append(placed.get(item_id, -1))
    in_theme = [(t, f) for t, f in zip(truth, found, strict=True) if f != -1]
    word_topic = {w: i for i, ws in enumerate(built["words"]) for w in ws}
    pure = 0
    for theme in themes.values():
        label_words = [w for kw in theme.keywords[:3] for w in kw.split()]
        owners = {word_topic[w] for w in label_words if w in word_topic}
        pure += len(owners) == 1
    return {
        "seconds": round(seconds, 1),
        "result": result,
        "themes": len(themes),
        "ari_all_open_items": round(adjusted_rand_score(truth, found), 4),
        "ari_items_in_a_theme": round(
            adjusted_rand_score([t for t, _ in in_theme], [f for _, f in in_theme]), 4
        )
        if in_theme
        else 0.0,
        "share_open_items_in_a_theme": round(len(in_theme) / max(len(truth), 1), 4),
        "share_labels_from_one_topic": round(pure / max(len(themes), 1), 4),
        "example_labels": [t.label for t in list(themes.values())[:5]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--topics", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--large", choices=["sample", "kmeans"], default="sample")
    parser.add_argument("--var-dir", type=Path, default=Path(f"/tmp/kh-bench-themes-{os.getuid()}"))
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    try:
        host = pages.machine()
        pages.prepare_var_dir(args.var_dir, keep=False)
        setup_django(args.var_dir)
        built = build(args)
        measured = measure(args, built)
        passed = measured["seconds"] < TARGET_SECONDS
        print()
        print(
            f"rebuild_themes over {args.items} items ({args.topics} planted topics, "
            f"large pools: {args.large}): {measured['seconds']} s "
            f"(target < {TARGET_SECONDS:.0f} s: {'PASS' if passed else 'FAIL'}, "
            f"{measured['seconds'] / TARGET_SECONDS:.0%} of the budget)"
        )
        print(
            f"themes found: {measured['themes']}; adjusted Rand index vs planted topics: "
            f"{measured['ari_all_open_items']} over all open items, "
            f"{measured['ari_items_in_a_theme']} over the "
            f"{measured['share_open_items_in_a_theme']:.0%} placed in a theme; labels naming "
            f"one topic: {measured['share_labels_from_one_topic']:.0%}"
        )
        print(f"e.g. {measured['example_labels']}")
        print(json.dumps(measured["result"]))
        pages.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        out = pages.RESULTS_DIR / f"themes-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
        record = {
            "benchmark": "themes",
            "started": started.isoformat(timespec="seconds"),
            "command": " ".join([".venv/bin/python", "bench/themes.py", *sys.argv[1:]]),
            "config": {k: str(v) for k, v in vars(args).items()},
            "machine": host,
            "build_seconds": built["build_seconds"],
            **measured,
            "passed": passed,
        }
        out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        pages.log(f"result written to {out.relative_to(ROOT)}")
        return 0 if passed else 1
    except pages.BenchError as exc:
        print(f"[bench] FAILED: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
