"""The whoosh engine: pure Python, no server; Whoosh's public API only.

Schema (see :mod:`search.fields`): ``text`` (folded syllables with positions: free
words and exact phrases), ``exact`` (syllables with a diacritic as written, frequencies
only: they add to the score), ``issuer``/``signer`` (folded, positions), ``ref``/``cites``/
``type`` keywords, ``date`` (a sortable ``YYYYMMDD`` number), ``f_issuer``/``f_type``
columns for facets, ``meta`` and the zlib-compressed ``body`` stored for hits.

Relevance is Whoosh's BM25F through its top-N collector (with its block-quality
skipping); the total, facets and date order come from the set of matching documents
(``docs_for_query``) and per-segment columns read once into numpy arrays. Whoosh's
readers share file handles, so one lock serialises the reads of an engine (Python runs
one thread at a time anyway). Rebuilds use Whoosh's multi-process writer with
``multisegment=True``; its workers die with the process that started them.
"""
from __future__ import annotations

import ctypes
import os
import signal
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import collectors, columns, fields, index as whoosh_index, query as wq
from whoosh.analysis import Token, Tokenizer

from archive.errors import QueryError, StorageError
from archive.settings import Settings

from .analysis import BREAK, SURELY_INDEXABLE, WORD, fold, indexable
from .fields import Fields
from .tree import And, DateRange, Every, Node, Nothing, Or, Phrase, Prefer, Term
from .results import FACETS, Found, Stored

__all__ = ["WhooshEngine"]

_POSITION_GAP = 8  # between the parts of a text: no phrase spans two parts


class _Analyser(Tokenizer):
    """Shared plumbing: whoosh calls a tokenizer with these keyword arguments."""

    def __eq__(self, other: object) -> bool:
        return self.__class__ is other.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def words(self, value: str) -> Iterator[tuple[int, str]]:
        raise NotImplementedError

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pairs = [(0, fold(value))] if not tokenize else self.words(value)
        for pos, text in pairs:
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            yield token


class FoldingTokenizer(_Analyser):
    """Folded syllables; a :data:`~search.analysis.BREAK` leaves a gap in positions.

    >>> [t.text for t in FoldingTokenizer()("Quận uỷ HOÀN KIẾM")]
    ['quan', 'uy', 'hoan', 'kiem']
    """

    def words(self, value: str) -> Iterator[tuple[int, str]]:
        pos = 0
        for part in fold(value).split(BREAK):
            for word in WORD.findall(part):
                if len(word) <= SURELY_INDEXABLE or indexable(word):
                    yield pos, word
                pos += 1  # a word too long to index still keeps its place, as in tantivy
            pos += _POSITION_GAP


class ExactTokenizer(_Analyser):
    """Syllables with a diacritic, lower case, as written (the text is normalized).

    A syllable without one is the same in the folded field, and an exact match only
    adds to the score of words typed with diacritics: plain ASCII ones are left out.

    >>> [t.text for t in ExactTokenizer()("Phòng chống COVID ở Hà Nội")]
    ['phòng', 'chống', 'ở', 'hà', 'nội']
    """

    def words(self, value: str) -> Iterator[tuple[int, str]]:
        for word in WORD.findall(value.lower()):
            if not word.isascii() and (len(word) <= SURELY_INDEXABLE or indexable(word)):
                yield 0, word


def _schema() -> fields.Schema:
    folded = FoldingTokenizer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        text=fields.TEXT(analyzer=folded, phrase=True),
        exact=fields.TEXT(analyzer=ExactTokenizer(), phrase=False),
        issuer=fields.TEXT(analyzer=folded, phrase=True),
        signer=fields.TEXT(analyzer=folded, phrase=True),
        ref=fields.KEYWORD(lowercase=False, scorable=True),
        cites=fields.KEYWORD(lowercase=False, scorable=True),
        type=fields.KEYWORD(lowercase=False),
        date=fields.NUMERIC(int, bits=32, signed=False, sortable=True),
        f_issuer=fields.COLUMN(columns.RefBytesColumn()),
        f_type=fields.COLUMN(columns.RefBytesColumn()),
        meta=fields.STORED(),
        body=fields.STORED(),
    )


