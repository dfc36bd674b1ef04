"""Running a parsed query on a whoosh searcher: hits, highlights, facets, suggestions."""
from __future__ import annotations

import heapq
import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from whoosh.searching import Searcher

from archive.record import SearchHit

from .analysis import WORD, fold
from .docsets import doc_ids
from .ranking import top_docs
from .query import ParsedQuery
from .snippets import Highlighter

__all__ = ["SearchResult", "FacetCache", "run", "suggest"]

SORTS = ("relevance", "date", "-date")
FACETS = ("issuer", "type", "year")


@dataclass(frozen=True)
class SearchResult:
    """One page of results. ``to_dict()`` is the JSON of INTERFACE.md plus extra keys."""

    query: str
    total: int
    hits: tuple[SearchHit, ...]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    page: int = 1
    pages: int = 0
    sort: str = "relevance"
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query, "total": self.total,
            "hits": [hit.to_dict() for hit in self.hits],
            "page": self.page, "pages": self.pages, "sort": self.sort,
            "facets": {name: [{"value": v, "count": c} for v, c in values]
                       for name, values in self.facets.items()},
            "suggestion": self.suggestion,
        }


class FacetCache:
    """Per-document facet and date values, read once per index segment.

    Whoosh's ``groupedby`` reads the columns again for every search; a list per
    segment, kept while the segment lives, makes counting a Counter over docnums.
    """

    def __init__(self) -> None:
        self._segments: dict[str, tuple[list[bytes], list[bytes], list[int]]] = {}
        self._key: tuple[str, ...] = ()
        self.issuer: list[bytes] = []
        self.type: list[bytes] = []
        self.date: list[int] = []

    def load(self, searcher: Searcher) -> "FacetCache":
        leaves = searcher.reader().leaf_readers()
        key = tuple(_segment_id(reader) for reader, _ in leaves)
        if key == self._key:
            return self
        fresh = {}
        issuer, type_, date = [], [], []
        for (reader, _offset), segid in zip(leaves, key):
            cols = self._segments.get(segid)
            if cols is None:
                cols = tuple(list(reader.column_reader(name)) if reader.has_column(name)
                             else [default] * reader.doc_count_all()
                             for name, default in (("f_issuer", b""), ("f_type", b""), ("f_date", 0)))
            fresh[segid] = cols
            issuer += cols[0]
            type_ += cols[1]
            date += cols[2]
        self._segments, self._key = fresh, key
        self.issuer, self.type, self.date = issuer, type_, date
        return self

    def counts(self, docnums: list[int], limit: int) -> dict[str, list[tuple[str, int]]]:
        years = Counter(map((10000).__rfloordiv__, map(self.date.__getitem__, docnums)))
        years.pop(0, None)
        out = {}
        for name, values in (("issuer", self.issuer), ("type", self.type)):
            counter = Counter(map(values.__getitem__, docnums))
            counter.pop(b"", None)
            out[name] = sorted(((k.decode("utf-8"), n) for k, n in counter.items()),
                               key=lambda kv: (-kv[1], kv[0]))[:limit]
        out["year"] = sorted(((str(y), n) for y, n in years.items()),
                             key=lambda kv: (-kv[1], kv[0]))[:limit]
        return out


def _segment_id(reader) -> str:
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else f"reader-{id(reader)}"


def run(searcher: Searcher, cache: FacetCache, text: str, parsed: ParsedQuery, *,
        limit: int, page: int, sort: str, facets: bool, facet_limit: int,
        highlighter: Highlighter) -> SearchResult:
    """Execute ``parsed`` and build one page of :class:`SearchResult`.

    All matching docnums are found once, as sets (:func:`~search.docsets.doc_ids`), for
    the total, the facets and date sorting; only the folded query decides what
    matches (the parser's ``ANDMAYBE content:…`` exact-spelling boosts only score),
    and relevance is BM25F over the matched set, boosts included
    (:func:`~search.ranking.top_docs`), so exact spellings rank first.
    """
    want = page * limit
    docnums = doc_ids(searcher, parsed.query)
    total = len(docnums)
    if sort == "relevance":
        scored = top_docs(searcher, parsed.query, docnums, want)[want - limit:]
    else:
        dates = cache.load(searcher).date
        if sort == "date":  # oldest first, undated last
            top = heapq.nsmallest(want, docnums, key=lambda d: (dates[d] == 0, dates[d], d))
        else:
            top = heapq.nsmallest(want, docnums, key=lambda d: (-dates[d], d))
        scored = [(d, 0.0) for d in top[want - limit:]]
    hits = tuple(_hit(searcher, d, score, highlighter) for d, score in scored)
    counts = cache.load(searcher).counts(docnums, facet_limit) if facets else {}
    return SearchResult(query=text, total=total, hits=hits, facets=counts, page=page,
                        pages=math.ceil(total / limit), sort=sort)


def _hit(searcher: Searcher, docnum: int, score: float, highlighter: Highlighter) -> SearchHit:
    stored = searcher.stored_fields(docnum)
    ref, doc_type, issuer, date, subject = stored["meta"]
    body = zlib.decompress(stored["body"]).decode("utf-8") if stored.get("body") else ""
    fragments = highlighter.fragments(body) or highlighter.fragments(subject or "")
    return SearchHit(id=stored["id"], ref=ref, doc_type=doc_type, issuer=issuer, date=date,
                     subject=subject, score=round(float(score), 4), highlights=tuple(fragments))


def highlight_runs(searcher: Searcher, parsed: ParsedQuery) -> list[list[str]]:
    """Folded syllable runs to mark: phrases and words, plus what ``word~`` expanded to."""
    runs = list(parsed.phrases)
    reader = searcher.reader()
    for word, dist in parsed.fuzzy:
        runs.append([word])
        runs += [[t] for t in reader.terms_within("fcontent", word, dist, prefix=1)]
    return runs


def suggest(searcher: Searcher, text: str, parsed: ParsedQuery) -> str | None:
    """The query with each unknown free word replaced by the closest indexed word.

    Among equally close words, the one that most often follows or precedes its
    neighbour in the query wins (``phong chong dihc`` → ``dich``, not ``dinh``).
    """
    reader = searcher.reader()
    changed = text
    for typed in parsed.words:
        words = WORD.findall(fold(typed))
        context = [w for t in parsed.words for w in WORD.findall(fold(t))]
        for syllable in words:
            if reader.doc_frequency("fcontent", syllable) or syllable.isdigit():
                continue
            at = context.index(syllable)
            before = context[at - 1] if at > 0 else None
            after = context[at + 1] if at + 1 < len(context) else None

            def rank(term: str) -> tuple[int, int]:
                pairs = ([f"{before}_{term}"] if before else []) + ([f"{term}_{after}"] if after else [])
                return (sum(reader.doc_frequency("fbigram", p) for p in pairs),
                        reader.doc_frequency("fcontent", term))

            for dist in (1, 2):
                options = [t for t in reader.terms_within("fcontent", syllable, dist, prefix=1)
                           if t != syllable]
                if options:
                    changed = _replace_folded(changed, syllable, max(options, key=rank))
                    break
    return changed if changed != text else None


def _replace_folded(text: str, syllable: str, better: str) -> str:
    """Replace the first word of ``text`` whose folded form is ``syllable``."""
    folded = fold(text)
    m = re.search(rf"(?<!\w){re.escape(syllable)}(?!\w)", folded)
    if not m:
        return text
    return text[:m.start()] + better + text[m.end():]
