"""The SPARQL store: built as whole new generations behind an atomically swapped pointer, synced
idempotently, skipped when nothing changed, and filled from the public graphs only."""

from __future__ import annotations

import fcntl
import json
import os
from io import StringIO
from pathlib import Path

import pyoxigraph as ox
import pytest
from django.core.management import call_command
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, XSD

from knowledgehub.linkeddata import store

pytestmark = pytest.mark.django_db

EX = "http://example.org/"


def graph_of(*titles: str) -> Graph:
    graph = Graph()
    for n, title in enumerate(titles):
        graph.add((URIRef(f"{EX}d{n}"), DCTERMS.title, Literal(title, lang="en")))
    return graph


def generations(root: Path) -> list[str]:
    return sorted(p.name for p in root.glob("gen-*"))


def titles(root: Path) -> set[str]:
    directory = store.current_directory(root)
    assert directory is not None
    reader = ox.Store.read_only(str(directory))
    return {s["t"].value for s in reader.query("SELECT ?t WHERE { ?d ?p ?t }")}


def test_build_makes_a_generation_and_points_at_it(tmp_path: Path) -> None:
    result = store.build_store(graph_of("Waste", "Roads"), root=tmp_path, fingerprint="f1")
    assert result.action == "built"
    assert result.triples == 2
    pointer = store.read_pointer(tmp_path)
    assert pointer is not None
    assert pointer.generation == result.generation
    assert pointer.fingerprint == "f1"
    assert titles(tmp_path) == {"Waste", "Roads"}


def test_terms_keep_their_meaning(tmp_path: Path) -> None:
    graph = Graph()
    node, blank = URIRef(EX + "x"), BNode()
    graph.add((node, DCTERMS.title, Literal("Gwastraff", lang="cy")))
    graph.add((node, DCTERMS.extent, Literal(42, datatype=XSD.integer)))
    graph.add((node, DCTERMS.description, Literal('plain "quoted"\ntext')))
    graph.add((node, DCTERMS.creator, blank))
    graph.add((blank, DCTERMS.title, Literal("someone")))
    store.build_store(graph, root=tmp_path)
    reader = ox.Store.read_only(str(store.current_directory(tmp_path)))
    rows = list(
        reader.query(
            f"SELECT ?cy ?n ?d ?who WHERE {{ <{EX}x> <{DCTERMS.title}> ?cy ; "
            f"<{DCTERMS.extent}> ?n ; <{DCTERMS.description}> ?d ; "
            f"<{DCTERMS.creator}>/<{DCTERMS.title}> ?who }}"
        )
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["cy"].value, row["cy"].language) == ("Gwastraff", "cy")
    assert row["n"].datatype.value == str(XSD.integer)
    assert row["d"].value == 'plain "quoted"\ntext'
    assert row["who"].value == "someone"


def test_sync_is_idempotent_and_skips_when_nothing_changed(tmp_path: Path) -> None:
    first = store.sync_store(root=tmp_path, source=graph_of("Waste"), fingerprint="v1")
    again = store.sync_store(root=tmp_path, source=graph_of("Waste"), fingerprint="v1")
    assert first.action == "built"
    assert again.action == "unchanged"
    assert again.generation == first.generation
    assert generations(tmp_path) == [first.generation]


def test_a_new_fingerprint_with_the_same_triples_keeps_the_store(tmp_path: Path) -> None:
    first = store.sync_store(root=tmp_path, source=graph_of("Waste"), fingerprint="v1")
    same = store.sync_store(root=tmp_path, source=graph_of("Waste"), fingerprint="v2")
    assert same.action == "unchanged"
    assert generations(tmp_path) == [first.generation]
    pointer = store.read_pointer(tmp_path)
    assert pointer is not None and pointer.fingerprint == "v2"
    # ...and the next sync with that fingerprint does not even build.
    source_used = []

    def source():  # type: ignore[no-untyped-def]
        source_used.append(True)
        yield graph_of("Waste")

    assert store.sync_store(root=tmp_path, source=source(), fingerprint="v2").action == "unchanged"
    assert not source_used


