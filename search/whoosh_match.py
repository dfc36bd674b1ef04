"""Matching a parsed tree against a whoosh index with numpy, exactly and in bulk.

Whoosh's own matchers and collectors step through every matching document in Python,
several calls per document and per term: a query of three common syllables on 50,000
directives walked ≈ 150,000 postings and took seconds. Here each term's posting list
is read once, when its segment is written, through the public ``reader.postings(field,
term)`` (one pass of ``id()``/``weight()``/``value()``), saved as numpy arrays per
segment (:class:`SegmentPostings`), and the tree is evaluated over those arrays:
intersections, unions and exclusions of sorted document numbers, exact phrases from
positions, BM25 (Whoosh's :func:`whoosh.scoring.bm25`, K1 = 1.2, B = 0.75) over every
match. Totals are therefore exact, and a query costs a few numpy operations per term.

Segments never change once written except for deletions, which only grow: a posting
list read from a segment stays right for it, filtered by the segment's live documents
of the moment. So a commit costs only the reading of its new segments.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
import threading
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from whoosh.scoring import bm25

from .tree import And, DateRange, Every, Node, Nothing, Or, Phrase, Prefer, Term

__all__ = ["Hits", "Match", "SegmentPostings", "Segment", "TooSlow", "LENGTH_FIELDS"]

K1, B = 1.2, 0.75
# Fields whose length each document's column holds (BM25 normalises by it); names and
# keywords (issuer, signer, ref, cites, type) are short: scored by frequency and rarity.
LENGTH_FIELDS = ("text", "exact")


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


class SegmentPostings:
    """Every posting list of one segment as numpy arrays, in one file beside the index.

    Reading a posting list through ``reader.postings`` costs a few Python calls per
    document: seconds for the common words of a large archive. A segment never changes
    once written (deletions aside, which :class:`Segment` masks), so each is read once
    through that public API, when it is written, and saved as flat arrays per field:
    ``terms`` (sorted bytes, as Whoosh's lexicon), ``starts`` (where each term's
    postings begin), ``ids``, ``tf`` and, for phrase fields, ``pos`` and ``pos_starts``.
    Queries map the file (``<segment id>.bin``, described by ``<segment id>.json``,
    which is written last: a file without one is unfinished) and slice it.
    """

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.arrays = arrays

    @staticmethod
    def build(reader: Any, fields: dict[str, bool], folder: Path, key: str) -> None:
        """Read every posting list of the segment ``reader`` (``fields``: name → has
        positions) and save them as ``key`` in ``folder``. Frequencies and positions
        are saved as uint16 when they all fit, as nearly all do (half the size)."""
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        header: dict[str, list] = {}
        with open(tmp, "wb") as out:
            def save(name: str, values: "np.ndarray | _Spill", narrow: bool = False) -> None:
                if isinstance(values, np.ndarray):
                    header[name] = [out.tell(), values.dtype.str, len(values)]
                    values.tofile(out)
                else:
                    values.flush()
                    dtype = np.dtype("<u2") if narrow and values.max < 1 << 16 else values.dtype
                    header[name] = [out.tell(), dtype.str, values.count]
                    for part in values.parts():
                        part.astype(dtype).tofile(out)
                out.write(b"\0" * (-out.tell() % 8))

            for field, positional in fields.items():
                terms: list[bytes] = []
                starts, pos_starts = [0], [0]
                with _Spill("i", "=i4") as ids, _Spill("I", "=u4") as tfs, \
                        _Spill("I", "<u4") as positions:
                    for term in reader.lexicon(field):
                        matcher = reader.postings(field, term)
                        active, docnum, weight, value, step = (matcher.is_active, matcher.id,
                                                               matcher.weight, matcher.value,
                                                               matcher.next)
                        while active():
                            ids.buffer.append(docnum())
                            tfs.buffer.append(int(weight()))
                            if positional:
                                positions.buffer.frombytes(value())
                            step()
                        terms.append(term)
                        starts.append(ids.count + len(ids.buffer))
                        pos_starts.append(positions.count + len(positions.buffer))
                        if len(positions.buffer) > _Spill.SLICE or len(ids.buffer) > _Spill.SLICE:
                            for spill in (ids, tfs, positions):
                                spill.flush()
                    save(f"{field}.terms", np.array(terms, bytes) if terms else np.zeros(0, "S1"))
                    save(f"{field}.starts", np.array(starts, np.int64))
                    save(f"{field}.ids", ids)
                    save(f"{field}.tf", tfs, narrow=True)
                    if positional:
                        save(f"{field}.pos", positions, narrow=True)
                        save(f"{field}.pos_starts", np.array(pos_starts, np.int64))
            out.write(b"\0" * 8)  # never an empty file: an empty one cannot be mapped
        os.replace(tmp, folder / f"{key}.bin")
        tmp.write_text(json.dumps(header), encoding="utf-8")
        os.replace(tmp, folder / f"{key}.json")

    @classmethod
    def open(cls, folder: Path, key: str) -> "SegmentPostings | None":
        """The saved postings of segment ``key``; None if they are missing or damaged."""
        try:
            header = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
            mapped = np.memmap(folder / f"{key}.bin", np.uint8, mode="r")
            return cls({name: np.frombuffer(mapped, np.dtype(dtype), count, offset)
                        for name, (offset, dtype, count) in header.items()})
        except (OSError, ValueError, TypeError):
            return None

    def get(self, field: str, term: str, positions: bool) -> Postings:
        a = self.arrays
        if f"{field}.terms" not in a:
            return _EMPTY
        terms, key = a[f"{field}.terms"], term.encode("utf-8")
        i = int(np.searchsorted(terms, key))
        if i >= len(terms) or terms[i] != key:
            return _EMPTY
        lo, hi = a[f"{field}.starts"][i:i + 2]
        pos = None
        if positions:
            plo, phi = a[f"{field}.pos_starts"][i:i + 2]
            pos = a[f"{field}.pos"][plo:phi]
        return Postings(a[f"{field}.ids"][lo:hi], a[f"{field}.tf"][lo:hi], pos)


_EMPTY = Postings(np.zeros(0, np.int32), np.zeros(0, np.uint16), np.zeros(0, np.uint16))


class _Spill:
    """Numbers appended to ``buffer`` and moved to a temporary file a slice at a time:
    the postings of a segment of 25,000 directives need not all be in memory at once
    (``typecode`` is the buffer's, ``dtype`` its values as numpy reads them)."""

    SLICE = 1 << 21

    def __init__(self, typecode: str, dtype: str):
        self.buffer, self.dtype = array(typecode), np.dtype(dtype)
        self.file = tempfile.TemporaryFile()
        self.count = self.max = 0

    def __enter__(self) -> "_Spill":
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def flush(self) -> None:
        if self.buffer:
            values = np.frombuffer(self.buffer, self.dtype)
            self.max = max(self.max, int(values.max()))
            values.tofile(self.file)
            self.count += len(values)
            del values  # releases the buffer, which can then shrink
            del self.buffer[:]

    def parts(self) -> Iterator[np.ndarray]:
        self.file.seek(0)
        for at in range(0, self.count, self.SLICE):
            yield np.fromfile(self.file, self.dtype, min(self.SLICE, self.count - at))


@dataclass(frozen=True)
class Segment:
    """A leaf reader of the current searcher, its postings, first global document number
    and live documents (None: no deletions)."""

    reader: Any
    postings: SegmentPostings
    offset: int
    live: np.ndarray | None


class Match:
    """Evaluates trees for one searcher state: ``segments`` in order, ``live`` (global
    mask), ``date`` and per-field ``lengths`` (global columns). Unless ``scored``, the
    parts that only add to the score are skipped: the same documents match."""

    def __init__(self, segments: list[Segment], live: np.ndarray, date: np.ndarray,
                 lengths: dict[str, np.ndarray], deadline: float, scored: bool = True):
        self.segments, self.live, self.date, self.lengths = segments, live, date, lengths
        self.deadline, self.scored = deadline, scored
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
                keep = ~_sorted_in(hits.docs, self.run(excluded).docs)
                hits = Hits(hits.docs[keep], hits.scores[keep])
            return hits
        if isinstance(node, Or):
            return _either([self.run(n) for n in node.items])
        if isinstance(node, Prefer):
            hits = self.run(node.required)
            if not self.scored:
                return hits
            scores = hits.scores.copy()
            for optional in node.optional:
                extra = self._phrase(optional.field, optional.words, hits.docs) \
                    if isinstance(optional, Phrase) else self.run(optional)
                at, other = _common(hits.docs, extra.docs)
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
            p = segment.postings.get(field, term, positions)
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

    def _score(self, field: str, ids: np.ndarray, tf: np.ndarray,
               idf: float | None = None) -> np.ndarray:
        """BM25 of each posting (Whoosh's idf: log(N / (df + 1)) + 1)."""
        if not len(ids):
            return np.zeros(0)
        if idf is None:
            idf = self._idf(len(ids))
        if field in self.lengths:
            return bm25(idf, tf.astype(np.float64), self.lengths[field][ids],
                        self.avg_length[field] or 1.0, B, K1)
        return bm25(idf, tf.astype(np.float64), 1.0, 1.0, 0.0, K1)

    def _idf(self, df: int) -> float:
        return math.log(self.live_count / (df + 1)) + 1

    def _phrase(self, field: str, words: tuple[str, ...], within: np.ndarray | None = None) -> Hits:
        """Documents (of ``within``, if given) where ``words`` stand at consecutive
        positions; scored as one term of the phrase's frequency and its words' summed idf
        (as tantivy scores a phrase)."""
        terms = [self._postings(field, w, positions=True) for w in words]
        docs = terms[0][0] if within is None else within[_sorted_in(within, terms[0][0])]
        for ids, _, _ in sorted(terms[1:], key=lambda t: len(t[0])):
            docs = docs[_sorted_in(docs, ids)]
        if not len(docs):
            return _NONE
        # A key per occurrence: document × 2³² + where the phrase would start. Keys come
        # out sorted (documents ascending, positions ascending within each).
        starts = None
        for k, (ids, tf, pos) in sorted(enumerate(terms), key=lambda t: float(t[1][1].sum())):
            keep = _sorted_in(ids, docs)
            counts = tf.astype(np.int64)
            assert pos is not None
            start = pos[np.repeat(keep, counts)].astype(np.int64) - k
            ok = start >= 0
            keys = (np.repeat(ids[keep], counts[keep])[ok] << 32) + start[ok]
            starts = keys if starts is None else _shared(starts, keys)
            if not len(starts):
                return _NONE
        assert starts is not None
        # runs of one document in the sorted keys: its documents and the phrase's frequency
        of = starts >> 32
        first = np.flatnonzero(np.concatenate(([True], of[1:] != of[:-1])))
        docs, freq = of[first], np.diff(np.append(first, len(of)))
        return Hits(docs, self._score(field, docs, freq, sum(self._idf(len(t[0])) for t in terms)))


def _cheap_first(node: Node) -> int:
    """An order for the items of an And: narrow, cheap ones first (an empty one ends it)."""
    if isinstance(node, Term):
        return 0 if node.field in ("ref", "cites", "type") else 2
    return {DateRange: 1, Phrase: 3}.get(type(node), 4)


def _sorted_in(needles: np.ndarray, haystack: np.ndarray) -> np.ndarray:
    """Which of the sorted ``needles`` are in the sorted ``haystack``."""
    keep = np.zeros(len(needles), bool)
    keep[_common(needles, haystack)[0]] = True
    return keep


def _shared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The numbers two sorted arrays (of distinct numbers) share: the two runs are merged
    by a stable sort (timsort: one linear merge), equal neighbours are the shared ones."""
    both = np.concatenate((a, b))
    both.sort(kind="stable")
    return both[:-1][both[1:] == both[:-1]]


def _both(a: Hits, b: Hits) -> Hits:
    ia, ib = _common(a.docs, b.docs)
    return Hits(a.docs[ia], a.scores[ia] + b.scores[ib])


def _common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the numbers two sorted arrays (of distinct numbers) share stand in each,
    without a sort: a table of where each number stands in ``b`` when the numbers are
    dense (document numbers), else a binary search (few of them, or positions)."""
    if not len(a) or not len(b):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    top = int(max(a[-1], b[-1])) + 1
    if len(a) * 16 < len(b) or top > 8 * (len(a) + len(b)):
        at = np.minimum(np.searchsorted(b, a), len(b) - 1)
        found = np.flatnonzero(b[at] == a)
        return found, at[found]
    where = np.full(top, -1, np.int64)
    where[b] = np.arange(len(b))
    at = where[a]
    found = np.flatnonzero(at >= 0)
    return found, at[found]


def _either(parts: list[Hits]) -> Hits:
    parts = [p for p in parts if len(p.docs)]
    if not parts:
        return _NONE
    docs, where = np.unique(np.concatenate([p.docs for p in parts]), return_inverse=True)
    return Hits(docs, np.bincount(where, weights=np.concatenate([p.scores for p in parts]),
                                  minlength=len(docs)))
