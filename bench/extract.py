"""Extraction benchmark: MB/s of text extraction from PDFs and .docx files, ours against a bare
baseline on the same files.

    .venv/bin/python bench/extract.py [--rounds 2]

The issue's target: "Text extraction: MB/s for PDFs and docx versus pypdf alone on the same files
(ratio)". This script reports numbers (the machine is shared and noisy); it is not a timed test.

Ours is ``knowledgehub.library.extract.extract_text`` (bounded: at most 200 pages, 200 KiB of
text, 20 MiB read from a ZIP member, 5 s). The baselines:

* **PDF**: pypdf alone, ``"\\n".join(page.extract_text() for page in PdfReader(f).pages)``;
* **docx**: pypdf cannot read .docx, so a naive reader: ``zipfile`` opens the file,
  ``ElementTree`` parses ``word/document.xml`` and the text of each ``w:p`` is joined.

The files are generated in memory at the start of the run (nothing is written to disk), from a
fixed seed so every run measures the same bytes:

* ``pdf``: ``--pdfs`` PDFs (default 50) of 15 to 30 A4 pages each, with Helvetica text in
  Flate-compressed content streams (about 60 lines of about 90 characters a page), all within
  our extractor's bounds, so both sides extract the same text;
* ``pdf, over the bounds``: one PDF of 400 pages (more than our 200-page and 200 KiB limits):
  here ours stops early by design, so its MB/s is not like for like and is shown only to make
  the bound visible;
* ``docx``: ``--docx`` files (default 40) of 600 to 1,500 paragraphs each, deflated as Word does.

Each round times both sides over every file of a set, alternating which side goes first, and the
totals over ``--rounds`` rounds give MB/s (file bytes, 1 MB = 10^6 bytes) and the ratio
ours ÷ baseline. The script checks that both sides extracted the same text (whitespace aside)
for the sets within bounds.

Prints a table and writes JSON to ``bench/results/extract-<time>.json``. Exit status 0 on a
completed run, 2 when it fails.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pages  # noqa: E402  (after the path is set, so this runs as a script)

WORDS = (  # noqa: SIM905 (a sentence is easier to read and edit than a list)
    "council residents service housing planning data team budget pilot approach outcome "
    "community social care waste library digital procurement climate transport health review "
    "consultation strategy delivery partnership evidence report quarter performance demand "
    "officer manager director cabinet scrutiny committee ward district county borough unitary "
    "improvement transformation savings investment capital revenue grant funding bid framework "
    "(pilot) [draft] 2026/27 £1.2m 14% — résumé naïve café"
).split()
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def sentence(rng: random.Random, length: int) -> str:
    out: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(WORDS)
        out.append(word)
        size += len(word) + 1
    return " ".join(out).capitalize() + "."


# --- generating files ---------------------------------------------------------------------------


def _pdf_literal(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (Latin-1 covers our words; £ and é included)."""
    raw = text.replace("—", "-").encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(rng: random.Random, pages_count: int, lines: int = 60) -> bytes:
    """A valid PDF with ``pages_count`` pages of text, written by hand (no PDF writer needed)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids: list[int] = []
    for _ in range(pages_count):
        ops = [b"BT /F1 9 Tf 11 TL 40 800 Td"]
        for _line in range(lines):
            ops.append(_pdf_literal(sentence(rng, rng.randint(70, 100))) + b" Tj T*")
        ops.append(b"ET")
        stream = zlib.compress(b"\n".join(ops), 6)
        content = add(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
            + stream
            + b"\nendstream"
        )
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                % (pages_obj, font, content)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, catalog, xref)
    )
    return out.getvalue()


def make_docx(rng: random.Random, paragraphs: int) -> bytes:
    """A minimal valid .docx: content types, package relationships and word/document.xml."""
    body = []
    for _ in range(paragraphs):
        text = escape(sentence(rng, rng.randint(60, 160)))
        half = len(text) // 2
        # Two runs per paragraph, as Word writes when formatting changes mid-sentence.
        body.append(
            f'<w:p><w:r><w:t xml:space="preserve">{text[:half]}</w:t></w:r>'
            f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{text[half:]}</w:t></w:r></w:p>'
        )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W_NS}"><w:body>{"".join(body)}</w:body></w:document>'
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("word/document.xml", document)
    return out.getvalue()


# --- the baselines ------------------------------------------------------------------------------


def pypdf_alone(f: IO[bytes]) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(f).pages)


def naive_docx(f: IO[bytes]) -> str:
    with zipfile.ZipFile(f) as archive:
        root = ET.fromstring(archive.read("word/document.xml"))  # noqa: S314 (our own files)
    return "\n".join(
        "".join(t.text or "" for t in p.iter(f"{{{W_NS}}}t")) for p in root.iter(f"{{{W_NS}}}p")
    )


# --- measuring ----------------------------------------------------------------------------------


def normalise(text: str) -> str:
    return " ".join(text.split())


def measure_set(
    name: str,
    files: list[bytes],
    ours: Callable[[IO[bytes]], str],
    baseline: Callable[[IO[bytes]], str],
    baseline_name: str,
    rounds: int,
    *,
    same_text_expected: bool,
) -> dict[str, Any]:
    total_bytes = sum(len(data) for data in files)
    seconds = {"ours": 0.0, "baseline": 0.0}
    chars = {"ours": 0, "baseline": 0}
    mismatches = 0
    sides: list[tuple[str, Callable[[IO[bytes]], str]]] = [("ours", ours), ("baseline", baseline)]
    for number in range(rounds):
        order = sides if number % 2 == 0 else sides[::-1]
        texts: dict[str, list[str]] = {}
        for side, fn in order:
            out = []
            t = time.perf_counter()
            for data in files:
                out.append(fn(io.BytesIO(data)))
            seconds[side] += time.perf_counter() - t
            texts[side] = out
        if number == 0:
            chars = {side: sum(len(x) for x in texts[side]) for side in texts}
            mismatches = sum(
                normalise(a) != normalise(b)
                for a, b in zip(texts["ours"], texts["baseline"], strict=True)
            )
    if same_text_expected and mismatches:
        raise pages.BenchError(f"{name}: {mismatches} files gave different text on the two sides")
    mb = total_bytes * rounds / 1e6
    ours_rate = mb / seconds["ours"]
    base_rate = mb / seconds["baseline"]
    row = {
        "set": name,
        "files": len(files),
        "mb": round(total_bytes / 1e6, 2),
        "rounds": rounds,
        "baseline": baseline_name,
        "ours_mb_per_s": round(ours_rate, 2),
        "baseline_mb_per_s": round(base_rate, 2),
        "ratio": round(ours_rate / base_rate, 3),
        "ours_chars": chars["ours"],
        "baseline_chars": chars["baseline"],
        "files_with_different_text": mismatches,
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    }
    pages.log(
        f"{name:<22} ours {ours_rate:6.2f} MB/s  {baseline_name} {base_rate:6.2f} MB/s  "
        f"ratio {row['ratio']:.2f}  ({len(files)} files, {row['mb']} MB)"
    )
    return row


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| files | MB | ours MB/s | baseline | baseline MB/s | ratio "
        "| text chars (ours / baseline) |",
        "|---|--:|--:|---|--:|--:|--:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['set']} ({r['files']}) | {r['mb']:.2f} | {r['ours_mb_per_s']:.2f} | "
            f"{r['baseline']} | {r['baseline_mb_per_s']:.2f} | {r['ratio']:.2f} | "
            f"{r['ours_chars']:,} / {r['baseline_chars']:,} |"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    import pypdf

    from knowledgehub.lib import uploads
    from knowledgehub.library import extract

    rng = random.Random(args.seed)
    t = time.monotonic()
    pdfs = [make_pdf(rng, rng.randint(15, 30)) for _ in range(args.pdfs)]
    big_pdf = [make_pdf(rng, 400)]
    docxs = [make_docx(rng, rng.randint(600, 1500)) for _ in range(args.docx)]
    pages.log(
        f"generated {len(pdfs)} PDFs ({sum(map(len, pdfs)) / 1e6:.1f} MB), one 400-page PDF "
        f"({len(big_pdf[0]) / 1e6:.1f} MB) and {len(docxs)} .docx "
        f"({sum(map(len, docxs)) / 1e6:.1f} MB) in {time.monotonic() - t:.1f}s "
        f"(pypdf {pypdf.__version__})"
    )

    # A generous time budget, so that the 5 s default cannot cut a file short on a busy machine
    # (the PDFs within bounds take well under a second each).
    def ours_pdf(f: IO[bytes]) -> str:
        return extract.extract_text(f, uploads.PDF.content_type, time_budget=60)

    def ours_docx(f: IO[bytes]) -> str:
        return extract.extract_text(f, uploads.DOCX.content_type, time_budget=60)

    def ours_pdf_default(f: IO[bytes]) -> str:
        return extract.extract_text(f, uploads.PDF.content_type)

    return [
        measure_set(
            "pdf", pdfs, ours_pdf, pypdf_alone, "pypdf alone", args.rounds,
            same_text_expected=True,
        ),
        measure_set(
            "pdf, over the bounds", big_pdf, ours_pdf_default, pypdf_alone, "pypdf alone",
            args.rounds, same_text_expected=False,
        ),
        measure_set(
            "docx", docxs, ours_docx, naive_docx, "zipfile + ElementTree", args.rounds,
            same_text_expected=True,
        ),
    ]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Text extraction benchmark (see docs/benchmarks.md).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--pdfs", type=int, default=50, help="PDFs within bounds")
    parser.add_argument("--docx", type=int, default=40, help=".docx files")
    parser.add_argument("--rounds", type=int, default=2, help="times each side reads every file")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--var-dir", type=Path, default=Path(f"/tmp/kh-bench-extract-{os.getuid()}")
    )
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    var_dir: Path = args.var_dir
    try:
        host = pages.machine()
        code = pages.git_state()
        pages.prepare_var_dir(var_dir, keep=False)  # settings need a var dir; no database is used
        os.environ.update(pages.bench_env(var_dir, "bench.settings"))
        import django

        django.setup()
        rows = run(args)
        print()
        print(f"{args.rounds} rounds per side")
        print()
        print(table(rows))
        print()
        pages.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        out = pages.RESULTS_DIR / f"extract-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
        record = {
            "benchmark": "extract",
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": " ".join([".venv/bin/python", "bench/extract.py", *sys.argv[1:]]),
            "config": {
                "pdfs": args.pdfs,
                "docx": args.docx,
                "rounds": args.rounds,
                "seed": args.seed,
            },
            "machine": host,
            "git": code,
            "rows": rows,
        }
        out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        pages.log(f"result written to {out.relative_to(ROOT)}")
        return 0
    except pages.BenchError as exc:
        print(f"[bench] FAILED: {exc}", file=sys.stderr)
        return 2
    finally:
        if (var_dir / pages.SCRATCH_MARKER).exists():
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
