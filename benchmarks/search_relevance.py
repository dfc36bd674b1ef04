"""Known-item ranking on real text: do words of a directive find that directive?

    python benchmarks/search_relevance.py [--engines whoosh tantivy] [--vbpl DIR]

Indexes vbpl's 503 texts (parsed by vanthu) with each engine, then searches words taken
from each text and reports where that text's directive ranks among the first 20 hits
(as the web UI asks): the mean reciprocal rank, how often it is first, how often in the
first 10. The query sets, each drawn at random (seeded) from every title in vbpl's
truth of 6 syllables or more, or from one line of each body past its header:

* a title span: 2, 3 or 4 consecutive syllables; typed without diacritics, and as
  written in lower case;
* a body-line span: 3 or 5 consecutive syllables, the same two ways, so that a ranking
  that favours titles is seen to cost the body;
* two title spans apart: two runs of 2 syllables (most Vietnamese words) in their order,
  with at least one syllable between them;
* three title syllables apart: 3 syllables in their order, picked anywhere (they split
  words, as no one types them: the case where scoring pairs typed side by side as
  phrases can only cost).

Titles come from vbpl's truth, not from the parser. Many spans ("một số điều của") are
in dozens of texts, so no engine reaches 1.0: the figures compare rankings, they are no
goal. Not a test.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive.vntext import normalize  # noqa: E402
from ingest.parser import parse  # noqa: E402
from search import Index  # noqa: E402
from search.analysis import WORD, fold  # noqa: E402

ASKED = 20
Pick = Callable[[list[str], random.Random], "list[str] | None"]


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


def span(n: int) -> Pick:
    def pick(words: list[str], rnd: random.Random) -> list[str]:
        at = rnd.randrange(len(words) - n + 1)
        return words[at:at + n]
    return pick


def two_spans(words: list[str], rnd: random.Random) -> list[str] | None:
    if len(words) < 7:
        return None
    i = rnd.randrange(len(words) - 6)
    j = rnd.randrange(i + 3, len(words) - 1)
    return words[i:i + 2] + words[j:j + 2]


def syllables_apart(words: list[str], rnd: random.Random) -> list[str]:
    return [words[k] for k in sorted(rnd.sample(range(len(words)), 3))]


def queries(texts: list[tuple[str, str]], pick: Pick, folded: bool) -> list[tuple[str, str]]:
    """(query, id) for each text long enough; the same picks whether folded or not."""
    rnd = random.Random(7)
    out = []
    for doc_id, text in texts:
        words = WORD.findall(fold(text) if folded else text.lower())
        if len(words) >= 6 and (chosen := pick(words, rnd)):
            out.append((" ".join(chosen), doc_id))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", nargs="+", default=["whoosh", "tantivy"])
    ap.add_argument("--vbpl", type=Path, default=ROOT.parent / "shared" / "corpus" / "vbpl")
    args = ap.parse_args()
    docs, titles, lines = records(args.vbpl)
    print(f"# {len(docs)} vbpl texts, {len(titles)} titles in the truth, {len(lines)} body lines")
    sets: list[tuple[str, list[tuple[str, str]], Pick, tuple[bool, ...]]] = [
        *((f"title span of {n}", titles, span(n), (True, False)) for n in (2, 3, 4)),
        *((f"body-line span of {n}", lines, span(n), (True, False)) for n in (3, 5)),
        ("two title spans apart", titles, two_spans, (True,)),
        ("3 title syllables apart", titles, syllables_apart, (True,)),
    ]
    print(f"{'engine':8} {'query':24} {'typed':10} {'queries':>8} {'MRR':>6} {'first':>6} "
          f"{'top 10':>7} {'ms/query':>9}")
    with tempfile.TemporaryDirectory(prefix="vanthu-relevance-") as tmp:
        for engine in args.engines:
            index = Index(Path(tmp) / engine, engine=engine)
            index.rebuild(docs)
            for label, texts, pick, ways in sets:
                for folded in ways:
                    chosen = queries(texts, pick, folded)
                    ranks, started = [], time.perf_counter()
                    for query, target in chosen:
                        ids = [hit.id for hit in index.search(query, limit=ASKED, facets=False).hits]
                        ranks.append(ids.index(target) + 1 if target in ids else 0)
                    took = (time.perf_counter() - started) * 1000 / len(chosen)
                    mrr = statistics.fmean(1 / r if r else 0.0 for r in ranks)
                    print(f"{engine:8} {label:24} {'folded' if folded else 'as written':10} "
                          f"{len(ranks):>8} {mrr:>6.3f} {sum(r == 1 for r in ranks):>6} "
                          f"{sum(0 < r <= 10 for r in ranks):>7} {took:>9.1f}")
            index.close()


if __name__ == "__main__":
    main()
