"""The offline embedding model: right shape, unit length, and the known all-MiniLM-L6-v2
behaviour (paraphrases close, unrelated sentences far); off in tests unless asked for."""

from __future__ import annotations

import numpy as np
import pytest

from knowledgehub.serendipity import embedding, engine

FOOD = "A man is eating food."
BREAD = "A man is eating a piece of bread."
HORSE = "A man is riding a horse."


def test_embeddings_are_off_in_tests_by_default():  # type: ignore[no-untyped-def]
    assert engine.embed(["anything"]) is None


def test_shape_dtype_and_unit_length(embeddings):  # type: ignore[no-untyped-def]
    vectors = engine.embed([FOOD, BREAD, HORSE, "", "word " * 2000])
    assert vectors is not None
    assert vectors.shape == (5, engine.EMBED_DIM)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert engine.embed([]).shape == (0, engine.EMBED_DIM)  # type: ignore[union-attr]


def test_matches_known_minilm_similarities(embeddings):  # type: ignore[no-untyped-def]
    # sentence-transformers' all-MiniLM-L6-v2 gives 0.755 and 0.247 for these pairs (float32);
    # the int8 model is within a few hundredths.
    food, bread, horse = engine.embed([FOOD, BREAD, HORSE])  # type: ignore[misc]
    assert float(food @ bread) == pytest.approx(0.755, abs=0.05)
    assert float(food @ horse) == pytest.approx(0.247, abs=0.05)
    movie, great = engine.embed(["The new movie is awesome", "The new movie is so great"])  # type: ignore[misc]
    assert float(movie @ great) > 0.85


def test_order_and_batching_do_not_change_vectors(embeddings):  # type: ignore[no-untyped-def]
    texts = [FOOD, "short", BREAD * 20, HORSE]
    together = engine.embed(texts)
    alone = np.vstack([engine.embed([t]) for t in texts])  # type: ignore[misc]
    assert together is not None
    assert np.allclose(together, alone, atol=1e-4)


def test_pack_dense_round_trip():  # type: ignore[no-untyped-def]
    vec = np.arange(engine.EMBED_DIM, dtype=np.float32) / 100
    blob = engine.pack_dense(vec)
    assert len(blob) == engine.EMBED_DIM * 4
    assert np.array_equal(engine.unpack_dense(blob), vec)


def test_missing_model_means_none(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.KH_EMBEDDINGS = True
    settings.KH_EMBEDDING_MODEL_PATH = str(tmp_path / "nope.onnx")
    embedding.reset()
    try:
        assert not embedding.available()
        assert engine.embed(["x"]) is None
    finally:
        embedding.reset()


def test_blend_weights_both_cosines():  # type: ignore[no-untyped-def]
    tfidf, dense = np.array([0.2, 0.0]), np.array([0.6, 0.4])
    w = engine.EMBEDDING_WEIGHT
    assert np.allclose(engine.blend(tfidf, dense), w * dense + (1 - w) * tfidf)
    assert engine.blend(tfidf, None) is tfidf
