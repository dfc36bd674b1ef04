"""The whoosh engine: pure Python, no server; Whoosh's public API only.

Schema (see :mod:`search.fields`): ``text`` (folded syllables with positions: free
words and exact phrases), ``exact`` (syllables with a diacritic as written, with their
counts: they add to the score), ``issuer``/``signer`` (folded, positions), ``ref``/
``cites``/``type`` keywords, columns for the ``date`` (``YYYYMMDD``), the facets and each
document's number of words, ``meta`` and the zlib-compressed ``body`` stored for hits.
The text fields are analysed by vanthu in one pass per value (:class:`Syllables`,
:class:`Spellings`), not token by token through Whoosh's analyzer chain.

Whoosh writes and stores the index. Each segment's posting lists are read once through
``reader.postings`` when a commit writes it, and saved beside it as numpy arrays
(``postings/``, :mod:`search.whoosh_match`) that queries map: exact totals, facets and
date order over all matches, BM25 for relevance. Whoosh's readers share file handles,
so one lock serialises the reads of an engine (Python runs one thread at a time
anyway). Rebuilds and large writes (an ingest's batch) use Whoosh's multi-process writer
with ``multisegment=True`` and save the postings of its segments in as many processes;
its workers die with the process that started them.
"""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import zlib
from array import array
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import columns, fields, formats, index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader
from whoosh.system import pack_uint

from archive.errors import QueryError, StorageError
from archive.settings import Settings

from .analysis import BREAK, SURELY_INDEXABLE, WORD, fold, indexable
from .fields import Fields
from .results import FACETS, Found, Stored
from .tree import Node
from .whoosh_match import LENGTH_FIELDS, Match, Segment, SegmentPostings, TooSlow

__all__ = ["WhooshEngine"]

_POSITION_GAP = 8  # between the parts of a text: no phrase spans two parts
# The indexed fields, and whether a query reads their positions (for phrases).
_POSTING_FIELDS = {"text": True, "exact": False, "issuer": True, "signer": True,
                   "ref": False, "cites": False, "type": False}
_STALE_TMP = 3600  # seconds after which an unfinished postings file is a crash's leftover
_MAPPED_MAX_DOCS = 2000  # see _save_segment_postings


def _uint32(positions: list[int]) -> bytes:
    packed = array("I", positions)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


class UInt32Positions(formats.Positions):
    """Positions as little-endian uint32: a term's posting list of them is read into one
    numpy array (:mod:`search.whoosh_match`), with no decoding per document."""

    def encode(self, poslist: list[int]) -> bytes:
        return _uint32(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return np.frombuffer(valuestring, "<u4").tolist()

    def decode_frequency(self, valuestring: bytes) -> int:
        return len(valuestring) // 4


class VanthuCodec(W3Codec):
    """Whoosh's codec without the length statistics of each block of postings. They serve
    Whoosh's own block-skipping scorers, which no query here uses (:mod:`search.whoosh_match`
    scores over vanthu's columns), and a segment writer computing them reads a document's
    field length back for every posting: 7 % of the CPU of writing a segment. (The segments
    list their codec, so the class keeps its name and module.)"""

    length_stats = False


class _Analysed(fields.FieldType):
    """A field analysed by vanthu in one pass per value, whose column holds each
    document's number of indexed words (BM25's length normalisation).

    Whoosh's ``add_document`` calls ``index(value)`` and then ``to_column_value(value)``
    with the same value: the count is kept from the first call for the second. (Whoosh
    keeps lengths of its own for ``scorable`` fields, but reads them one document at a
    time; a field is scorable all the same: for one that is not, Whoosh's segment
    writer asks the file system for its missing lengths file once per posting.)
    """

    def __init__(self, format: formats.Format):
        super().__init__(format, analyzer=None, scorable=True,
                         sortable=columns.NumericColumn("I"))
        self.counted: tuple[object, int] = (None, 0)

    def postings(self, words: "_Words") -> Iterable[tuple[str, int, bytes]]:
        """Term, frequency and encoded posting of each of the value's terms."""
        raise NotImplementedError

    def index(self, value, **kwargs):
        out, count = [], 0
        for term, freq, encoded in self.postings(_words(value)):
            if len(term) <= SURELY_INDEXABLE or indexable(term):
                out.append((term.encode("utf-8"), freq, float(freq), encoded))
                count += freq
        self.counted = (value, count)
        return out

    def to_column_value(self, value) -> int:
        if self.counted[0] is not value:
            self.index(value)
        return self.counted[1]

    def from_column_value(self, value):
        return value

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "counted": (None, 0)}  # the schema is pickled on commit


