"""Field accuracy of ``ingest.parser.parse`` against the dev corpus' truth.jsonl and vbpl.

    .venv/bin/python benchmarks/parser_accuracy.py [--corpus DIR] [--ocr-cache DIR] [-q]

Two sets: the 37 documents of ``corpus/truth.jsonl`` (gazette PDFs and scans) and the 503
texts of ``corpus/vbpl`` (number, type and subject truth from vbpl.vn's database). Parse
time per document is measured in-process (the parser's budget is 100 ms a document).

Text comes from pdfplumber for PDFs with a text layer. Image-only PDFs and scans are read
with ``ingest.readers.read(path, Settings())`` when that function exists — the text the
ingest pipeline parses, pages joined by a blank line — and that text is saved to
``--ocr-cache`` (``<stem>.txt``); with ``--no-readers`` the cache is read instead (OCR takes
minutes, parsing milliseconds), else (PDFs only) pdfplumber's text is used anyway.
Refs are compared with ``normalize_ref``; names and subjects after ``normalize``, case- and
space-insensitively ("..." in a truth subject stands for any text); dates exactly.
"""
from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.record import Record, Word  # noqa: E402
from ingest.parser import parse  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from truth import matches, matches_abridged  # noqa: E402  (the parser tests' comparison)

FIELDS = ("ref", "doc_type_name", "issuer", "date", "signer", "subject")
VBPL_FIELDS = ("ref", "doc_type", "subject")
BODY_CHARS_PER_PAGE = 200  # below this a page's "text layer" is only the running header


