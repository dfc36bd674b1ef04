"""Search benchmark on real text: indexing, index size, latency per query class (prints figures).

    python benchmarks/search_bench.py --docs 14000 [--engines whoosh tantivy] [--procs 2]
    python benchmarks/search_bench.py --docs 50000 --workdir DIR --reuse   # queries only

Documents are real paragraphs (vbpl and gazette texts) shuffled into new directives of
≈ 9 KB on average with varied metadata (``realtext.py``). For each engine, in a process
of its own: ``Index.rebuild`` (docs/s, MB of text/s, index size ÷ text size, peak RSS of
the process and its largest worker), then 40 queries per class through ``Index.search``
(limit 20, facets and highlights, as the web UI asks): p50/p95 wall time and CPU time.
Raw tantivy — the same tokenizer, one text field, tantivy's own snippets and a terms
aggregation, no vanthu layer — runs the same queries as the yardstick. Hostile queries
report their slowest time (each must answer or be refused within 1 s), and a late
document added to the built index its time. Totals are compared between engines.
Not a test: figures depend on the machine and its load (printed).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from realtext import generate, paragraphs  # noqa: E402

CLASSES = ("word", "3 words", "folded 3 words", "phrase", "issuer+date", "cites", "ref")
HOSTILE = ["chong~2", "quy~2 dinh~2 cua~2 cac~2", "x" * 10_000, "NOT " * 2000 + "dich",
           "(" * 300 + "dich" + ")" * 300, " ".join(["quy dinh"] * 40),
           '"quy định của" OR "theo quy định" OR "của các"', "a" * 39 + "~2"]


def peak_mb() -> float:
    """Own peak RSS plus the largest child's (workers run at the same time)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + kids) / 1024