def _document(f: Fields) -> dict[str, Any]:
    return {
        "id": f.id, "text": BREAK.join(f.parts), "exact": BREAK.join(f.parts),
        "issuer": BREAK.join(f.issuers), "signer": f.signer,
        "ref": " ".join(f.refs), "cites": " ".join(f.cites), "type": " ".join(f.types),
        "date": f.date, "f_issuer": f.facet_issuer.encode("utf-8"),
        "f_type": f.facet_type.encode("utf-8"), "meta": f.meta,
        "body": zlib.compress(f.body.encode("utf-8"), 1),
    }


def compile_query(node: Node) -> wq.Query:
    """The whoosh query of a parsed tree (fuzzy words already expanded)."""
    if isinstance(node, Term):
        return wq.Term(node.field, node.text, boost=node.boost)
    if isinstance(node, Phrase):
        return wq.Phrase(node.field, list(node.words))
    if isinstance(node, DateRange):
        end = node.end - 1 if node.end else None  # the range is inclusive; 0 = undated
        return wq.NumericRange("date", node.start or 1, end)
    if isinstance(node, And):
        items = [compile_query(n) for n in node.items]
        base = items[0] if len(items) == 1 else wq.And(items) if items else wq.Every()
        if not node.exclude:
            return base
        excluded = [compile_query(n) for n in node.exclude]
        return wq.AndNot(base, excluded[0] if len(excluded) == 1 else wq.Or(excluded))
    if isinstance(node, Or):
        return wq.Or([compile_query(n) for n in node.items])
    if isinstance(node, Prefer):
        optional = [compile_query(n) for n in node.optional]
        return wq.AndMaybe(compile_query(node.required),
                           optional[0] if len(optional) == 1 else wq.Or(optional))
    if isinstance(node, Every):
        return wq.Every()
    if isinstance(node, Nothing):
        return wq.NullQuery
    raise TypeError(f"cannot compile {node!r}")


# -- worker processes die with their parent (a killed reindex leaves no orphan holding a lock)

_ARMED = threading.local()


def _die_with_parent() -> None:
    if not getattr(_ARMED, "on", False):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return  # not Linux: workers then end when their queue does
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


os.register_at_fork(after_in_child=_die_with_parent)


class _Columns:
    """Per-document values of a searcher as numpy arrays, rebuilt only for new segments."""

    def __init__(self) -> None:
        self.key: tuple[tuple[str, int], ...] = ()
        self.segments: dict[tuple[str, int], dict[str, Any]] = {}
        self.date = np.zeros(0, np.int64)
        self.ids: list[str] = []
        self.facets: dict[str, tuple[np.ndarray, list[str]]] = {
            name: (np.zeros(0, np.int64), []) for name in FACETS}

    def load(self, searcher) -> "_Columns":
        leaves = [(r, o) for r, o in searcher.reader().leaf_readers() if r.doc_count_all()]
        # a segment's deletions change its live count, not its id
        key = tuple((reader.segment().segment_id(), reader.doc_count()) for reader, _ in leaves)
        if key == self.key and (key or not self.segments):
            return self
        segments = {segid: self.segments.get(segid) or _segment_columns(reader)
                    for (reader, _), segid in zip(leaves, key)}
        parts = [segments[segid] for segid in key]
        self.date = np.concatenate([p["date"] for p in parts]) if parts else np.zeros(0, np.int64)
        self.ids = [i for p in parts for i in p["ids"]]
        self.facets = {}
        for name in FACETS:
            values = sorted({v for p in parts for v in p[name]} - {""})
            number = {v: n for n, v in enumerate(values)}
            ords = [np.array([number.get(v, -1) for v in p[name]], np.int64) for p in parts]
            self.facets[name] = (np.concatenate(ords) if ords else np.zeros(0, np.int64), values)
        self.segments, self.key = segments, key
        return self