def pdf_pages(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def has_text_layer(pages: list[str]) -> bool:
    """Judge by body text per page, not by whether any text came back (reference §5)."""
    body = [len(re.sub(r"^.*CÔNG BÁO/Số.*$", "", p, flags=re.MULTILINE).strip()) for p in pages]
    return bool(body) and sum(body) / len(body) >= BODY_CHARS_PER_PAGE


Words = tuple[tuple[Word, ...], ...]


def read_with_readers(path: Path) -> tuple[str, Words] | None:
    try:
        readers = importlib.import_module("ingest.readers")
        settings_mod = importlib.import_module("archive.settings")
    except ImportError:
        return None
    read = getattr(readers, "read", None)
    if read is None:
        return None
    document = read(path, settings_mod.Settings())
    return document.text, document.words  # as vanthu.pipeline parses it


def _save_words(path: Path, words: Words) -> None:
    path.write_text(json.dumps([[[w.text, w.confidence, *w.box] for w in page] for page in words],
                               ensure_ascii=False), encoding="utf-8")


def _load_words(path: Path) -> Words:
    if not path.exists():
        return ()
    pages = json.loads(path.read_text(encoding="utf-8"))
    return tuple(tuple(Word(t, c, (x0, y0, x1, y1)) for t, c, x0, y0, x1, y1 in page)
                 for page in pages)


def document_text(path: Path, ocr_cache: Path, use_readers: bool) -> tuple[str, Words, str]:
    """(text, a scan's OCR words, how it was obtained)."""
    pages = pdf_pages(path) if path.suffix.lower() == ".pdf" else []
    if pages and has_text_layer(pages):
        return "\n".join(pages), (), "pdfplumber"
    cached = ocr_cache / f"{path.stem}.txt"
    cached_words = ocr_cache / f"{path.stem}.words.json"
    if use_readers:
        got = read_with_readers(path)
        if got is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_text(got[0], encoding="utf-8")
            _save_words(cached_words, got[1])
            return got[0], got[1], "readers"
    if cached.exists():
        return cached.read_text(encoding="utf-8"), _load_words(cached_words), "ocr-cache"
    return "\n".join(pages), (), "pdfplumber (no OCR)"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--ocr-cache", type=Path, default=Path("/tmp/corpus_ocr"))
    ap.add_argument("--no-readers", action="store_true", help="never call ingest.readers.read")
    ap.add_argument("--vbpl", type=Path, default=None, help="vbpl folder (default: CORPUS/vbpl)")
    ap.add_argument("-q", "--quiet", action="store_true", help="table only, no mismatches")
    args = ap.parse_args(argv)
    corpus_table(args)
    vbpl_table(args.vbpl or args.corpus / "vbpl", args.quiet)
    return 0


def corpus_table(args: argparse.Namespace) -> None:

    lines = (args.corpus / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    truths = [json.loads(line) for line in lines if line]
    tally: dict[str, dict[str, list[int]]] = {}
    mismatches: list[str] = []
    slowest = 0.0
    review = {field: dict.fromkeys(OUTCOMES, 0) for field in ("ref", "date")}
    for truth in truths:
        path = args.corpus / truth["file"]
        text, words, how = document_text(path, args.ocr_cache, not args.no_readers)
        group = "text layer" if how == "pdfplumber" else "OCR"
        started = time.perf_counter()
        record = parse(text, words)
        slowest = max(slowest, time.perf_counter() - started)
        for field in ("ref", "date"):
            if truth.get(field) and not str(truth[field]).startswith("("):
                review[field][_outcome(field, record, truth[field])] += 1
        for field in FIELDS:
            want = truth.get(field)
            if isinstance(want, str) and want.startswith("("):
                continue  # an annotation such as "(header strip)", not a value
            got = getattr(record, field)
            ok = matches(field, got, want)
            for key in (group, "all"):
                cell = tally.setdefault(field, {}).setdefault(key, [0, 0])
                cell[0] += ok
                cell[1] += 1
            if not ok:
                mismatches.append(f"{Path(truth['file']).name} [{how}] {field}: "
                                  f"got {got!r} want {want!r}")
            if field == "subject":  # once more with its case (capitals written back)
                for key in (group, "all"):
                    cell = tally.setdefault("subject, cased", {}).setdefault(key, [0, 0])
                    cell[0] += matches(field, got, want, cased=True)
                    cell[1] += 1

    groups = ("text layer", "OCR", "all")
    print(f"{'field':<15}" + "".join(f"{g:>18}" for g in groups))
    for field in (*FIELDS, "subject, cased"):
        cells = []
        for g in groups:
            ok, n = tally.get(field, {}).get(g, [0, 0])
            cells.append(f"{ok}/{n} {100 * ok / n:5.1f}%" if n else "-")
        print(f"{field:<15}" + "".join(f"{c:>18}" for c in cells))
    print(f"slowest parse: {slowest * 1000:.1f} ms")
    print("\nnumber and date against needs_review (all 37; a wrong value must be marked):")
    for field, counts in review.items():
        print(f"{field:<6}" + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if not args.quiet:
        print("\nmismatches:")
        print("\n".join(f"  {m}" for m in mismatches) or "  none")


OUTCOMES = ("right", "right but marked", "wrong and marked", "wrong, NOT marked", "null, marked",
            "null")


def _outcome(field: str, record: Record, want: str) -> str:
    marked = ("number" if field == "ref" else field) in record.needs_review
    got = getattr(record, field)
    if got is None:
        return "null, marked" if marked else "null"
    if matches(field, got, want):
        return "right but marked" if marked else "right"
    return "wrong and marked" if marked else "wrong, NOT marked"


def vbpl_table(folder: Path, quiet: bool) -> None:
    """Number, type and subject on the vbpl texts. vbpl gives no subject for a law (its
    database title is the law's name): those rows are not counted for the subject. Its
    titles are often cut, so the subject is also reported with a cut title counted as
    right when it is the parsed subject's beginning (``matches_abridged``), and once more
    with its case as well (a title printed in capitals, written back in running case)."""
    lines = (folder / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    truths = [json.loads(line) for line in lines if line]
    tally = {field: [0, 0] for field in VBPL_FIELDS + ("subject, cut titles",
                                                       "subject, cut, cased")}
    mismatches: list[str] = []
    wall: list[float] = []
    cpu: list[float] = []
    for truth in truths:
        text = (folder / truth["file"]).read_text(encoding="utf-8")
        started, started_cpu = time.perf_counter(), time.process_time()
        record = parse(text)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        for field in VBPL_FIELDS:
            want = truth.get(field)
            if field == "subject" and want is None:
                continue
            got = getattr(record, field)
            ok = matches(field, got, want)
            tally[field][0] += ok
            tally[field][1] += 1
            if field == "subject":
                cell = tally["subject, cut titles"]
                cell[0] += matches_abridged(field, got, want)
                cell[1] += 1
                cell = tally["subject, cut, cased"]
                cell[0] += matches_abridged(field, got, want, cased=True)
                cell[1] += 1
            if not ok:
                mismatches.append(f"{truth['file']} {field}: got {got!r} want {want!r}")
    print(f"\nvbpl ({len(truths)} texts)")
    for field, (ok, n) in tally.items():
        print(f"{field:<21}{ok:>6}/{n} {100 * ok / n:5.1f}%")
    for name, times in (("wall", wall), ("cpu", cpu)):
        times.sort()
        print(f"parse time ({name}): mean {1000 * sum(times) / len(times):.1f} ms, "
              f"median {1000 * times[len(times) // 2]:.1f} ms, "
              f"p95 {1000 * times[int(0.95 * (len(times) - 1))]:.1f} ms, max {1000 * times[-1]:.1f} ms")
    if not quiet:
        print("\nvbpl mismatches:")
        print("\n".join(f"  {m}" for m in mismatches) or "  none")


if __name__ == "__main__":
    raise SystemExit(main())
