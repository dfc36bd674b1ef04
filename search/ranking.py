"""Relevance: whoosh's BM25F, computed a posting block at a time for the matched set.

Whoosh scores a match by walking every term's matcher and looking up the document's
field length per posting (~15 µs each); for a common word on a large archive that
is most of a query's time, block-max skipping notwithstanding. The matching
documents are already known (:func:`~search.docsets.doc_ids`), so here each positive
term's postings are read block-wise (ids and weights as arrays) and BM25F summed
per document with the field lengths cached per segment — the same formula and
statistics as ``whoosh.scoring.BM25F`` (And/Or/AndMaybe add their parts' scores;
the right side of AndNot and Not never score). The exact-spelling boosts are
simply more terms, scored over the whole matched set rather than re-ranking a top N.
Queries with other scoring leaves (fuzzy terms) go to whoosh's collector.
"""
from __future__ import annotations

import heapq
import weakref
from collections.abc import Iterator
from itertools import accumulate

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher, ListMatcher
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F

from .docsets import CheckedPhrase

__all__ = ["top_docs"]

_B, _K1 = BM25F().B, BM25F().K1
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


def top_docs(searcher, q: wq.Query, matched: list[int], k: int) -> list[tuple[int, float]]:
    """The ``k`` best of ``matched`` (global docnums, ascending) as (docnum, score)."""
    if k <= 0 or not matched:
        return []
    try:
        terms = list(_positive_terms(q))
    except _Unsupported:
        return [(hit.docnum, hit.score or 0.0) for hit in searcher.search(q, limit=k)]
    best: list[tuple[float, int]] = []
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        end = offset + reader.doc_count_all()
        local = [d - offset for d in matched if offset <= d < end]
        if not local:
            continue
        acc = [0.0] * reader.doc_count_all()  # per local docnum; only `local` are read
        for field, text, boost in terms:
            if not searcher.schema[field].scorable:
                continue
            norm = _norms(reader, field, searcher.avg_field_length(field) or 1)
            f = searcher.idf(field, text) * (_K1 + 1) * boost
            if len(local) * _SEEK_RATIO < reader.doc_frequency(field, text):
                # few matches, a common term: seek to each match instead of reading all
                for d, w in _seek(reader, field, text, local):
                    acc[d] += f * w / (w + norm[d])
                continue
            for ids, weights in _postings(reader, field, text):
                for d, w in zip(ids, weights):
                    acc[d] += f * w / (w + norm[d])
        top = heapq.nlargest(k, local, key=acc.__getitem__)  # ties: lower docnum first
        best = heapq.nsmallest(k, best + [(-acc[d], d + offset) for d in top])
    return [(d, -s) for s, d in best]


def _postings(reader, field: str, text) -> Iterator[tuple]:
    """(ids, weights) of a term's postings, a block at a time (deleted docs included)."""
    try:
        m = reader.postings(field, text)
    except TermNotFound:
        return
    if isinstance(m, FilterMatcher) and m._exclude:  # deleted docs: never in `matched`
        m = m.child
    if isinstance(m, ListMatcher):
        yield m._ids, m._weights
    elif isinstance(m, W3LeafMatcher):
        while m.is_active():
            yield _block_ids(m), _block_weights(m)
            m._next_block()
    else:
        while m.is_active():
            yield (m.id(),), (m.weight(),)
            m.next()


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


def _block_ids(m: W3LeafMatcher):
    if m._ids is None:
        if m._data is None:
            m._read_data()
        # whoosh decodes the deltas with a Python generator; accumulate() is C
        m._ids = tuple(accumulate(m._data[0])) if not m._byteids else m._data[0]
    return m._ids


def _block_weights(m: W3LeafMatcher):
    if m._weights is None:
        m._read_weights()
    return m._weights


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