def test_changed_triples_make_a_new_generation(tmp_path: Path) -> None:
    first = store.sync_store(root=tmp_path, source=graph_of("Waste"), fingerprint="v1")
    second = store.sync_store(root=tmp_path, source=graph_of("Waste", "Roads"), fingerprint="v2")
    assert second.action == "built"
    assert second.generation != first.generation
    assert titles(tmp_path) == {"Waste", "Roads"}
    # The previous generation stays for queries still reading it.
    assert set(generations(tmp_path)) == {first.generation, second.generation}


def test_force_rebuilds(tmp_path: Path) -> None:
    first = store.sync_store(root=tmp_path, source=graph_of("Waste"), fingerprint="v1")
    forced = store.sync_store(root=tmp_path, source=graph_of("Waste"), fingerprint="v1", force=True)
    assert forced.action == "built"
    assert forced.generation != first.generation


def test_old_generations_are_pruned_but_current_and_previous_kept(tmp_path: Path) -> None:
    built = [
        store.build_store(graph_of(f"T{n}"), root=tmp_path, fingerprint=str(n)).generation
        for n in range(4)
    ]
    deleted = store.prune(tmp_path, stale_after=0)
    assert set(generations(tmp_path)) == {built[-1], built[-2]}
    assert set(deleted) <= set(built[:2])
    assert titles(tmp_path) == {"T3"}


def test_generations_too_young_are_not_pruned(tmp_path: Path) -> None:
    for n in range(3):
        store.build_store(graph_of(f"T{n}"), root=tmp_path)
    assert store.prune(tmp_path) == []  # default: only generations older than STALE_AFTER
    assert len(generations(tmp_path)) == 3


def test_a_concurrent_sync_does_nothing(tmp_path: Path) -> None:
    store.sync_store(root=tmp_path, source=graph_of("Waste"), fingerprint="v1")
    with open(tmp_path / store.LOCK, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        busy = store.sync_store(root=tmp_path, source=graph_of("Roads"), fingerprint="v2")
    assert busy.action == "busy"
    assert titles(tmp_path) == {"Waste"}


def test_a_failed_build_leaves_the_current_store_alone(tmp_path: Path) -> None:
    first = store.sync_store(root=tmp_path, source=graph_of("Waste"), fingerprint="v1")

    def broken():  # type: ignore[no-untyped-def]
        yield graph_of("Half")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        store.sync_store(root=tmp_path, source=broken(), fingerprint="v2")
    assert generations(tmp_path) == [first.generation]
    assert titles(tmp_path) == {"Waste"}


def test_an_unreadable_pointer_means_no_store(tmp_path: Path) -> None:
    assert store.read_pointer(tmp_path) is None
    (tmp_path / store.CURRENT).write_text("not json")
    assert store.current_directory(tmp_path) is None
    (tmp_path / store.CURRENT).write_text(json.dumps({"generation": "../../etc"}))
    assert store.current_directory(tmp_path) is None


def test_the_pointer_is_replaced_atomically(tmp_path: Path) -> None:
    store.build_store(graph_of("Waste"), root=tmp_path)
    inode = os.stat(tmp_path / store.CURRENT).st_ino
    store.build_store(graph_of("Roads"), root=tmp_path)
    assert os.stat(tmp_path / store.CURRENT).st_ino != inode  # a new file renamed over the old
    assert not list(tmp_path.glob(".CURRENT*"))


def test_the_store_path_comes_from_settings(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.KH_SPARQL_STORE_PATH = str(tmp_path / "here")
    assert store.store_root() == tmp_path / "here"


@pytest.mark.django_db(transaction=True)  # real commits: the content version moves on commit
def test_sync_from_the_site_and_the_command(settings, tmp_path: Path, alice) -> None:  # type: ignore[no-untyped-def]
    from knowledgehub.linkeddata.tasks import sync_sparql_store

    from .helpers import make_dataset

    settings.KH_SPARQL_STORE_PATH = str(tmp_path / "site")
    make_dataset(alice, title="Open data")
    out = StringIO()
    call_command("sync_sparql", stdout=out)
    assert "Built gen-" in out.getvalue()
    again = StringIO()
    call_command("sync_sparql", stdout=again)
    assert "Unchanged" in again.getvalue()
    assert "Open data" in titles(tmp_path / "site")
    make_dataset(alice, title="More data")  # a change bumps the content version
    assert sync_sparql_store().action == "built"
    assert {"Open data", "More data"} <= titles(tmp_path / "site")
    assert sync_sparql_store().action == "unchanged"