class _Words:
    """The syllables of one value, found once for both fields that index it (``text``
    and ``exact`` are the same string, indexed one after the other): each written form
    (lower case) with its count, and each folded syllable with its positions, encoded.

    The text is split into words once, lower case, and only its distinct words are
    folded: a directive of 7,500 words has about 400. On normalized (NFC) text folding
    keeps letters letters and the length (:func:`~search.analysis.fold`), so these are
    the words of the folded text. A text with the one letter whose lower case is longer
    (``İ``) or the one whose lower case depends on the next letter (``Σ``: ``ς`` at the
    end of a word) takes the plain way.
    """

    def __init__(self, value: str):
        self.value = value
        lowered = value.lower()
        plain = len(lowered) == len(value) and "Σ" not in value
        words: list[str] = []
        positions: list[np.ndarray] = []
        for part in (lowered if plain else fold(value)).split(BREAK):
            found = WORD.findall(part)
            start = len(words) + len(positions) * _POSITION_GAP
            positions.append(np.arange(start, start + len(found), dtype="<u4"))
            words += found
        counts = Counter(words)
        self.written = counts if plain else Counter(WORD.findall(lowered))
        number: dict[str, int] = {}
        term_of = {w: number.setdefault(fold(w), len(number)) for w in counts}
        ids = np.fromiter(map(term_of.__getitem__, words), np.int64, len(words))
        order = np.argsort(ids, kind="stable")
        self.terms = list(number)
        self.freqs = np.bincount(ids, minlength=len(number)).tolist()
        self.encoded = np.concatenate(positions)[order].tobytes()


_RECENT = threading.local()


def _words(value: str) -> _Words:
    """The words of ``value``, found once: Whoosh indexes a document's fields in the
    order of their names, so ``issuer`` and ``signer`` come between ``exact`` and
    ``text``."""
    recent = getattr(_RECENT, "words", None)
    if recent is None:
        recent = _RECENT.words = deque(maxlen=4)
    for words in recent:
        if words.value is value:
            return words
    recent.append(_Words(value))
    return recent[-1]


class Syllables(_Analysed):
    """Folded syllables with positions; a :data:`~search.analysis.BREAK` leaves a gap, so
    no phrase spans two parts of a text (a word too long to index keeps its place).

    >>> [(t, f) for t, f, _, _ in Syllables().index("Quận uỷ HOÀN KIẾM quận")]
    [(b'quan', 2), (b'uy', 1), (b'hoan', 1), (b'kiem', 1)]
    """

    def __init__(self) -> None:
        super().__init__(UInt32Positions())

    def postings(self, words: _Words) -> Iterator[tuple[str, int, bytes]]:
        at, encoded = 0, words.encoded
        for term, freq in zip(words.terms, words.freqs):
            yield term, freq, encoded[at:at + 4 * freq]
            at += 4 * freq


class Spellings(_Analysed):
    """Syllables with a diacritic, lower case, as written (the text is normalized), with
    their counts. A syllable without one is the same in the folded field, and an exact
    match only adds to the score of words typed with diacritics: plain ASCII ones are
    left out.

    >>> [t for t, _, _, _ in Spellings().index("Phòng chống COVID ở Hà Nội")]
    [b'ph\xc3\xb2ng', b'ch\xe1\xbb\x91ng', b'\xe1\xbb\x9f', b'h\xc3\xa0', b'n\xe1\xbb\x99i']
    """

    def __init__(self) -> None:
        super().__init__(formats.Frequency())

    def postings(self, words: _Words) -> Iterator[tuple[str, int, bytes]]:
        for word, count in words.written.items():
            if not word.isascii():
                yield word, count, pack_uint(count)


