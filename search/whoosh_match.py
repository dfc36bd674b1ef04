"""Matching a parsed tree against a whoosh index with numpy, exactly and in bulk.

Whoosh's own matchers and collectors step through every matching document in Python,
several calls per document and per term: a query of three common syllables on 50,000
directives walked ≈ 150,000 postings and took seconds. Here each term's posting list
is read once through the public ``reader.postings(field, term)`` (one pass of
``id()``/``weight()``/``value()``), kept as numpy arrays per segment in a bounded
:class:`PostingCache`, and the tree is evaluated over those arrays: intersections,
unions and exclusions of sorted document numbers, exact phrases from positions,
BM25 (Whoosh's :func:`whoosh.scoring.bm25`, K1 = 1.2, B = 0.75) over every match.
Totals are therefore exact, and a warm query costs a few numpy operations per term.

Segments never change once written except for deletions, which only grow: a posting
list read from a segment stays right for it, filtered by the segment's live documents
of the moment. So a commit costs only the reading of the new, small segment.
"""
from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from whoosh.reading import TermNotFound
from whoosh.scoring import bm25

from .tree import And, DateRange, Every, Node, Nothing, Or, Phrase, Prefer, Term

__all__ = ["Hits", "Match", "PostingCache", "Segment", "TooSlow", "LENGTH_FIELDS"]

K1, B = 1.2, 0.75
# Fields whose length each document's column holds (BM25 normalises by it); names and
# keywords (issuer, signer, ref, cites, type) are short: scored by frequency and rarity.
LENGTH_FIELDS = ("text", "exact")
_CHECK_EVERY = 4096  # postings read between two looks at the clock


class TooSlow(Exception):
    """The query went past its deadline."""


class Hits(NamedTuple):
    """Matching document numbers (ascending, global) and their scores."""

    docs: np.ndarray
    scores: np.ndarray


_NONE = Hits(np.zeros(0, np.int64), np.zeros(0))


@dataclass(frozen=True)
class Postings:
    """One term's posting list in one segment: local document numbers, frequencies and,
    for phrase fields when asked, every position (in posting order, ``tf`` per document)."""

    ids: np.ndarray  # int32
    tf: np.ndarray  # uint16, or uint32 if a count needs it
    positions: np.ndarray | None = None  # the same

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.tf.nbytes + (0 if self.positions is None
                                                   else self.positions.nbytes)


class PostingCache:
    """Posting lists of an engine's segments, least recently used dropped first past
    ``max_bytes``; safe to share between threads."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str, str], Postings] = OrderedDict()
        self._bytes = 0

    def get(self, segment: "Segment", field: str, term: str, positions: bool,
            deadline: float) -> Postings:
        key = (segment.key, field, term)
        with self._lock:
            found = self._entries.get(key)
            if found is not None and (found.positions is not None or not positions):
                self._entries.move_to_end(key)
                return found
        read = _read(segment.reader, field, term, positions, deadline)
        with self._lock:
            old = self._entries.pop(key, None)
            self._bytes += read.nbytes - (old.nbytes if old is not None else 0)
            self._entries[key] = read
            while self._bytes > self.max_bytes and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.nbytes
        return read

    def keep_only(self, segment_keys: set[str]) -> None:
        """Forget the posting lists of segments that merges have replaced."""
        with self._lock:
            for key in [k for k in self._entries if k[0] not in segment_keys]:
                self._bytes -= self._entries.pop(key).nbytes


def _read(reader: Any, field: str, term: str, positions: bool, deadline: float) -> Postings:
    """A term's postings in one segment, through the public matcher API."""
    try:
        matcher = reader.postings(field, term)
    except TermNotFound:
        return Postings(np.zeros(0, np.int32), np.zeros(0, np.uint16),
                        np.zeros(0, np.uint16) if positions else None)
    ids: list[int] = []
    tfs: list[float] = []
    values: list[bytes] = []
    active, docnum, weight, value, step = (matcher.is_active, matcher.id, matcher.weight,
                                           matcher.value, matcher.next)
    n = 0
    while active():
        if n % _CHECK_EVERY == 0 and time.monotonic() > deadline:
            raise TooSlow
        ids.append(docnum())
        tfs.append(weight())
        if positions:
            values.append(value())
        step()
        n += 1
    return Postings(np.array(ids, np.int32), _narrow(np.array(tfs, np.uint32)),
                    _narrow(np.frombuffer(b"".join(values), "<u4")) if positions else None)


def _narrow(values: np.ndarray) -> np.ndarray:
    """As uint16 when every value fits, as nearly all do: half the memory."""
    return values.astype(np.uint16) if not len(values) or values.max() < 1 << 16 else values


@dataclass(frozen=True)
class Segment:
    """A leaf reader of the current searcher: its id, first global document number and
    live documents (None: no deletions)."""

    reader: Any
    key: str
    offset: int
    live: np.ndarray | None