def memory() -> dict[str, float]:
    """This process's memory now, MB: resident (VmRSS), its peak (VmHWM), and the
    anonymous part (RssAnon; the rest is files mapped from disk, which the kernel can
    drop)."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return {k: int(status[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM", "RssAnon")}


def cpu_seconds() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def queries(n_docs: int, pool: list[str], per_class: int = 40) -> dict[str, list[str]]:
    from search.analysis import fold

    rnd = random.Random(42)
    sample = list(generate(min(n_docs, 2000), pool))
    out: dict[str, list[str]] = {name: [] for name in CLASSES}
    for _ in range(per_class):
        words = re.findall(r"\w+", rnd.choice(pool).lower())
        while len(words) < 4:
            words = re.findall(r"\w+", rnd.choice(pool).lower())
        k = rnd.randrange(len(words) - 3)
        doc = rnd.choice(sample)
        out["word"].append(rnd.choice(words))
        out["3 words"].append(" ".join(words[k:k + 3]))
        out["folded 3 words"].append(fold(" ".join(words[k:k + 3])))
        out["phrase"].append('"%s"' % " ".join(words[k:k + 3]))
        out["issuer+date"].append(f'issuer:"{doc.issuer}" date:{doc.date[:4]}')
        cited = doc.citations[0].ref if doc.citations else doc.ref
        out["cites"].append(f"cites:{cited}")
        out["ref"].append(f"ref:{doc.ref}")
    return out


def text_mb(n: int, pool: list[str]) -> float:
    return sum(len(r.text.encode("utf-8")) for r in generate(n, pool)) / 2**20


# -- phases (each in a process of its own) ------------------------------------------------


def phase_build(args) -> dict:
    from archive.settings import Settings
    from search import Index

    pool = paragraphs(Path(args.workdir) / "cache")
    path = Path(args.workdir) / args.engine
    shutil.rmtree(path, ignore_errors=True)
    start, cpu = time.perf_counter(), cpu_seconds()
    if args.engine == "raw":
        raw_build(path, generate(args.docs, pool), args.procs)
    else:
        Index(path, engine=args.engine, settings=Settings()).rebuild(
            generate(args.docs, pool), procs=args.procs)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu": cpu_seconds() - cpu, "size_mb": dir_mb(path),
            "peak_mb": peak_mb()}


def _raw_index(path: Path, create: bool):
    import tantivy

    from search.tantivy_engine import _analyzer

    if create:
        b = tantivy.SchemaBuilder()
        b.add_text_field("text", stored=True, tokenizer_name="vi_fold", index_option="position")
        b.add_text_field("issuer", tokenizer_name="vi_fold", index_option="position")
        for name in ("ref", "cites"):
            b.add_text_field(name, tokenizer_name="raw", index_option="freq")
        b.add_text_field("f_issuer", fast=True, tokenizer_name="raw", index_option="basic")
        b.add_integer_field("date", indexed=True, fast=True)
        ix = tantivy.Index(b.build(), str(path))
    else:
        ix = tantivy.Index.open(str(path))
    ix.register_tokenizer("vi_fold", _analyzer(folding=True))
    return ix


def raw_build(path: Path, records, procs: int) -> None:
    import tantivy

    from search.query import ref_key

    path.mkdir(parents=True)
    ix = _raw_index(path, create=True)
    writer = ix.writer(heap_size=256_000_000, num_threads=procs)
    for r in records:
        doc = tantivy.Document()
        doc.add_text("text", f"{r.subject}\n{r.text}")
        doc.add_text("issuer", r.issuer)
        doc.add_text("ref", ref_key(r.ref))
        for c in r.citations:
            doc.add_text("cites", ref_key(c.ref))
        doc.add_text("f_issuer", r.issuer)
        doc.add_integer("date", int(r.date.replace("-", "")))
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()


def raw_search(ix, text: str) -> int:
    """The class's query straight to tantivy: parse, count, top 20, snippets, facets."""
    import tantivy

    from search.analysis import fold
    from search.query import ref_key

    schema, searcher, q = ix.schema, ix.searcher(), tantivy.Query
    if text.startswith(("ref:", "cites:")):
        name, _, value = text.partition(":")
        query = q.term_query(schema, name, ref_key(value))
    elif text.startswith("issuer:"):
        issuer, year = re.match(r'issuer:"(.*)" date:(\d+)', text).groups()
        query = q.boolean_query([
            (tantivy.Occur.Must, q.phrase_query(schema, "issuer", re.findall(r"\w+", fold(issuer)))),
            (tantivy.Occur.Must, q.range_query(schema, "date", tantivy.FieldType.Integer,
                                               int(year) * 10000, int(year) * 10000 + 9999))])
    elif text.startswith('"'):
        query = q.phrase_query(schema, "text", re.findall(r"\w+", fold(text)))
    else:  # every word, and each pair side by side adding to the score (as vanthu asks)
        words = re.findall(r"\w+", fold(text))
        query = q.boolean_query([(tantivy.Occur.Must, q.term_query(schema, "text", w)) for w in words]
                                + [(tantivy.Occur.Should, q.phrase_query(schema, "text", [a, b]))
                                   for a, b in zip(words, words[1:])])
    result = searcher.search(query, 20, count=True)
    snippets = tantivy.SnippetGenerator.create(searcher, query, schema, "text")
    for _, address in result.hits:
        snippets.snippet_from_doc(searcher.doc(address)).to_html()
    searcher.aggregate(query, {"issuer": {"terms": {"field": "f_issuer", "size": 20}}})
    return result.count


def phase_query(args) -> dict:
    from archive.errors import QueryError
    from archive.settings import Settings
    from search import Index

    pool = paragraphs(Path(args.workdir) / "cache")
    path = Path(args.workdir) / args.engine
    if args.engine == "raw":
        ix = _raw_index(path, create=False)
        run = lambda text: raw_search(ix, text)  # noqa: E731
    else:
        index = Index(path, engine=args.engine, settings=Settings(), create=False)
        index.doc_count()  # opens the engine's searcher

        def run(text: str) -> int:
            try:
                return index.search(text, limit=20, facets=True).total
            except QueryError:  # past the time limit (whoosh): refused, -1
                return -1
    out: dict = {"classes": {}, "totals": {}, "memory": {"open": memory()}}
    for name, texts in queries(args.docs, pool).items():
        run(texts[0])  # warm the caches of this class once
        wall, cpu, totals = [], [], []
        for text in texts:
            t, c = time.perf_counter(), time.process_time()
            totals.append(run(text))
            wall.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        wall.sort()
        cpu.sort()
        p95 = int(len(wall) * 0.95) - 1
        answered = [t for t in totals if t >= 0] or [0]
        out["classes"][name] = {"p50": statistics.median(wall), "p95": wall[p95],
                                "cpu50": statistics.median(cpu), "cpu95": cpu[p95],
                                "hits": statistics.mean(answered),
                                "refused": len(totals) - len([t for t in totals if t >= 0])}
        out["totals"][name] = totals
    out["memory"]["searched"] = memory()
    if args.engine != "raw":
        slowest, refused = 0.0, 0
        for text in HOSTILE:
            t = time.perf_counter()
            try:
                index.search(text, limit=20)
            except QueryError:
                refused += 1
            slowest = max(slowest, (time.perf_counter() - t) * 1000)
        out["hostile"] = {"slowest_ms": slowest, "refused": refused, "of": len(HOSTILE)}
        late = []
        for record in generate(5, pool, start=args.docs + 1):
            t = time.perf_counter()
            index.add(record)
            late.append((time.perf_counter() - t) * 1000)
        out["late_add_ms"] = {"p50": statistics.median(late), "max": max(late)}
        for record in generate(5, pool, start=args.docs + 1):
            index.delete(record.id)
        index.doc_count()
        out["memory"]["added"] = memory()
    return out


