"""The management commands: the rebuild shows progress; evaluate_related prints three numbers."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from knowledgehub.serendipity.models import ItemVector, RelatedItem
from knowledgehub.testing.factories import ItemFactory

TOPICS = {
    "waste": "recycling food waste bins kerbside collection caddies landfill compost",
    "parking": "parking permits residents zones wardens meters tickets bays",
    "care": "social care home carers assessment packages adults elderly",
}


def _records(n_per_label: int = 12) -> list[dict[str, str]]:
    records = []
    for label, words in TOPICS.items():
        vocab = words.split()
        for i in range(n_per_label):
            picked = [vocab[(i * 3 + k) % len(vocab)] for k in range(5)]
            records.append({"id": f"{label}-{i}", "text": " ".join(picked), "label": label})
    return records


def _numbers(out: str) -> dict[str, float]:
    return {m[0]: float(m[1]) for m in re.findall(r"(\w+): precision_at_10=([0-9.]+)", out)}


def test_evaluate_related_prints_engine_tfidf_and_random(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in _records()))
    out = StringIO()
    call_command("evaluate_related", str(path), stdout=out)
    numbers = _numbers(out.getvalue())
    assert set(numbers) == {"engine", "tfidf", "random"}
    assert numbers["engine"] > 0.9  # the topics share no words: neighbours are all same-label
    assert numbers["random"] < 0.6
    assert "no embedding model installed" in out.getvalue()


def test_evaluate_related_reads_json_lists_and_pairs(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps([{"text": r["text"], "label": r["label"]} for r in _records()]))
    out = StringIO()
    call_command("evaluate_related", str(path), stdout=out)
    assert len(_numbers(out.getvalue())) == 3
    records = _records(3)
    docs = [r["text"] for r in records]
    sim = [[1.0 if a["label"] == b["label"] else 0.0 for b in records] for a in records]
    lee = tmp_path / "lee.json"
    lee.write_text(json.dumps({"docs": docs, "sim": sim}))
    out = StringIO()
    call_command("evaluate_related", str(lee), "--pairs", stdout=out)
    text = out.getvalue()
    assert "precision_at_10=n/a" in text
    r = dict(re.findall(r"(\w+): pearson_r=(-?[0-9.]+)", text))
    assert set(r) == {"engine", "tfidf", "random"}
    assert float(r["engine"]) > 0.5


@pytest.mark.parametrize("content", ["not json", '{"a": 1}', '[{"label": "x"}]'])
def test_evaluate_related_refuses_bad_files_clearly(tmp_path, content):  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError):
        call_command("evaluate_related", str(path), stdout=StringIO())


def test_evaluate_related_missing_file(tmp_path):  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("evaluate_related", str(tmp_path / "nope.json"), stdout=StringIO())


@pytest.mark.django_db
def test_rebuild_serendipity_shows_progress(db):  # type: ignore[no-untyped-def]
    for record in _records(4):
        ItemFactory(title=record["label"], text=record["text"])
    out = StringIO()
    call_command("rebuild_serendipity", stdout=out)
    assert "vectors 12/12" in out.getvalue()
    assert "neighbours 12/12" in out.getvalue()
    assert ItemVector.objects.count() == 12
    assert RelatedItem.objects.exists()


@pytest.mark.django_db
def test_rebuild_with_no_items(db):  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("rebuild_serendipity", stdout=out)
    assert "0 items" in out.getvalue()