class Match:
    """Evaluates trees for one searcher state: ``segments`` in order, ``live`` (global
    mask), ``date`` and per-field ``lengths`` (global columns)."""

    def __init__(self, segments: list[Segment], live: np.ndarray, date: np.ndarray,
                 lengths: dict[str, np.ndarray], cache: PostingCache, deadline: float):
        self.segments, self.live, self.date, self.lengths = segments, live, date, lengths
        self.cache, self.deadline = cache, deadline
        self.live_count = int(live.sum())
        self.avg_length = {name: float(col[live].mean()) if self.live_count else 1.0
                           for name, col in lengths.items()}

    def run(self, node: Node) -> Hits:
        if time.monotonic() > self.deadline:
            raise TooSlow
        if isinstance(node, Term):
            ids, tf, _ = self._postings(node.field, node.text, positions=False)
            return Hits(ids, self._score(node.field, ids, tf) * node.boost)
        if isinstance(node, Phrase):
            return self._phrase(node.field, node.words)
        if isinstance(node, DateRange):
            mask = self.live & (self.date >= (node.start or 1))  # 0: undated
            if node.end:
                mask &= self.date < node.end
            docs = np.flatnonzero(mask)
            return Hits(docs, np.ones(len(docs)))
        if isinstance(node, And):
            hits = self._every() if not node.items else None
            for item in sorted(node.items, key=_cheap_first):
                hits = self.run(item) if hits is None else _both(hits, self.run(item))
                if not len(hits.docs):
                    return _NONE
            assert hits is not None
            for excluded in node.exclude:
                keep = ~np.isin(hits.docs, self.run(excluded).docs, assume_unique=True)
                hits = Hits(hits.docs[keep], hits.scores[keep])
            return hits
        if isinstance(node, Or):
            return _either([self.run(n) for n in node.items])
        if isinstance(node, Prefer):
            hits = self.run(node.required)
            scores = hits.scores.copy()
            for optional in node.optional:
                extra = self.run(optional)
                _, at, other = np.intersect1d(hits.docs, extra.docs, assume_unique=True,
                                              return_indices=True)
                scores[at] += extra.scores[other]
            return Hits(hits.docs, scores)
        if isinstance(node, Every):
            return self._every()
        if isinstance(node, Nothing):
            return _NONE
        raise TypeError(f"cannot match {node!r}")

    def _every(self) -> Hits:
        docs = np.flatnonzero(self.live)
        return Hits(docs, np.ones(len(docs)))

    def _postings(self, field: str, term: str,
                  positions: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Global document numbers, frequencies and (if asked) positions of a term's live
        postings, over every segment."""
        ids, tfs, poss = [], [], []
        for segment in self.segments:
            p = self.cache.get(segment, field, term, positions, self.deadline)
            local, tf, pos = p.ids, p.tf, p.positions
            if segment.live is not None and len(local):
                alive = segment.live[local]
                if not alive.all():
                    if pos is not None:
                        pos = pos[np.repeat(alive, tf.astype(np.int64))]
                    local, tf = local[alive], tf[alive]
            ids.append(local.astype(np.int64) + segment.offset)
            tfs.append(tf)
            if pos is not None:
                poss.append(pos)
        if not ids:
            return np.zeros(0, np.int64), np.zeros(0, np.uint16), \
                np.zeros(0, np.uint16) if positions else None
        return np.concatenate(ids), np.concatenate(tfs), \
            np.concatenate(poss) if positions else None

    def _score(self, field: str, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """BM25 of each posting (Whoosh's idf: log(N / (df + 1)) + 1)."""
        if not len(ids):
            return np.zeros(0)
        idf = math.log(self.live_count / (len(ids) + 1)) + 1
        if field in self.lengths:
            return bm25(idf, tf.astype(np.float64), self.lengths[field][ids],
                        self.avg_length[field] or 1.0, B, K1)
        return bm25(idf, tf.astype(np.float64), 1.0, 1.0, 0.0, K1)

    def _phrase(self, field: str, words: tuple[str, ...]) -> Hits:
        """Documents where ``words`` stand at consecutive positions; scored as the sum of
        their terms' scores."""
        terms = [self._postings(field, w, positions=True) for w in words]
        docs = terms[0][0]
        for ids, _, _ in sorted(terms[1:], key=lambda t: len(t[0])):
            docs = np.intersect1d(docs, ids, assume_unique=True)
        if not len(docs):
            return _NONE
        # A key per occurrence: document × 2³² + where the phrase would start. Keys come
        # out sorted (documents ascending, positions ascending within each).
        starts = None
        for k, (ids, tf, pos) in sorted(enumerate(terms), key=lambda t: float(t[1][1].sum())):
            keep = np.isin(ids, docs, assume_unique=True)
            counts = tf.astype(np.int64)
            assert pos is not None
            where = np.repeat(keep, counts)
            start = pos[where].astype(np.int64) - k
            ok = start >= 0
            keys = (np.repeat(ids, counts)[where][ok] << 32) + start[ok]
            starts = keys if starts is None else starts[_sorted_in(starts, keys)]
            if not len(starts):
                return _NONE
        assert starts is not None
        docs = np.unique(starts >> 32)
        scores = np.zeros(len(docs))
        for ids, tf, _ in terms:
            at = np.searchsorted(ids, docs)
            scores += self._score(field, ids, tf)[at]
        return Hits(docs, scores)


def _cheap_first(node: Node) -> int:
    """An order for the items of an And: narrow, cheap ones first (an empty one ends it)."""
    if isinstance(node, Term):
        return 0 if node.field in ("ref", "cites", "type") else 2
    return {DateRange: 1, Phrase: 3}.get(type(node), 4)


def _sorted_in(needles: np.ndarray, haystack: np.ndarray) -> np.ndarray:
    """Which of the sorted ``needles`` are in the sorted ``haystack``."""
    if not len(haystack):
        return np.zeros(len(needles), bool)
    at = np.minimum(np.searchsorted(haystack, needles), len(haystack) - 1)
    return haystack[at] == needles


def _both(a: Hits, b: Hits) -> Hits:
    docs, ia, ib = np.intersect1d(a.docs, b.docs, assume_unique=True, return_indices=True)
    return Hits(docs, a.scores[ia] + b.scores[ib])


def _either(parts: list[Hits]) -> Hits:
    parts = [p for p in parts if len(p.docs)]
    if not parts:
        return _NONE
    docs, where = np.unique(np.concatenate([p.docs for p in parts]), return_inverse=True)
    return Hits(docs, np.bincount(where, weights=np.concatenate([p.scores for p in parts]),
                                  minlength=len(docs)))
