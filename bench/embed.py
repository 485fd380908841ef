"""Embedding benchmark: throughput (texts/s) of the production path ``engine.embed`` (tokenising,
length-sorted batching, pooling, normalising) against the raw onnxruntime ``session.run`` on the
same texts, tokenised beforehand in the same batches.

    .venv/bin/python bench/embed.py [--texts 500] [--words 100] [--repeat 3]

The issue's target: "embedding throughput (items/s) vs the raw model call on the same texts
(ratio >= 0.8)". Texts are generated council-flavoured prose of ``--words`` words (the search
benchmark's vocabulary). Each side runs ``--repeat`` times after a warm-up, alternating; the best
run of each is compared. Writes JSON to ``bench/results/embed-<time>.json``; exit status 0 when
the ratio is at least 0.8, 1 otherwise, 2 when the model is not installed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pages, search  # noqa: E402  (after the path is set, so this runs as a script)

TARGET_RATIO = 0.8


def texts(n: int, words: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    vocab = search.vocabulary(rng)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(vocab))]
    out = []
    for _ in range(n):
        length = rng.randint(int(words * 0.8), int(words * 1.2))
        out.append(" ".join(rng.choices(vocab, weights=weights, k=length)).capitalize() + ".")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=500)
    parser.add_argument("--words", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knowledgehub.settings")
    os.environ["KH_EMBEDDINGS"] = "1"
    import django

    django.setup()
    from knowledgehub.serendipity import embedding, engine

    started = datetime.now(UTC)
    model = embedding.get_embedder()
    if model is None:
        print("[bench] FAILED: the embedding model is not installed", file=sys.stderr)
        return 2
    corpus = texts(args.texts, args.words, args.seed)
    order = sorted(range(len(corpus)), key=lambda i: len(corpus[i]))
    batches = [
        model.tokenize([corpus[i] for i in order[s : s + embedding.BATCH]])
        for s in range(0, len(order), embedding.BATCH)
    ]
    tokens = sum(int(b["attention_mask"].sum()) for b in batches)

    def raw() -> None:
        for batch in batches:
            model.session.run(None, {k: v for k, v in batch.items() if k in model.input_names})

    def production() -> None:
        engine.embed(corpus)

    engine.embed(corpus[:64])  # warm up both paths
    raw()
    times: dict[str, list[float]] = {"raw": [], "engine.embed": []}
    for _ in range(args.repeat):
        for name, fn in (("raw", raw), ("engine.embed", production)):
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    rate = {name: len(corpus) / min(values) for name, values in times.items()}
    ratio = rate["engine.embed"] / rate["raw"]
    passed = ratio >= TARGET_RATIO
    print(
        f"texts={len(corpus)} words~{args.words} tokens/text={tokens / len(corpus):.0f} "
        f"threads={model.session.get_session_options().intra_op_num_threads}"
    )
    for name, value in rate.items():
        print(f"{name:14} {value:8.1f} texts/s  (best of {args.repeat}: {min(times[name]):.2f}s)")
    print(f"ratio engine.embed/raw = {ratio:.3f} (target >= {TARGET_RATIO})")
    pages.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = pages.RESULTS_DIR / f"embed-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    record = {
        "benchmark": "embed",
        "started": started.isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/embed.py", *sys.argv[1:]]),
        "config": vars(args),
        "machine": pages.machine(),
        "git": pages.git_state(),
        "texts_per_s": {k: round(v, 1) for k, v in rate.items()},
        "ratio": round(ratio, 3),
        "passed": passed,
    }
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    pages.log(f"result written to {out.relative_to(ROOT)}: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
