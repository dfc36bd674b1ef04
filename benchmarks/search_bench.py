"""Search benchmark: indexing speed, index size, query latency per class (prints figures).

    python benchmarks/search_bench.py --docs 10000 [--procs 1 2] [--workdir DIR]
    python benchmarks/search_bench.py --docs 50000 --index DIR --no-naive   # queries only

``--index DIR`` reuses a vanthu index built earlier (``DIR`` as printed, e.g.
``WORKDIR/vanthu-p2``) with the same ``--docs``: no indexing, only the queries.

Documents are generated from the seed texts and the dev-corpus gazette texts:
paragraphs recombined, with varied issuers, numbers, dates, signers and citations
(each cited ref is written into the text, as real directives do). Every indexing run
is a separate process so that its peak memory (incl. worker processes) is its own:
"peak RSS" is the rebuilding process's own peak plus the largest worker's peak (an
upper bound of the sum, read from ``getrusage``). CPU seconds (process plus workers)
per document and per query are reported next to wall-clock times: on a shared
machine they are far less noisy. The same queries run against a naive Whoosh schema
(StandardAnalyzer, one text field) as a yardstick. Not a test: figures are noisy.
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
SHARED = ROOT.parent / "shared"

from archive.record import Citation, Record  # noqa: E402
from archive.vntext import normalize  # noqa: E402

PLACES = ["Hoàn Kiếm", "Ba Đình", "Đống Đa", "Hai Bà Trưng", "Hà Đông", "Cầu Giấy", "Thanh Xuân",
          "Long Biên", "Tây Hồ", "Hoàng Mai", "Liên Chiểu", "Hải Châu", "Sơn Trà", "Thủ Đức"]
WARDS = ["Hòa Minh", "Hàng Trống", "Tràng Tiền", "Phúc Tân", "Yết Kiêu", "Quang Trung", "Văn Miếu"]
ISSUER_FORMS = ["Ủy ban nhân dân quận {p}", "Quận ủy {p}", "Đảng ủy phường {w}", "UBND phường {w}",
                "Ban Chỉ đạo phòng, chống dịch quận {p}", "Hội đồng nhân dân quận {p}"]
MINISTRIES = ["Bộ Tài chính", "Bộ Y tế", "Bộ Lao động - Thương binh và Xã hội", "Chính phủ",
              "Thủ tướng Chính phủ", "Thành ủy Hà Nội", "Bộ Kế hoạch và Đầu tư"]
TYPES = [("CV", "Công văn"), ("TB", "Thông báo"), ("KH", "Kế hoạch"), ("QĐ", "Quyết định"),
         ("CT", "Chỉ thị"), ("CĐ", "Công điện"), ("NQ", "Nghị quyết"), ("TT", "Thông tư")]
SYMBOLS = ["UBND-VP", "CV/QU", "CV/ĐU", "TB/TU", "QĐ-BTC", "CT-TTg", "NQ-CP", "BYT-DP", "KH-UBND"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Quốc", "Công", "Tuấn", "Thanh", "Minh"]
GIVEN = ["Long", "Khánh", "Trường", "Dũng", "Hòa", "Mai", "Chúng", "Nga", "Tuấn", "Hoan"]


def source_paragraphs() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("*.txt"))]
    dumped = Path("/tmp/corpus_text")
    if dumped.is_dir():
        texts += [p.read_text(encoding="utf-8") for p in sorted(dumped.glob("*.txt"))]
    else:
        import pdfplumber
        for pdf_path in sorted((SHARED / "corpus" / "congbao").glob("*.pdf")):
            with pdfplumber.open(pdf_path) as pdf:
                texts.append("\n".join(page.extract_text() or "" for page in pdf.pages))
    paragraphs: list[str] = []
    for text in texts:
        text = re.sub(r"<<<page[^>]*>>>", "", normalize(text))
        lines = [ln.strip() for ln in text.splitlines() if len(ln.strip()) > 20]
        for i in range(0, len(lines), 4):
            paragraphs.append(" ".join(lines[i:i + 4]))
    return paragraphs


def issuers() -> list[str]:
    out = list(MINISTRIES)
    for form in ISSUER_FORMS:
        out += [form.format(p=p, w=w) for p in PLACES for w in WARDS[:1]] if "{p}" in form else \
               [form.format(p="", w=w) for w in WARDS]
    return sorted(set(out))


def generate(n: int, paragraphs: list[str]):
    """Yield ``n`` deterministic records."""
    all_issuers = issuers()
    for i in range(n):
        rnd = random.Random(i)
        doc_type, type_name = rnd.choice(TYPES)
        number = rnd.randint(1, 3000)
        ref = f"{number}/{rnd.choice(SYMBOLS)}"
        year = rnd.randint(2015, 2026)
        date = f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        cited = []
        for _ in range(rnd.randint(0, 5)):
            j = rnd.randrange(n)
            cited.append(f"{random.Random(j).randint(1, 3000)}/{rnd.choice(SYMBOLS)}")
        body = [rnd.choice(paragraphs) for _ in range(rnd.randint(5, 14))]
        for ref_cited in cited:
            body.insert(rnd.randrange(len(body) + 1),
                        f"Thực hiện văn bản số {ref_cited} ngày {rnd.randint(1, 28)}/{rnd.randint(1, 12)}/{year}.")
        issuer = rnd.choice(all_issuers)
        signer = f"{rnd.choice(SURNAMES)} {rnd.choice(MIDDLE)} {rnd.choice(GIVEN)}"
        subject = rnd.choice(paragraphs)[:120]
        text = f"{issuer.upper()}\nSố: {ref}\n{subject}\n\n" + "\n\n".join(body) + f"\n\n{signer}"
        yield Record(id=f"doc-{i:06d}", ref=ref, number=str(number), doc_type=doc_type,
                     doc_type_name=type_name, issuer=issuer, date=date, signer=signer,
                     subject=subject, text=text,
                     citations=tuple(Citation(ref=r, number=r.split("/")[0]) for r in cited))


def peak_mb() -> float:
    """Own peak RSS plus the largest child's (workers run at the same time)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + kids) / 1024


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (user + system)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def phase_index(args) -> dict:
    paragraphs = source_paragraphs()
    path = Path(args.workdir) / f"{args.kind}-p{args.procs}"
    shutil.rmtree(path, ignore_errors=True)
    start, cpu = time.perf_counter(), cpu_seconds()
    if args.kind == "vanthu":
        from search import Index
        Index(path).rebuild(generate(args.docs, paragraphs), procs=args.procs)
    else:
        from whoosh import fields, index
        from whoosh.analysis import StandardAnalyzer
        path.mkdir(parents=True)
        schema = fields.Schema(id=fields.ID(stored=True, unique=True),
                               content=fields.TEXT(analyzer=StandardAnalyzer(), stored=True))
        writer = index.create_in(str(path), schema).writer(limitmb=256)
        for r in generate(args.docs, paragraphs):
            writer.add_document(id=r.id, content=f"{r.issuer} {r.subject} {r.date} {r.text}")
        writer.commit()
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu
    return {"docs": args.docs, "seconds": seconds, "docs_per_s": args.docs / seconds,
            "cpu_ms_per_doc": cpu / args.docs * 1000,
            "size_mb": dir_mb(path), "peak_mb": peak_mb(), "path": str(path)}


