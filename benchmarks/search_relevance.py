"""Known-item ranking on real text: does a span of a directive's title find that directive?

    python benchmarks/search_relevance.py [--engines whoosh tantivy] [--vbpl DIR]

Indexes vbpl's 503 texts (parsed by vanthu) with each engine, then for every title in
vbpl's truth of 6 syllables or more searches a span of 2, 3 and 4 consecutive syllables
of it (one random span each, seeded), typed without diacritics and as written in lower
case, and reports where the title's own directive ranks among the first 20 hits (as the
web UI asks): the mean reciprocal rank, how often it is first, how often in the first
10. Titles come from vbpl's truth, not from the parser. The same for spans of 3 and 5
syllables of one line of each body (seeded), so that a ranking that favours titles is
seen to cost the body nothing. Many spans ("một số điều của") are in dozens of texts, so
no engine reaches 1.0: the figures compare rankings, they are no goal. Not a test.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.vntext import normalize  # noqa: E402
from ingest.parser import parse  # noqa: E402
from search import Index  # noqa: E402
from search.analysis import WORD, fold  # noqa: E402

LENGTHS = (2, 3, 4)
ASKED = 20


def records(vbpl: Path) -> tuple[list, list[tuple[str, str]], list[tuple[str, str]]]:
    """Parsed records of the vbpl texts, (id, title) of those whose truth has one, and
    (id, line) of a line of each body (of 8 syllables or more, past the header)."""
    out, titles, lines = [], [], []
    rnd = random.Random(11)
    for line in (vbpl / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        path = vbpl / row["file"]
        text = normalize(path.read_text(encoding="utf-8"))
        out.append(parse(text).replace(id=path.stem))
        if row.get("subject"):
            titles.append((path.stem, normalize(row["subject"])))
        body = [ln for ln in text.splitlines()[20:] if len(WORD.findall(ln)) >= 8]
        if body:
            lines.append((path.stem, rnd.choice(body)))
    return out, titles, lines


def spans(texts: list[tuple[str, str]], folded: bool, lengths: tuple[int, ...],
          seed: int = 7) -> list[tuple[int, str, str]]:
    """(n, query, id): one span of n syllables of each text for each n."""
    rnd = random.Random(seed)
    out = []
    for doc_id, text in texts:
        words = WORD.findall(fold(text) if folded else text.lower())
        if len(words) < 6:
            continue
        for n in lengths:
            at = rnd.randrange(len(words) - n + 1)
            out.append((n, " ".join(words[at:at + n]), doc_id))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", nargs="+", default=["whoosh", "tantivy"])
    ap.add_argument("--vbpl", type=Path, default=ROOT.parent / "shared" / "corpus" / "vbpl")
    args = ap.parse_args()
    docs, titles, lines = records(args.vbpl)
    print(f"# {len(docs)} vbpl texts, {len(titles)} titles in the truth, {len(lines)} body lines")
    print(f"{'engine':8} {'span of':12} {'typed':10} {'n':>2} {'queries':>8} {'MRR':>6} "
          f"{'first':>6} {'top 10':>7} {'ms/query':>9}")
    sets = [("a title", titles, LENGTHS), ("a body line", lines, (3, 5))]
    with tempfile.TemporaryDirectory(prefix="vanthu-relevance-") as tmp:
        for engine in args.engines:
            index = Index(Path(tmp) / engine, engine=engine)
            index.rebuild(docs)
            for what, texts, lengths in sets:
                for folded in (True, False):
                    queries = spans(texts, folded, lengths)
                    for n in lengths:
                        chosen = [(q, target) for k, q, target in queries if k == n]
                        ranks, started = [], time.perf_counter()
                        for query, target in chosen:
                            ids = [hit.id for hit in
                                   index.search(query, limit=ASKED, facets=False).hits]
                            ranks.append(ids.index(target) + 1 if target in ids else 0)
                        took = (time.perf_counter() - started) * 1000 / len(chosen)
                        mrr = statistics.fmean(1 / r if r else 0.0 for r in ranks)
                        print(f"{engine:8} {what:12} {'folded' if folded else 'as written':10} "
                              f"{n:>2} {len(ranks):>8} {mrr:>6.3f} {sum(r == 1 for r in ranks):>6} "
                              f"{sum(0 < r <= 10 for r in ranks):>7} {took:>9.1f}")
            index.close()


if __name__ == "__main__":
    main()
