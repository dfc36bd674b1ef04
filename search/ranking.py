"""Relevance: whoosh's BM25F, computed with numpy array operations over the matched set.

Whoosh scores a match by walking every term's matcher and looking up the document's
field length per posting (~15 µs each); for a common word on a large archive that
is most of a query's time. The matching documents are already known
(:func:`~search.docsets.match`), so here each positive term's decoded postings
(:mod:`search.postings`) give BM25's tf part per posting — ``w*(K1+1) / (w + norm)``,
kept with the cached postings as a float64 array — scattered into a per-segment array
(a term's ids are unique), the matched documents' entries gathered and summed term by
term, and the best found with ``argpartition``: no Python loop per document. The same
formula and statistics as ``whoosh.scoring.BM25F`` (And/Or/AndMaybe add their parts'
scores; the right side of AndNot and Not never score); every matched document is
scored, so the ranking is exact (scores agree with whoosh's to ~1e-12, the order of
float operations differs). The exact-spelling boosts are simply more terms.
Queries with other scoring leaves (fuzzy terms) go to whoosh's collector.
"""
from __future__ import annotations

import weakref
from collections.abc import Iterator

import numpy as np
from whoosh import query as wq
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F

from . import postings
from .docsets import CheckedPhrase, DocSet
from .postings import to_array, to_bits

__all__ = ["top_docs"]

_B, _K1 = BM25F().B, BM25F().K1
_K1P1 = _K1 + 1
_SEEK_RATIO = 16  # seek (skip_to) when the term is in 16× more documents than match


class _Unsupported(Exception):
    pass


def _positive_terms(q: wq.Query) -> Iterator[tuple[str, str, float]]:
    """(field, text, boost) of every term whose score counts."""
    if isinstance(q, wq.Term):
        yield q.fieldname, q.text, q.boost
    elif isinstance(q, CheckedPhrase):
        for t in q.terms_:
            yield q.fieldname, t, q.boost
    elif isinstance(q, (wq.And, wq.Or)):
        for c in q.subqueries:
            yield from _positive_terms(c)
    elif isinstance(q, wq.AndMaybe):
        yield from _positive_terms(q.a)
        yield from _positive_terms(q.b)
    elif isinstance(q, wq.AndNot):
        yield from _positive_terms(q.a)
    elif isinstance(q, (wq.Not, wq.Every, wq.DateRange, wq.NumericRange)) or q is wq.NullQuery:
        return
    else:
        raise _Unsupported(type(q).__name__)


def top_docs(searcher, q: wq.Query, matched: "list[int] | DocSet", k: int) -> list[tuple[int, float]]:
    """The ``k`` best of ``matched`` (a DocSet, or global docnums ascending) as
    (docnum, score), best first; equal scores: lower docnum first."""
    if k <= 0 or not matched:
        return []
    try:
        terms = [t for t in _positive_terms(q) if searcher.schema[t[0]].scorable]
    except _Unsupported:
        return [(hit.docnum, hit.score or 0.0) for hit in searcher.search(q, limit=k)]
    docset = matched if isinstance(matched, DocSet) else _docset(searcher, matched)
    best: list[tuple[float, int]] = []
    for leaf, offset, n, bits in docset.parts:
        if not bits:
            continue
        reader = leaf.reader()
        local = to_array(bits, n)
        # summed term by term, in query order, from 0.0 (0.0 + x is x: the same
        # float operations as adding the columns pairwise)
        scores = np.zeros(len(local))
        for field, text, boost in terms:
            column = _contributions(searcher, reader, field, text, boost, local, n)
            if column is not None:
                scores += column
        best += [(-float(scores[i]), int(local[i]) + offset) for i in _top(scores, k)]
    best.sort()
    return [(d, -s) for s, d in best[:k]]