def query_classes(n: int, paragraphs: list[str]) -> dict[str, list[str]]:
    rnd = random.Random(42)
    sample = list(generate(min(n, 2000), paragraphs))
    words = [w for p in paragraphs for w in re.findall(r"\w{2,}", p.lower()) if not w.isdigit()]
    from search.analysis import fold
    classes: dict[str, list[str]] = {k: [] for k in
               ("word", "3 words", "folded 3 words", "phrase 3", "issuer+date", "cites", "ref")}
    for _ in range(40):
        para = re.findall(r"\w+", rnd.choice(paragraphs).lower())
        k = rnd.randrange(max(1, len(para) - 3))
        doc = rnd.choice(sample)
        classes["word"].append(rnd.choice(words))
        three = " ".join(rnd.choice(words) for _ in range(3))
        classes["3 words"].append(" ".join(para[k:k + 3]) if rnd.random() < 0.5 else three)
        classes["folded 3 words"].append(fold(" ".join(para[k:k + 3])))
        classes["phrase 3"].append('"%s"' % " ".join(para[k:k + 3]))
        classes["issuer+date"].append(f'issuer:"{doc.issuer}" date:{doc.date[:4]}')
        classes["cites"].append(f"cites:{rnd.choice(doc.citations).ref}" if doc.citations else f"cites:{doc.number}")
        classes["ref"].append(f"ref:{doc.ref}")
    return classes


