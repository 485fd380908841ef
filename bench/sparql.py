"""SPARQL benchmark: a typical DCAT query through ``/sparql`` against the same query straight on
pyoxigraph, over a catalogue of 10,000 datasets.

    .venv/bin/python bench/sparql.py [--datasets 10000] [--repeat 200] [--skip-runaway]

The issue's target: "SPARQL: a catalogue of 10,000 datasets; p95 for a typical DCAT query
through /sparql vs the same query straight on pyoxigraph (ratio)."

The catalogue is synthetic DCAT-AP, shaped like ``linkeddata.rdf.dataset_graph`` output: each
dataset has a title, description, publisher (one of 382 councils with a name), 1-3 EU data
themes, 3 keywords, issued/modified dates, licence, frequency, spatial coverage, a contact point
(a blank node) and 1-2 distributions with download URL, format, media type and size. It is built
as rdflib triples and loaded with ``store.build_store`` (the worker's own path), into a scratch
directory (``KH_VAR_DIR``, default ``/tmp/kh-bench-sparql-$UID``; ``var/`` is never touched).

The queries, each run ``--repeat`` times, alternating between the three ways:

* **direct**: ``Store.read_only(dir).query(q)`` serialised with pyoxigraph's own JSON writer,
  in this process (no limits, no process hop: the floor);
* **run_query**: ``sparql.run_query`` (checks, the round trip to a pre-started query process,
  our size-checked JSON writer);
* **/sparql**: a GET through Django's test client, the full middleware stack included.

It also times one runaway query being stopped (``KH_SPARQL_TIMEOUT``, 5 s) and the time until a
replacement query process answers. Prints a table and writes JSON to
``bench/results/sparql-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pages  # noqa: E402  (after the path is set, so this runs as a script)

SITE = "https://hub.example.gov.uk"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
THEMES = [
    "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL",
    "INTR", "JUST", "REGI", "SOCI", "TECH", "TRAN",
]  # fmt: skip
FREQUENCIES = ["ANNUAL", "QUARTERLY", "MONTHLY", "WEEKLY", "IRREG"]
WORDS = (  # noqa: SIM905 - a word list reads better as text
    "waste recycling housing planning roads transport schools libraries parks health care "
    "adults children budget spending council tax benefits homelessness licensing parking "
    "air quality noise flooding energy carbon population census elections births deaths "
    "business rates grants tourism leisure sport allotments cemeteries street lighting"
).split()
SCRATCH_MARKER = ".kh-bench-sparql"

QUERIES = {
    "theme": """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?dataset ?title ?publisher WHERE {
  ?dataset a dcat:Dataset ;
           dcat:theme <http://publications.europa.eu/resource/authority/data-theme/ENVI> ;
           dct:title ?title ;
           dct:publisher/foaf:name ?publisher .
}
ORDER BY ?title
LIMIT 50""",
    "keyword": """PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?dataset ?title ?modified WHERE {
  ?dataset a dcat:Dataset ; dcat:keyword "recycling"@en ;
           dct:title ?title ; dct:modified ?modified .
}
ORDER BY DESC(?modified)
LIMIT 50""",
    "count_by_theme": """PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT ?theme (COUNT(?dataset) AS ?datasets) WHERE {
  ?dataset a dcat:Dataset ; dcat:theme ?theme .
}
GROUP BY ?theme
ORDER BY DESC(?datasets)""",
}
PRIMARY = "theme"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def catalogue_triples(n: int, seed: int = 2026) -> Any:
    """Synthetic DCAT-AP triples for ``n`` datasets (rdflib terms, as the worker's builder gets)."""
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

    vcard = "http://www.w3.org/2006/vcard/ns#"
    rng = random.Random(seed)
    catalogue = URIRef(f"{SITE}/catalogue")
    yield catalogue, RDF.type, DCAT.Catalog
    yield catalogue, DCTERMS.title, Literal("Knowledge Hub datasets", lang="en")
    councils = [URIRef(f"{SITE}/organisations/council-{i}/") for i in range(382)]
    for i, council in enumerate(councils):
        yield council, RDF.type, FOAF.Agent
        yield council, FOAF.name, Literal(f"{rng.choice(WORDS).title()} Council {i}", lang="en")
    start = date(2015, 1, 1)
    for i in range(n):
        node = URIRef(f"{SITE}/datasets/dataset-{i}/")
        words = rng.sample(WORDS, 6)
        yield catalogue, DCAT.dataset, node
        yield node, RDF.type, DCAT.Dataset
        yield node, DCTERMS.identifier, Literal(f"dataset-{i}")
        yield node, DCTERMS.title, Literal(" ".join(words[:4]).capitalize() + f" {i}", lang="en")
        description = " ".join(rng.choices(WORDS, k=40)).capitalize() + "."
        yield node, DCTERMS.description, Literal(description, lang="en")
        yield node, DCTERMS.publisher, rng.choice(councils)
        for theme in rng.sample(THEMES, rng.randint(1, 3)):
            yield node, DCAT.theme, URIRef(EU_THEME + theme)
        for keyword in words[3:]:
            yield node, DCAT.keyword, Literal(keyword, lang="en")
        issued = start + timedelta(days=rng.randint(0, 3000))
        modified = issued + timedelta(days=rng.randint(0, 300))
        yield node, DCTERMS.issued, Literal(issued.isoformat(), datatype=XSD.date)
        yield node, DCTERMS.modified, Literal(modified.isoformat(), datatype=XSD.date)
        licence = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
        yield node, DCTERMS.license, URIRef(licence)
        yield node, DCTERMS.accrualPeriodicity, URIRef(EU_FREQUENCY + rng.choice(FREQUENCIES))
        code = f"E0{rng.randint(6, 9)}{rng.randint(0, 999999):06d}"
        yield (
            node,
            DCTERMS.spatial,
            URIRef(f"http://statistics.data.gov.uk/id/statistical-geography/{code}"),
        )
        contact = BNode()
        yield node, DCAT.contactPoint, contact
        yield contact, RDF.type, URIRef(vcard + "Kind")
        yield contact, URIRef(vcard + "fn"), Literal("Data team")
        yield contact, URIRef(vcard + "hasEmail"), URIRef(f"mailto:data{i % 382}@example.gov.uk")
        yield node, DCAT.landingPage, node
        for version in range(1, rng.randint(1, 2) + 1):
            distribution = URIRef(f"{node}#v{version}")
            yield node, DCAT.distribution, distribution
            yield distribution, RDF.type, DCAT.Distribution
            yield distribution, DCTERMS.title, Literal(f"Version {version}", lang="en")
            yield distribution, DCAT.downloadURL, URIRef(f"{node}v{version}/download.csv")
            yield distribution, DCAT.accessURL, node
            yield (
                distribution,
                DCAT.mediaType,
                URIRef("http://www.iana.org/assignments/media-types/text/csv"),
            )
            size = Literal(rng.randint(1_000, 5_000_000), datatype=XSD.nonNegativeInteger)
            yield distribution, DCAT.byteSize, size
            yield distribution, DCTERMS.license, URIRef(licence)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(times: list[float]) -> dict[str, float]:
    return {
        "n": len(times),
        "p50_ms": round(percentile(times, 50) * 1000, 3),
        "p95_ms": round(percentile(times, 95) * 1000, 3),
        "mean_ms": round(statistics.fmean(times) * 1000, 3),
    }


def setup(var_dir: Path) -> None:
    if var_dir.exists():
        if not (var_dir / SCRATCH_MARKER).exists():
            raise SystemExit(f"{var_dir} exists and was not made by this benchmark; remove it")
        shutil.rmtree(var_dir)
    var_dir.mkdir(parents=True)
    (var_dir / SCRATCH_MARKER).touch()
    env = pages.bench_env(var_dir, "bench.settings")
    env["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    env["SITE_URL"] = SITE
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import pyoxigraph

    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pyoxigraph": pyoxigraph.__version__,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--skip-runaway", action="store_true")
    parser.add_argument(
        "--var-dir",
        default=os.environ.get("KH_BENCH_VAR_DIR", f"/tmp/kh-bench-sparql-{os.getuid()}"),
    )
    args = parser.parse_args()
    var_dir = Path(args.var_dir)
    setup(var_dir)

    import pyoxigraph as ox
    from django.conf import settings
    from django.test import Client

    from knowledgehub.linkeddata import sparql, store

    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.monotonic()
    built = store.build_store(catalogue_triples(args.datasets), fingerprint="bench")
    build_seconds = time.monotonic() - started
    print(
        f"store: {built.triples:,} triples for {args.datasets:,} datasets, built in "
        f"{build_seconds:.1f}s ({built.triples / build_seconds:,.0f} triples/s) "
        f"at {store.store_root()}"
    )
    directory = store.current_directory()
    assert directory is not None
    direct_store = ox.Store.read_only(str(directory))
    client = Client()
    endpoint = "/sparql"
    accept = "application/sparql-results+json"

    def direct(query: str) -> bytes:
        body: bytes = direct_store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
        return body

    def through_run_query(query: str) -> bytes:
        return sparql.run_query(query, accept=accept)[1]

    def through_endpoint(query: str) -> bytes:
        response = client.get(f"{endpoint}?{urlencode({'query': query})}", HTTP_ACCEPT=accept)
        if response.status_code != 200:
            raise SystemExit(f"/sparql answered {response.status_code}: {response.content[:300]!r}")
        return bytes(response.content)

    ways = {"direct": direct, "run_query": through_run_query, "/sparql": through_endpoint}
    pool_started = time.monotonic()
    through_run_query("ASK {}")
    pool_start_seconds = time.monotonic() - pool_started

    results: dict[str, Any] = {}
    for name, query in QUERIES.items():
        rows = {
            way: len(json.loads(run(query))["results"]["bindings"]) for way, run in ways.items()
        }
        if len(set(rows.values())) != 1:
            raise SystemExit(f"{name}: the ways disagree on the number of rows: {rows}")
        for run in ways.values():  # warm up
            for _ in range(5):
                run(query)
        times: dict[str, list[float]] = {way: [] for way in ways}
        for _ in range(args.repeat):
            for way, run in ways.items():
                t0 = time.perf_counter()
                run(query)
                times[way].append(time.perf_counter() - t0)
        stats = {way: summary(values) for way, values in times.items()}
        floor = stats["direct"]
        results[name] = {
            "rows": rows["direct"],
            **stats,
            "ratio_p50": round(stats["/sparql"]["p50_ms"] / floor["p50_ms"], 2),
            "ratio_p95": round(stats["/sparql"]["p95_ms"] / floor["p95_ms"], 2),
            "overhead_p50_ms": round(stats["/sparql"]["p50_ms"] - floor["p50_ms"], 3),
        }

    runaway: dict[str, Any] = {}
    if not args.skip_runaway:
        timeout = float(getattr(settings, "KH_SPARQL_TIMEOUT", sparql.DEFAULT_TIMEOUT))
        t0 = time.monotonic()
        response = client.get(f"{endpoint}?{urlencode({'query': RUNAWAY})}", HTTP_ACCEPT=accept)
        stopped = time.monotonic() - t0
        t1 = time.monotonic()
        through_run_query("ASK {}")
        recovered = time.monotonic() - t1
        runaway = {
            "timeout_s": timeout,
            "status": response.status_code,
            "message": response.content.decode()[:200],
            "answered_after_s": round(stopped, 3),
            "next_query_s": round(recovered, 3),
        }
    sparql.shutdown_pool()

    print()
    print(f"{'query':<16}{'rows':>6}  {'way':<10}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}")
    for name, data in results.items():
        for way in ways:
            s = data[way]
            print(
                f"{name:<16}{data['rows']:>6}  {way:<10}{s['p50_ms']:>10.2f}{s['p95_ms']:>10.2f}"
                f"{s['mean_ms']:>10.2f}"
            )
        print(
            f"{'':<24}/sparql vs direct: p50 x{data['ratio_p50']}, p95 x{data['ratio_p95']} "
            f"(+{data['overhead_p50_ms']:.2f} ms at p50)"
        )
    print(
        f"query pool start (first query, {sparql.limits().workers} processes): "
        f"{pool_start_seconds:.2f}s"
    )
    if runaway:
        print(
            f"runaway query: HTTP {runaway['status']} after {runaway['answered_after_s']}s "
            f"(limit {runaway['timeout_s']:g}s); next query answered in {runaway['next_query_s']}s"
        )

    report = {
        "benchmark": "sparql",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine(),
        "load_average_before": load_before,
        "datasets": args.datasets,
        "triples": built.triples,
        "build_seconds": round(build_seconds, 2),
        "repeat": args.repeat,
        "primary_query": PRIMARY,
        "queries": QUERIES,
        "results": results,
        "pool_start_seconds": round(pool_start_seconds, 3),
        "runaway": runaway,
    }
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"sparql-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"\nwritten {out.relative_to(ROOT)}")
    primary = results[PRIMARY]
    print(
        f"PRIMARY ({PRIMARY}): p95 /sparql {primary['/sparql']['p95_ms']:.2f} ms vs direct "
        f"{primary['direct']['p95_ms']:.2f} ms: ratio {primary['ratio_p95']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