def _schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        text=Syllables(),
        exact=Spellings(),
        issuer=Syllables(),
        signer=Syllables(),
        ref=fields.KEYWORD(lowercase=False),
        cites=fields.KEYWORD(lowercase=False),
        type=fields.KEYWORD(lowercase=False),
        date=fields.COLUMN(columns.NumericColumn("I")),
        f_issuer=fields.COLUMN(columns.RefBytesColumn()),
        f_type=fields.COLUMN(columns.RefBytesColumn()),
        meta=fields.STORED(),
        body=fields.STORED(),
    )


def _document(f: Fields) -> dict[str, Any]:
    text = BREAK.join(f.parts)
    return {
        "id": f.id, "text": text, "exact": text,
        "issuer": BREAK.join(f.issuers) or None, "signer": f.signer or None,
        "ref": " ".join(f.refs) or None, "cites": " ".join(f.cites) or None,
        "type": " ".join(f.types) or None, "date": f.date,
        "f_issuer": f.facet_issuer.encode("utf-8"), "f_type": f.facet_type.encode("utf-8"),
        "meta": f.meta, "body": zlib.compress(f.body.encode("utf-8"), 1),
    }


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


class _State:
    """What queries need of one searcher: its segments with their live documents, and
    the per-document columns (date, lengths, facets) of all of them as numpy arrays.
    A segment's columns and postings are read once (they never change); its live
    documents again when its deletions do."""

    def __init__(self, searcher, previous: "_State | None", postings: Path) -> None:
        self.searcher = searcher
        old = previous.columns if previous is not None else {}
        self.segments: list[Segment] = []
        self.columns: dict[str, dict[str, Any]] = {}
        parts, lives = [], []
        for reader, offset in searcher.reader().leaf_readers():
            if not reader.doc_count_all():
                continue  # an empty index's reader has no segment
            key = reader.segment().segment_id()
            cols = old.get(key) or {**_segment_columns(reader),
                                    "postings": _segment_postings(reader, postings, key)}
            live = None
            if reader.has_deletions():
                count = reader.doc_count()
                if cols.get("live_count") != count:  # deletions only grow
                    mask = np.zeros(reader.doc_count_all(), bool)
                    mask[np.fromiter(reader.all_doc_ids(), np.int64)] = True
                    cols = {**cols, "live": mask, "live_count": count}
                live = cols["live"]
            self.columns[key] = cols
            self.segments.append(Segment(reader, cols["postings"], offset, live))
            parts.append(cols)
            lives.append(live if live is not None else np.ones(len(cols["date"]), bool))
        self.live = np.concatenate(lives) if lives else np.zeros(0, bool)
        self.date = _joined(parts, "date")
        self.lengths = {name: _joined(parts, name) for name in LENGTH_FIELDS}
        self.facets: dict[str, tuple[np.ndarray, list[str]]] = {}
        for name in FACETS:
            values = sorted({v for p in parts for v in p[name]} - {""})
            number = {v: n for n, v in enumerate(values)}
            ords = [np.array([number.get(v, -1) for v in p[name]], np.int64) for p in parts]
            self.facets[name] = (np.concatenate(ords) if ords else np.zeros(0, np.int64), values)

    def match(self, deadline: float, scored: bool = True) -> Match:
        return Match(self.segments, self.live, self.date, self.lengths, deadline, scored)


def _open_index(folder: Path):
    """The index in ``folder``, its files read through file handles. Whoosh's default
    storage maps a compound segment file and reads each file in it through a copy in
    memory: 575 MB per process at 50,000 documents, and as much again for every reader a
    commit opens. Queries read their postings from vanthu's own arrays (mapped), and
    Whoosh only a few stored documents and lexicon entries: reads through a handle are
    fast enough for those."""
    return FileStorage(str(folder), supports_mmap=False).open_index()