def naive_text(query: str) -> str:
    """The same query for the one-field schema: field prefixes dropped, refs as words."""
    return re.sub(r"\b(issuer|type|signer|cites|ref|date):", "", query)


def phase_query(args) -> dict:
    paragraphs = source_paragraphs()
    classes = query_classes(args.docs, paragraphs)
    out: dict[str, dict] = {}
    if args.kind == "vanthu":
        from search import Index
        ix = Index(args.path)

        def run(q: str) -> int:
            return ix.search(q, limit=20, facets=True).total
    else:
        from whoosh import index, highlight
        from whoosh.qparser import QueryParser
        searcher = index.open_dir(args.path).searcher()
        parser = QueryParser("content", searcher.schema)

        def run(q: str) -> int:
            results = searcher.search(parser.parse(naive_text(q)), limit=20)
            results.fragmenter = highlight.ContextFragmenter()
            for hit in results:
                hit.highlights("content")
            return len(results)
    for name, queries in classes.items():
        run(queries[0])
        times, cpu, hits = [], [], []
        for q in queries:
            t, c = time.perf_counter(), time.process_time()
            hits.append(run(q))
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        times.sort()
        cpu.sort()
        out[name] = {"p50_ms": statistics.median(times), "p95_ms": times[int(len(times) * 0.95) - 1],
                     "cpu_p50_ms": statistics.median(cpu), "cpu_p95_ms": cpu[int(len(cpu) * 0.95) - 1],
                     "mean_hits": statistics.mean(hits), "zero_hit_queries": sum(h == 0 for h in hits)}
    return out


def child(phase: str, **kw) -> dict:
    cmd = [sys.executable, __file__, "--phase", phase] + [
        x for k, v in kw.items() for x in (f"--{k}", str(v))]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--procs", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--no-naive", action="store_true")
    ap.add_argument("--index", help="query this existing vanthu index (built with the same --docs)"
                                    " instead of indexing")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--kind", default="vanthu", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        args.procs = args.procs[0] if isinstance(args.procs, list) else args.procs
        result = phase_index(args) if args.phase == "index" else phase_query(args)
        print(json.dumps(result))
        return
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="vanthu-bench-"))
    print(f"# {args.docs} documents, workdir {workdir}, load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    built = {}
    for procs in ([] if args.index else args.procs):
        r = child("index", docs=args.docs, procs=procs, workdir=workdir, kind="vanthu")
        built[procs] = r
        print(f"vanthu index procs={procs}: {r['docs_per_s']:.0f} docs/s ({r['seconds']:.0f} s), "
              f"CPU {r['cpu_ms_per_doc']:.1f} ms/doc, size {r['size_mb']:.0f} MB, "
              f"peak RSS {r['peak_mb']:.0f} MB", flush=True)
    kinds = [("vanthu", args.index or built[args.procs[0]]["path"])]
    if not args.no_naive:
        r = child("index", docs=args.docs, procs=1, workdir=workdir, kind="naive")
        print(f"naive index: {r['docs_per_s']:.0f} docs/s, CPU {r['cpu_ms_per_doc']:.1f} ms/doc, "
              f"size {r['size_mb']:.0f} MB, peak RSS {r['peak_mb']:.0f} MB", flush=True)
        kinds.append(("naive", r["path"]))
    for kind, path in kinds:
        stats = child("query", docs=args.docs, kind=kind, path=path, procs=1)
        print(f"\n{kind} queries (limit 20, highlights{' + facets' if kind == 'vanthu' else ''}):")
        print(f"  {'class':16} {'p50 ms':>8} {'p95 ms':>8} {'CPU p50':>8} {'CPU p95':>8} "
              f"{'mean hits':>10} {'0-hit':>6}")
        for name, s in stats.items():
            print(f"  {name:16} {s['p50_ms']:8.1f} {s['p95_ms']:8.1f} {s['cpu_p50_ms']:8.1f} "
                  f"{s['cpu_p95_ms']:8.1f} {s['mean_hits']:10.0f} {s['zero_hit_queries']:6d}", flush=True)
    print("# load average at the end " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
