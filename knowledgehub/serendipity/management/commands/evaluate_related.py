"""``manage.py evaluate_related FILE``: measure related-item quality on a labelled corpus.

Reads ``.jsonl`` lines or a ``.json`` list of ``{"id", "text", "label"}`` records (``id`` and
``title`` optional), or the Lee corpus shape ``{"docs": [...], "sim": [[...]]}`` (human
similarity ratings). The records are indexed in memory only, never in the database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from knowledgehub.serendipity import engine

K = 10


Corpus = tuple[list[tuple[str, str]], list[str | None], list[list[float]] | None]


def read_corpus(path: Path) -> Corpus:
    """((title, text) per record, labels, human similarity matrix or None)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"Cannot read {path}: {exc}") from exc
    records: Any
    try:
        if path.suffix == ".jsonl":
            records = [json.loads(line) for line in raw.splitlines() if line.strip()]
        else:
            records = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path} is not valid JSON: {exc}") from exc
    if isinstance(records, dict) and isinstance(records.get("docs"), list):
        pairs = [("", str(d)) for d in records["docs"]]
        sim = records.get("sim")
        if not (isinstance(sim, list) and len(sim) == len(pairs)):
            sim = None
        return pairs, [None] * len(pairs), sim
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise CommandError(
            f'{path}: expected JSON records like {{"id", "text", "label"}}, or {{"docs", "sim"}}.'
        )
    docs: list[tuple[str, str]] = []
    labels: list[str | None] = []
    for n, record in enumerate(records, start=1):
        if not isinstance(record.get("text"), str):
            raise CommandError(f'{path}: record {n} has no "text".')
        docs.append((str(record.get("title", "")), record["text"]))
        label = record.get("label")
        labels.append(None if label is None else str(label))
    return docs, labels, None


def precision_at_k(ranked: list[list[int]], labels: list[str | None], k: int = K) -> float | None:
    scores = []
    for i, neighbours in enumerate(ranked):
        if labels[i] is None:
            continue
        top = neighbours[:k]
        scores.append(sum(labels[j] == labels[i] for j in top) / k)
    return float(np.mean(scores)) if scores else None


def rank(sim: np.ndarray) -> list[list[int]]:
    sim = sim.copy()
    np.fill_diagonal(sim, -np.inf)
    return [list(np.argsort(-row, kind="stable")) for row in sim]


def pairs_r(sim: np.ndarray, human: list[list[float]]) -> float:
    n = sim.shape[0]
    upper = np.triu_indices(n, k=1)
    return engine.pearson(sim[upper].tolist(), np.asarray(human, dtype=float)[upper].tolist())


class Command(BaseCommand):
    help = "Measure related-item quality (precision@10; Pearson r with --pairs) on a corpus."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="A .json or .jsonl corpus")
        parser.add_argument(
            "--pairs", action="store_true", help="Pearson r against human similarity ratings"
        )
        parser.add_argument("--seed", type=int, default=0, help="Seed for the random baseline")
        parser.add_argument(
            "--weights",
            default="",
            help="Also print the blend at these embedding weights (comma-separated, 0-1), to "
            "choose engine.EMBEDDING_WEIGHT",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        docs, labels, human = read_corpus(path)
        if len(docs) < 2:
            raise CommandError(f"{path}: need at least two records.")
        try:
            weights = [float(w) for w in options["weights"].split(",") if w.strip()]
        except ValueError as exc:
            raise CommandError(f"--weights: not a list of numbers: {exc}") from exc
        if any(not 0 <= w <= 1 for w in weights):
            raise CommandError("--weights: each weight must be between 0 and 1.")
        texts = [engine.item_text(title, text) for title, text in docs]
        tfidf_engine = self._tfidf_similarity(texts)
        embedded = engine.embed([engine.embed_text(title, text) for title, text in docs])
        embedding_sim = None if embedded is None else np.asarray(embedded @ embedded.T)
        engine_sim = engine.blend(tfidf_engine, embedding_sim)
        plain = TfidfVectorizer().fit_transform(texts)
        tfidf_sim = np.asarray((plain @ plain.T).toarray())
        rng = np.random.default_rng(options["seed"])
        random_sim = rng.random((len(texts), len(texts)))
        random_sim = (random_sim + random_sim.T) / 2
        self.stdout.write(
            f"items={len(texts)} file={path.name} engine="
            + (
                f"embeddings+tfidf (embedding weight {engine.EMBEDDING_WEIGHT})"
                if embedding_sim is not None
                else "tfidf (no embedding model installed or KH_EMBEDDINGS off)"
            )
        )
        systems = [("engine", engine_sim), ("tfidf", tfidf_sim), ("random", random_sim)]
        if embedding_sim is not None:
            systems += [("engine_tfidf_only", tfidf_engine), ("embeddings_only", embedding_sim)]
            systems += [
                (f"blend_w{w:g}", w * embedding_sim + (1 - w) * tfidf_engine) for w in weights
            ]
        if any(label is not None for label in labels):
            for name, sim in systems:
                p = precision_at_k(rank(sim), labels)
                self.stdout.write(f"{name}: precision_at_{K}={p:.4f}")
        else:
            self.stdout.write(f"precision_at_{K}=n/a (the file has no labels)")
        if options["pairs"]:
            if human is None:
                self.stdout.write("pearson_r=n/a (the file has no human similarity ratings)")
            else:
                for name, sim in systems:
                    self.stdout.write(f"{name}: pearson_r={pairs_r(sim, human):.4f}")

    def _tfidf_similarity(self, texts: list[str]) -> np.ndarray:
        """Cosine similarity under the production TF-IDF model and its truncated vectors."""
        model = engine.TfidfModel.fit(texts)
        vectors = sparse.csr_matrix(model.transform(texts))
        return np.asarray((vectors @ vectors.T).toarray())
