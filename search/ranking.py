"""Relevance: whoosh's BM25F, computed with C-level ``map``s over the matched set.

Whoosh scores a match by walking every term's matcher and looking up the document's
field length per posting (~15 µs each); for a common word on a large archive that
is most of a query's time. The matching documents are already known
(:func:`~search.docsets.match`), so here each positive term's decoded postings
(:mod:`search.postings`) give BM25's tf part per posting — ``w*(K1+1) / (w + norm)``,
kept with the cached postings — and the scores of the matched documents are picked
out (``compress``, ``itemgetter``) and summed term by term with ``map(operator.add,
…)``: no Python loop per document. The same
formula and statistics as ``whoosh.scoring.BM25F`` (And/Or/AndMaybe add their parts'
scores; the right side of AndNot and Not never score); every matched document is
scored, so the ranking is exact (scores agree with whoosh's to ~1e-12, the order of
float operations differs). The exact-spelling boosts are simply more terms.
Queries with other scoring leaves (fuzzy terms) go to whoosh's collector.
"""
from __future__ import annotations

import heapq
import weakref
from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Iterator
from itertools import compress
from operator import add, itemgetter, truediv

from whoosh import query as wq
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F

from . import postings
from .docsets import CheckedPhrase, DocSet
from .postings import to_bits, to_mask

__all__ = ["top_docs"]

_B, _K1 = BM25F().B, BM25F().K1
_K1P1 = _K1 + 1
_SEEK_RATIO = 16  # seek (skip_to) when the term is in 16× more documents than match
_FEW = 4  # score only the matched postings (and keep nothing) below 1 match in 4


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
        mask = to_mask(bits, n)
        local = list(compress(range(n), mask))
        total = None  # the scores of local, summed term by term (lazily: one list)
        for field, text, boost in terms:
            column = _contributions(searcher, reader, field, text, boost, mask, local, n)
            if column is not None:
                total = column if total is None else map(add, total, column)
        scores = [0.0] * len(local) if total is None else list(total)
        picks: Iterator[int] | range = range(len(local))
        if len(local) > k:  # only the scores as good as the k-th best need sorting
            kth = heapq.nlargest(k, scores)[-1]
            picks = compress(picks, map(kth.__le__, scores))
        top = sorted(picks, key=lambda i: (-scores[i], i))[:k]
        best += [(-scores[i], local[i] + offset) for i in top]
    best.sort()
    return [(d, -s) for s, d in best[:k]]


def _docset(searcher, matched: list[int]) -> DocSet:
    parts = []
    for leaf, offset in searcher.leaf_searchers():
        n = leaf.reader().doc_count_all()
        parts.append((leaf, offset, n, to_bits([d - offset for d in matched
                                                if offset <= d < offset + n], n)))
    return DocSet(parts)


def _contributions(searcher, reader, field: str, text, boost: float, mask: bytes,
                   local: list[int], n: int):
    """``field:text``'s BM25 score (times ``boost``) for each of ``local`` (0.0 where
    absent), or None if the term is in none of the segment's documents."""
    norm = _norms(reader, field, searcher.avg_field_length(field) or 1)
    idf = searcher.idf(field, text)
    entry = postings.cached(reader, field, text)
    if entry is None and len(local) * _SEEK_RATIO < reader.doc_frequency(field, text):
        # few matches, a common term not decoded yet: seek to each match instead
        found = dict(_seek(reader, field, text, local))
        return [idf * ((w * _K1P1) / (w + norm[d])) * boost if (w := found.get(d)) else 0.0
                for d in local]
    if entry is None:
        entry = postings.term(reader, field, text)
    ids, weights = entry.ids, entry.weights
    if not len(ids):
        return None
    if len(local) * _SEEK_RATIO < len(ids):
        out = []
        for d in local:
            i = bisect_left(ids, d)
            out.append(idf * ((weights[i] * _K1P1) / (weights[i] + norm[d])) * boost
                       if i < len(ids) and ids[i] == d else 0.0)
        return out
    # idf × BM25's tf part: w·idf·(K1+1) / (w + norm) (whoosh multiplies in another
    # order: the last bit may differ)
    fresh = entry.tf is None or entry.tf[0] is not norm or entry.tf[1] != idf
    if fresh and len(local) * _FEW < len(ids):
        # a few of a common term's documents matched: score just those, keep nothing
        keep = bytes(_gather(mask, ids))
        ids, weights = list(compress(ids, keep)), list(compress(weights, keep))
        column = map(truediv, map((idf * _K1P1).__mul__, weights),
                     map(add, weights, _gather(norm, ids)))
        keep = None
    else:
        if fresh:  # kept with the postings for the next query
            entry.tf = (norm, idf, array("d", map(truediv, map((idf * _K1P1).__mul__, weights),
                                                  map(add, weights, _gather(norm, ids)))))
        column, keep = entry.tf[2], None
        if len(ids) != len(local) or ids.tolist() != local:
            keep = bytes(_gather(mask, ids))  # the postings of matched documents
            column = compress(column, keep)
    if (len(ids) if keep is None else keep.count(1)) != len(local):
        # not in every matched document: through a dense array
        dense = [0.0] * n
        deque(map(dense.__setitem__, ids if keep is None else compress(ids, keep), column), 0)
        column = _gather(dense, local)
    return column if boost == 1.0 else map(float(boost).__mul__, column)


def _gather(values, indexes) -> tuple:
    """``values[i]`` for each of ``indexes``: one C call (itemgetter), ~4× a map()."""
    if len(indexes) > 1:
        return itemgetter(*indexes)(values)
    return tuple(values[i] for i in indexes)


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


def _norms(reader, field: str, avgfl: float) -> list[float]:
    """Per docnum of a segment, BM25's ``K1 * (1 - B + B * length / avgfl)``, read once
    (lengths as whoosh rounds them; ``avgfl`` is the whole index's)."""
    cache = _NORMS.setdefault(reader, {})
    key = (field, avgfl)
    values = cache.get(key)
    if values is None:
        for old in [k for k in cache if k[0] == field]:
            del cache[old]
        c1, c2 = _K1 * (1 - _B), _K1 * _B / avgfl
        values = cache[key] = [c1 + c2 * (reader.doc_field_length(d, field, 1) or 1)
                               for d in range(reader.doc_count_all())]
    return values