def _segment_postings(reader, folder: Path, key: str) -> SegmentPostings:
    """The saved postings of a segment, saved now if a crash left them unsaved."""
    found = SegmentPostings.open(folder, key)
    if found is None:
        SegmentPostings.build(reader, _POSTING_FIELDS, folder, key)
        found = SegmentPostings.open(folder, key)
    if found is None:
        raise StorageError(f"cannot read the postings saved in {folder / key}.bin")
    return found


def _joined(parts: list[dict[str, Any]], name: str) -> np.ndarray:
    return np.concatenate([p[name] for p in parts]) if parts else np.zeros(0, np.int64)


def _column(reader, name: str) -> np.ndarray:
    return np.asarray(reader.column_reader(name, translate=False).load(), np.int64)


def _segment_columns(reader) -> dict[str, Any]:
    date = _column(reader, "date")
    return {"date": date, **{name: _column(reader, name) for name in LENGTH_FIELDS},
            "issuer": [v.decode("utf-8") for v in reader.column_reader("f_issuer")],
            "type": [v.decode("utf-8") for v in reader.column_reader("f_type")],
            "year": [str(d // 10000) if d else "" for d in date.tolist()]}


class WhooshEngine:
    """A whoosh index in ``folder`` (created by :meth:`create`)."""

    name = "whoosh"

    def __init__(self, folder: Path, settings: Settings):
        self.folder, self.settings = folder, settings
        self._lock = threading.RLock()
        self._state: _State | None = None
        self.postings = folder / "postings"
        try:
            self._ix = _open_index(folder)
        except Exception as exc:  # whoosh raises many types; callers get ours
            raise StorageError(f"cannot open the search index in {folder} "
                               f"({' '.join(str(exc).split())})") from exc

    @classmethod
    def create(cls, folder: Path, settings: Settings) -> "WhooshEngine":
        whoosh_index.create_in(str(folder), _schema())
        return cls(folder, settings)

    # -- writing ------------------------------------------------------------------

    def write(self, changes: Iterable[Fields | str], procs: int = 1) -> int:
        """Replace or add documents (an id alone: delete it), in one commit or none;
        with ``procs`` > 1, worker processes analyse and write a segment each."""
        return self._write(changes, procs, replace=True)

    def load(self, documents: Iterable[Fields], procs: int) -> int:
        """Fill this new, empty index; ``procs`` worker processes write a segment each."""
        return self._write(documents, procs, replace=False)

    def _write(self, changes: Iterable[Fields | str], procs: int, replace: bool) -> int:
        _ARMED.on = procs > 1
        before = {p.pid for p in multiprocessing.active_children()}
        adding = None
        try:
            # Jobs of a quarter of the smallest batch written in parallel: every worker
            # starts early and has several.
            jobs = max(1, self.settings.index_parallel_min_docs // (2 * procs))
            writer = adding = self._ix.writer(procs=procs, multisegment=procs > 1,
                                              batchsize=jobs, limitmb=self.settings.index_memory_mb,
                                              codec=VanthuCodec())
            with _watched(writer):
                count = _add(writer, changes, replace)
                adding = None
                writer.commit()
            self._save_postings(procs)
            _check_workers(writer)  # Whoosh commits without the segment of a worker that died
            return count
        except BaseException:
            # Whoosh's cancel() does not reach its worker processes, which would go on
            # writing into a folder being deleted (and race the cancel's removal of their
            # job files), or wait for work and keep this process from exiting: they go
            # first, then what was added is cancelled.
            for child in multiprocessing.active_children():
                if child.pid not in before:
                    child.kill()
                    child.join()
            if adding is not None:
                adding.cancel()
            raise
        finally:
            _ARMED.on = False

    def _save_postings(self, procs: int) -> None:
        """Save the postings of the segments the last commit made (``procs`` at a time,
        in worker processes), and delete those of the segments it merged away. Only the
        new segments are opened: opening a reader of the whole index copies the term
        files of every segment."""
        keys = {s.segment_id() for s in _segments(self._ix) if s.doc_count_all()}
        missing = [k for k in keys if not (self.postings / f"{k}.json").exists()]
        if procs > 1 and len(missing) > 1:
            # An executor, not a Pool: a pool whose worker is killed waits for its task for ever.
            try:
                with ProcessPoolExecutor(min(procs, len(missing)),
                                         mp_context=multiprocessing.get_context("fork")) as pool:
                    list(pool.map(_save_segment_postings, [self.folder] * len(missing), missing))
            except BrokenProcessPool:
                raise StorageError("a process saving the search index's postings died; the "
                                   "next use of the index saves them again") from None
        else:
            for key in missing:
                _save_segment_postings(self.folder, key, self._ix)
        for path in self.postings.glob("*"):
            key = path.name.split(".")[0 if path.suffix != ".tmp" else 1]
            if key not in keys and (path.suffix != ".tmp"
                                    or time.time() - path.stat().st_mtime > _STALE_TMP):
                path.unlink(missing_ok=True)

    # -- reading ------------------------------------------------------------------

    @contextmanager
    def _time_limited(self) -> Iterator[float]:
        """The deadline of a query: one that is still evaluating its tree past it (a
        tree of hundreds of common phrases) is stopped and refused."""
        try:
            yield time.monotonic() + self.settings.search_time_limit
        except TooSlow:
            raise QueryError(f"the query takes more than {self.settings.search_time_limit:g} s "
                             "on this archive; narrow it (rarer words, a field, a date), or "
                             "switch to tantivy (`vanthu reindex --engine tantivy`)") from None

    def _current(self) -> _State:
        if self._state is None or not self._state.searcher.up_to_date():
            # A new searcher, not refresh() (which keeps the readers of unchanged
            # segments but closes the others whatever still uses them). The replaced one
            # is closed now, not when the garbage collector gets to it: each of its
            # readers holds its segment's file open. Nothing else uses it: every read
            # holds the lock and takes what it needs (hits included) before letting go.
            previous = self._state
            self._state = _State(self._ix.searcher(), previous, self.postings)
            if previous is not None:
                previous.searcher.close()
        return self._state

    def search(self, node: Node, *, offset: int, limit: int, sort: str,
               facet_limit: int | None) -> Found:
        with self._lock:
            state = self._current()  # opening a new generation is not the query's time
            with self._time_limited() as deadline:
                found = state.match(deadline, scored=sort == "relevance").run(node)
            docs = found.docs
            if sort == "relevance":
                order = _first(-found.scores, docs, offset + limit)[offset:]
                top = [(int(docs[i]), float(found.scores[i])) for i in order]
            else:
                dates = state.date[docs]
                key = np.where(dates == 0, np.iinfo(np.int64).max, dates) if sort == "date" \
                    else -dates  # newest first: undated (0) last
                top = [(int(docs[i]), 0.0) for i in _first(key, docs, offset + limit)[offset:]]
            hits = [self._stored(state.searcher, d, s) for d, s in top]
            facets = _facet_counts(state, docs, facet_limit) if facet_limit else {}
        return Found(len(docs), hits, facets)

    def _stored(self, searcher, docnum: int, score: float) -> Stored:
        stored = searcher.stored_fields(docnum)
        body = zlib.decompress(stored["body"]).decode("utf-8")
        return Stored(stored["id"], tuple(stored["meta"]), body, float(score))

    def count(self, node: Node) -> int:
        with self._lock:
            state = self._current()
            with self._time_limited() as deadline:
                return len(state.match(deadline, scored=False).run(node).docs)

    def doc_freq(self, field: str, term: str) -> int:
        with self._lock:
            return self._current().searcher.doc_frequency(field, term)

    def terms(self, field: str, prefix: str, limit: int) -> list[str]:
        with self._lock:
            reader = self._current().searcher.reader()
            out = []
            for term in reader.expand_prefix(field, prefix):
                out.append(term.decode("utf-8") if isinstance(term, bytes) else term)
                if len(out) >= limit:
                    break
            return out

    def doc_count(self) -> int:
        with self._lock:
            return self._current().searcher.doc_count()

    def ids(self) -> set[str]:
        with self._lock:
            out: set[str] = set()
            for segment in self._current().segments:
                values = segment.reader.column_reader("id")
                out.update(v for n, v in enumerate(values)
                           if segment.live is None or segment.live[n])
            return out

    def contains(self, doc_id: str) -> bool:
        with self._lock:
            return self._current().searcher.document_number(id=doc_id) is not None

    def close(self) -> None:
        with self._lock:
            if self._state is not None:
                self._state.searcher.close()
            self._state = None

    def __del__(self) -> None:
        # An engine dropped unclosed (an Index nobody closed) closes its segment files
        # now: the files' own finalisers would warn of each (ResourceWarning).
        if getattr(self, "_state", None) is not None:
            self.close()


def _segments(ix) -> list:
    return whoosh_index.TOC.read(ix.storage, ix.indexname).segments


def _save_segment_postings(folder: Path, key: str, ix=None) -> None:
    ix = ix or _open_index(folder)
    for segment in _segments(ix):
        if segment.segment_id() == key:
            # A small segment (an ingest's batch) is read through Whoosh's default, mapped
            # storage: its copy in memory is small, and every posting list is read in 0.57
            # of the time file handles take (250 directives: 0.50 s instead of 0.88).
            storage = ix.storage if segment.doc_count_all() > _MAPPED_MAX_DOCS \
                else FileStorage(str(folder))
            with SegmentReader(storage, ix.schema, segment) as reader:
                SegmentPostings.build(reader, _POSTING_FIELDS, folder / "postings", key)


def _check_workers(writer) -> None:
    """Raise if one of a multi-process writer's workers died (killed, out of memory, a full
    disk): Whoosh itself goes on without its documents, and waits for ever to hand work
    to workers that are all dead."""
    died = [task.exitcode for task in getattr(writer, "tasks", ()) if task.exitcode]
    if died:
        raise StorageError(f"a process writing the search index died (exit code {died[0]}); "
                           "its documents are indexed again by the next write or `vanthu reindex`")


@contextmanager
def _watched(writer) -> Iterator[None]:
    """While work is handed to a multi-process writer: once a worker has died, empty its
    job queue now and then, so that a hand-over waiting for room in it (Whoosh's has no
    timeout) returns, and the next check of the workers raises."""
    tasks, jobs = getattr(writer, "tasks", None), getattr(writer, "jobqueue", None)
    if tasks is None or jobs is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            if any(task.exitcode for task in list(tasks)):
                try:
                    while True:
                        jobs.get_nowait()
                except queue.Empty:
                    pass

    watcher = threading.Thread(target=watch, name="whoosh-workers", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _add(writer, changes: Iterable[Fields | str], replace: bool) -> int:
    """Hand ``changes`` to the writer; how many documents it was given."""
    count = 0
    for change in changes:
        _check_workers(writer)
        if isinstance(change, str):
            writer.delete_by_term("id", change)
            continue
        if replace:
            writer.update_document(**_document(change))
        else:
            writer.add_document(**_document(change))
        count += 1
    return count


def _first(key: np.ndarray, docs: np.ndarray, n: int) -> np.ndarray:
    """Where the ``n`` smallest keys stand, in order (ties: the smaller document first);
    only the keys up to the n-th are sorted, not every match's.

    >>> _first(np.array([3, 1, 2, 1, 3]), np.array([10, 11, 12, 13, 14]), 3).tolist()
    [1, 3, 2]
    """
    within = np.flatnonzero(key <= np.partition(key, n - 1)[n - 1]) if n < len(key) \
        else np.arange(len(key))
    return within[np.lexsort((docs[within], key[within]))][:n]


def _facet_counts(state: _State, docs: np.ndarray, limit: int) -> dict[str, list[tuple[str, int]]]:
    out = {}
    for name in FACETS:
        ords, values = state.facets[name]
        picked = ords[docs]
        counts = np.bincount(picked[picked >= 0], minlength=len(values))
        ranked = sorted(((values[i], int(c)) for i, c in enumerate(counts) if c),
                        key=lambda vc: (-vc[1], vc[0]))
        out[name] = ranked[:limit]
    return out