def _segment_columns(reader) -> dict[str, Any]:
    date = np.array(list(reader.column_reader("date")), np.int64)
    live = np.zeros(len(date), bool)
    live[list(reader.all_doc_ids())] = True
    ids = [i if alive else "" for i, alive in zip(reader.column_reader("id"), live)]
    return {"date": date, "ids": ids,
            "issuer": [v.decode("utf-8") for v in reader.column_reader("f_issuer")],
            "type": [v.decode("utf-8") for v in reader.column_reader("f_type")],
            "year": [str(d // 10000) if d else "" for d in date.tolist()]}


class WhooshEngine:
    """A whoosh index in ``folder`` (created by :meth:`create`)."""

    name = "whoosh"

    def __init__(self, folder: Path, settings: Settings):
        self.folder, self.settings = folder, settings
        self._lock = threading.RLock()
        self._searcher = None
        self._columns = _Columns()
        try:
            self._ix = whoosh_index.open_dir(str(folder))
        except Exception as exc:  # whoosh raises many types; callers get ours
            raise StorageError(f"cannot open the search index in {folder} "
                               f"({' '.join(str(exc).split())})") from exc

    @classmethod
    def create(cls, folder: Path, settings: Settings) -> "WhooshEngine":
        whoosh_index.create_in(str(folder), _schema())
        return cls(folder, settings)

    # -- writing ------------------------------------------------------------------

    def write(self, changes: Iterable[Fields | str]) -> int:
        """Replace or add documents (an id alone: delete it), in one commit or none."""
        return _commit(self._ix.writer(limitmb=self.settings.index_memory_mb), changes,
                       replace=True)

    def load(self, documents: Iterable[Fields], procs: int) -> int:
        """Fill this new, empty index; ``procs`` worker processes write a segment each."""
        _ARMED.on = procs > 1
        try:
            writer = self._ix.writer(procs=procs, multisegment=procs > 1,
                                     limitmb=self.settings.index_memory_mb)
            return _commit(writer, documents, replace=False)
        finally:
            _ARMED.on = False

    # -- reading ------------------------------------------------------------------

    @contextmanager
    def _time_limited(self) -> Iterator[None]:
        """Whoosh walks every match in Python: a query of only common words on a large
        archive can take minutes, so it is stopped and refused past the time limit."""
        try:
            yield
        except _TooSlow:
            raise QueryError(f"the query takes more than {self.settings.search_time_limit:g} s "
                             "on this archive; narrow it (rarer words, a field, a date), or "
                             "switch to tantivy (`vanthu reindex --engine tantivy`)") from None

    def _current(self):
        if self._searcher is None or not self._searcher.up_to_date():
            # A new searcher, not refresh(): refresh() closes readers a caller may use.
            self._searcher = self._ix.searcher()
        return self._searcher

    def search(self, node: Node, *, offset: int, limit: int, sort: str,
               facet_limit: int | None) -> Found:
        with self._lock, self._time_limited():
            searcher = self._current()
            cols = self._columns.load(searcher)
            deadline = time.monotonic() + self.settings.search_time_limit
            docs = _matching(searcher, node, deadline)
            if not len(docs):
                top = []
            elif sort == "relevance":
                # Exclusions are applied as a filter of the right documents: Whoosh's
                # AndNot matcher can let an excluded document through once it has been
                # replaced mid-way (found by the engines' agreement test).
                allowed = set(docs.tolist()) if _excludes(node) else None
                best = _Deadline(searcher.collector(limit=offset + limit), deadline)
                searcher.search_with_collector(compile_query(_positive(node)),
                                               collectors.FilterCollector(best, allow=allowed)
                                               if allowed is not None else best)
                top = [(hit.docnum, hit.score or 0.0)
                       for hit in best.results()[offset:offset + limit]]
            else:
                dates = cols.date[docs]
                key = np.where(dates == 0, np.iinfo(np.int64).max, dates) if sort == "date" \
                    else -dates  # newest first: undated (0) last
                order = docs[np.lexsort((docs, key))][offset:offset + limit]
                top = [(int(d), 0.0) for d in order]
            hits = [self._stored(searcher, d, s) for d, s in top]
            facets = _facet_counts(cols, docs, facet_limit) if facet_limit else {}
        return Found(len(docs), hits, facets)

    def _stored(self, searcher, docnum: int, score: float) -> Stored:
        stored = searcher.stored_fields(docnum)
        body = zlib.decompress(stored["body"]).decode("utf-8")
        return Stored(stored["id"], tuple(stored["meta"]), body, float(score))

    def count(self, node: Node) -> int:
        with self._lock, self._time_limited():
            deadline = time.monotonic() + self.settings.search_time_limit
            return len(_matching(self._current(), node, deadline))

    def doc_freq(self, field: str, term: str) -> int:
        with self._lock:
            return self._current().doc_frequency(field, term)

    def terms(self, field: str, prefix: str, limit: int) -> list[str]:
        with self._lock:
            reader = self._current().reader()
            out = []
            for term in reader.expand_prefix(field, prefix):
                out.append(term.decode("utf-8") if isinstance(term, bytes) else term)
                if len(out) >= limit:
                    break
            return out

    def doc_count(self) -> int:
        with self._lock:
            return self._current().doc_count()

    def ids(self) -> set[str]:
        with self._lock:
            return set(self._columns.load(self._current()).ids) - {""}

    def contains(self, doc_id: str) -> bool:
        with self._lock:
            return self._current().document_number(id=doc_id) is not None

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None


def _commit(writer, changes: Iterable[Fields | str], replace: bool) -> int:
    """Write ``changes`` and commit, or cancel everything if they raise."""
    count = 0
    try:
        for change in changes:
            if isinstance(change, str):
                writer.delete_by_term("id", change)
                continue
            if replace:
                writer.update_document(**_document(change))
            else:
                writer.add_document(**_document(change))
            count += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return count


def _excludes(node: Node) -> bool:
    if isinstance(node, And):
        return bool(node.exclude) or any(map(_excludes, node.items))
    if isinstance(node, Or):
        return any(map(_excludes, node.items))
    return isinstance(node, Prefer) and _excludes(node.required)


def _positive(node: Node) -> Node:
    """The tree without its exclusions: what scores a document."""
    if isinstance(node, And):
        return And(tuple(map(_positive, node.items)))
    if isinstance(node, Or):
        return Or(tuple(map(_positive, node.items)))
    if isinstance(node, Prefer):
        return Prefer(_positive(node.required), node.optional)
    return node


class _TooSlow(Exception):
    pass


class _Deadline(collectors.WrappingCollector):
    """Stops a collector past a deadline (checked every 64 documents: no timer thread,
    no signal, so it works in any thread; whoosh's TimeLimitCollector uses both)."""

    def __init__(self, child, deadline: float):
        super().__init__(child)
        self.deadline, self.seen = deadline, 0

    def collect(self, sub_docnum):
        self.seen += 1
        if self.seen % 64 == 1 and time.monotonic() > self.deadline:
            raise _TooSlow
        return self.child.collect(sub_docnum)


def _until(docnums: Iterator[int], deadline: float) -> Iterator[int]:
    for n, docnum in enumerate(docnums):
        if n % 256 == 0 and time.monotonic() > deadline:
            raise _TooSlow
        yield docnum


def _matching(searcher, node: Node, deadline: float) -> np.ndarray:
    """The docnums matching ``node``, ascending; exclusions as set differences."""
    if not _excludes(node):
        return np.fromiter(_until(searcher.docs_for_query(compile_query(node)), deadline),
                           np.int64)
    if isinstance(node, Prefer):
        return _matching(searcher, node.required, deadline)
    if isinstance(node, Or):
        return np.unique(np.concatenate([_matching(searcher, n, deadline) for n in node.items]))
    assert isinstance(node, And)
    if node.items:
        docs = _matching(searcher, node.items[0], deadline)
        for item in node.items[1:]:
            docs = np.intersect1d(docs, _matching(searcher, item, deadline), assume_unique=True)
    else:
        docs = _matching(searcher, Every(), deadline)
    for excluded in node.exclude:
        docs = np.setdiff1d(docs, _matching(searcher, excluded, deadline), assume_unique=True)
    return docs


def _facet_counts(cols: _Columns, docs: np.ndarray, limit: int) -> dict[str, list[tuple[str, int]]]:
    out = {}
    for name in FACETS:
        ords, values = cols.facets[name]
        picked = ords[docs]
        counts = np.bincount(picked[picked >= 0], minlength=len(values))
        ranked = sorted(((values[i], int(c)) for i, c in enumerate(counts) if c),
                        key=lambda vc: (-vc[1], vc[0]))
        out[name] = ranked[:limit]
    return out