def _top(scores: "np.ndarray", k: int) -> "np.ndarray":
    """Indexes of the ``k`` highest ``scores``, best first, ties by lower index:
    ``argpartition`` finds the k-th best, only the scores as good are sorted."""
    if len(scores) > k:
        kth = scores[np.argpartition(scores, len(scores) - k)[len(scores) - k]]
        picks = np.flatnonzero(scores >= kth)
    else:
        picks = np.arange(len(scores))
    return picks[np.lexsort((picks, -scores[picks]))][:k]


def _docset(searcher, matched: list[int]) -> DocSet:
    parts = []
    for leaf, offset in searcher.leaf_searchers():
        n = leaf.reader().doc_count_all()
        parts.append((leaf, offset, n, to_bits([d - offset for d in matched
                                                if offset <= d < offset + n], n)))
    return DocSet(parts)


def _contributions(searcher, reader, field: str, text, boost: float,
                   local: "np.ndarray", n: int) -> "np.ndarray | None":
    """``field:text``'s BM25 score (times ``boost``) for each of ``local`` (0.0 where
    absent), or None if the term is in none of the segment's documents."""
    norm = _norms(reader, field, searcher.avg_field_length(field) or 1)
    idf = searcher.idf(field, text)
    entry = postings.cached(reader, field, text)
    if entry is None and len(local) * _SEEK_RATIO < reader.doc_frequency(field, text):
        # few matches, a common term not decoded yet: seek to each match instead
        found = dict(_seek(reader, field, text, local.tolist()))
        column = np.array([idf * ((w * _K1P1) / (w + norm[d])) if (w := found.get(d)) else 0.0
                           for d in local.tolist()], np.float64)
        return column if boost == 1.0 else column * float(boost)
    if entry is None:
        entry = postings.term(reader, field, text)
    if not len(entry.ids):
        return None
    ids = entry.ids
    if len(local) * _SEEK_RATIO < len(ids):  # a few matches: look each one up
        at = np.minimum(np.searchsorted(ids, local), len(ids) - 1)
        w = entry.weights[at].astype(np.float64)
        column = np.where(ids[at] == local, idf * ((w * _K1P1) / (w + norm[local])), 0.0)
        return column if boost == 1.0 else column * float(boost)
    # idf × BM25's tf part per posting: w·idf·(K1+1) / (w + norm), kept with the
    # postings for the next query (whoosh multiplies in another order: the last bit
    # may differ); float64 throughout, as whoosh's Python floats
    if entry.tf is None or entry.tf[0] is not norm or entry.tf[1] != idf:
        w = entry.weights.astype(np.float64)
        entry.tf = (norm, idf, ((idf * _K1P1) * w) / (w + norm[ids]))
    dense = np.zeros(n)  # a term's ids are unique: plain assignment, no np.add.at
    dense[ids] = entry.tf[2]
    column = dense[local]
    return column if boost == 1.0 else column * float(boost)


def _seek(reader, field: str, text, docs: list[int]) -> Iterator[tuple[int, float]]:
    """(docnum, weight) of the term in each of ``docs`` (ascending) that has it."""
    try:
        m = reader.postings(field, text)
    except TermNotFound:
        return
    for d in docs:
        if not m.is_active():
            return
        if m.id() < d:
            m.skip_to(d)
            if not m.is_active():
                return
        if m.id() == d:
            yield d, m.weight()


_NORMS: "weakref.WeakKeyDictionary[object, dict]" = weakref.WeakKeyDictionary()


def _norms(reader, field: str, avgfl: float) -> "np.ndarray":
    """Per docnum of a segment, BM25's ``K1 * (1 - B + B * length / avgfl)``, read once
    (lengths as whoosh rounds them; ``avgfl`` is the whole index's)."""
    cache = _NORMS.setdefault(reader, {})
    key = (field, avgfl)
    values = cache.get(key)
    if values is None:
        for old in [k for k in cache if k[0] == field]:
            del cache[old]
        c1, c2 = _K1 * (1 - _B), _K1 * _B / avgfl
        values = cache[key] = np.array([c1 + c2 * (reader.doc_field_length(d, field, 1) or 1)
                                        for d in range(reader.doc_count_all())], np.float64)
    return values