def child(phase: str, **kw) -> dict:
    cmd = [sys.executable, __file__, "--phase", phase] + [
        x for k, v in kw.items() for x in (f"--{k}", str(v))]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{phase} {kw} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=14_000)
    ap.add_argument("--engines", nargs="*", default=["tantivy", "whoosh"])
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--reuse", action="store_true", help="query the indexes built earlier in WORKDIR")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--engine", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(phase_build(args) if args.phase == "build" else phase_query(args)))
        return
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="vanthu-bench-"))
    pool = paragraphs(workdir / "cache")
    mb = text_mb(args.docs, pool)
    print(f"# {args.docs} documents, {mb:.0f} MB of text ({mb * 1024 / args.docs:.1f} KB each), "
          f"workdir {workdir}, {args.procs} procs, load average {load()}", flush=True)
    engines = args.engines + ["raw"]
    for engine in engines if not args.reuse else []:
        r = child("build", docs=args.docs, engine=engine, procs=args.procs, workdir=workdir)
        print(f"{engine:8} build: {args.docs / r['seconds']:.0f} docs/s, {mb / r['seconds']:.2f} MB/s "
              f"({r['seconds']:.0f} s, CPU {r['cpu'] / args.docs * 1000:.1f} ms/doc), "
              f"index {r['size_mb']:.0f} MB = {r['size_mb'] / mb:.2f}× text, "
              f"peak RSS {r['peak_mb']:.0f} MB; load {load()}", flush=True)
    results = {e: child("query", docs=args.docs, engine=e, procs=1, workdir=workdir) for e in engines}
    print(f"\nqueries (limit 20, facets, highlights), ms; load {load()}")
    print(f"  {'class':15}" + "".join(f" {e + ' p50':>13} {e + ' p95':>13}" for e in engines)
          + "   mean hits   same totals   refused")
    for name in CLASSES:
        row = "".join(f" {results[e]['classes'][name]['p50']:13.1f} {results[e]['classes'][name]['p95']:13.1f}"
                      for e in engines)
        totals = [results[e]["totals"][name] for e in args.engines]
        answered = [t for t in zip(*totals) if min(t) >= 0]
        same = sum(len(set(t)) == 1 for t in answered)
        refused = " ".join(f"{e} {results[e]['classes'][name]['refused']}" for e in args.engines)
        print(f"  {name:15}{row} {results[engines[0]]['classes'][name]['hits']:11.0f}   "
              f"{same}/{len(answered):<10}  {refused}")
    for e in args.engines:
        h, late = results[e]["hostile"], results[e]["late_add_ms"]
        cpu = max(results[e]["classes"][n]["cpu95"] for n in CLASSES)
        print(f"{e}: hostile queries slowest {h['slowest_ms']:.0f} ms ({h['refused']}/{h['of']} "
              f"refused); a late document added in {late['p50']:.0f} ms (max {late['max']:.0f}); "
              f"worst class CPU p95 {cpu:.1f} ms")
    for e in engines:
        print(f"{e} memory, MB: " + "; ".join(
            f"{when} RSS {m['VmRSS']:.0f} (anonymous {m['RssAnon']:.0f}), peak {m['VmHWM']:.0f}"
            for when, m in results[e]["memory"].items()))
    print(f"# load average at the end {load()}")


if __name__ == "__main__":
    main()
