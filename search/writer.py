"""Writing segments fast: postings gathered in memory, documents analysed in workers.

Whoosh's ``SegmentWriter`` sends every posting through a sorting pool (pickled to
temporary run files), then looks up the document's field length again for each
posting while writing it: about 15 µs of Python per posting, and a directive has
~900 postings. :class:`BulkWriter` keeps the postings of its segment in a dict of
arrays per term instead (a posting costs an ``append``) and writes each term's
list in one go. A segment is closed when its postings reach ``limitmb``, which
bounds memory; every worker process writes segments of its own, and the parent
only hands out records and commits the list of segments (no merge). Posting blocks
keep whoosh's layout but hold their ids and weights as arrays (:func:`_write_block`):
whoosh reads them as before, and they decode ~2× faster (searches decode whole
postings lists, see :mod:`search.postings`). Indexes written before read the same.
"""
from __future__ import annotations

import multiprocessing
import pickle
import queue
import traceback
import zlib
from array import array
from functools import partial
from itertools import chain
from operator import sub
from collections.abc import Callable, Iterable
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.system import pack_int, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from archive.errors import StorageError

__all__ = ["BulkWriter", "write_all"]

# Rough bytes of memory per posting and per distinct term, for ``limitmb``.
_POSTING_BYTES = 10
_TERM_BYTES = 260
_BATCH = 32  # records per message to a worker
_INLINE = 4  # postings stored in the term table, not the postings file
_HEADER = WHOOSH3_HEADER_MAGIC


class BulkWriter(SegmentWriter):
    """A ``SegmentWriter`` whose postings stay in memory until the segment is written.

    Accepts everything ``SegmentWriter`` does (``update_document``, merging small
    segments on commit); fields that pass counted terms (:class:`~search.schema.Counted`)
    skip tokenising altogether.
    """

    def __init__(self, ix, *, limitmb: int = 256, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self._limit = limitmb * 2**20
        self._reset()
        self.done: list = []  # segments closed early because memory ran out

    def _reset(self) -> None:
        # fieldname → term bytes → [docnums, weights, values or None]
        self._postings: dict[str, dict[bytes, list]] = {}
        self._size = 0

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        if self._size > self._limit:
            self._roll()
        schema, pdw, docnum = self.schema, self.perdocwriter, self.docnum
        pdw.start_doc(docnum)
        try:
            for name in sorted(fields):
                value = fields[name]
                if value is None or name.startswith("_"):
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    length = self._invert(name, field, value, docnum)
                pdw.add_field(name, field, value if field.stored else None, length)
                if field.column_type:
                    pdw.add_column_value(name, field.column_type, field.to_column_value(value))
        except Exception:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        self._added = True
        self.docnum += 1

    def _invert(self, name: str, field, value, docnum: int) -> int:
        terms = self._postings.setdefault(name, {})
        new = 0
        if hasattr(field, "counts"):  # weights are the counts, values derived on write
            counts = field.counts(value)
            for term, n in counts.items():
                key = term.encode("utf-8")
                entry = terms.get(key)
                if entry is None:
                    terms[key] = [array("I", (docnum,)), array("f", (n,)), None]
                    new += 1
                else:
                    entry[0].append(docnum)
                    entry[1].append(n)
            self._size += len(counts) * _POSTING_BYTES + new * _TERM_BYTES
            return sum(counts.values()) if field.scorable else 0
        length = 0
        items = field.index(value)
        for key, freq, weight, vbytes in items:
            self._add(terms, key, docnum, weight, vbytes)
            if field.scorable:
                length += freq
        return length

    def _add(self, terms: dict, key: bytes, docnum: int, weight: float, vbytes: bytes | None) -> None:
        entry = terms.get(key)
        if entry is None:
            entry = terms[key] = [array("I"), array("f"), []]
            self._size += _TERM_BYTES
        entry[0].append(docnum)
        entry[1].append(weight)
        entry[2].append(vbytes or b"")
        self._size += _POSTING_BYTES + len(vbytes or b"")

    def add_reader(self, reader) -> None:
        """Merge a segment (whoosh's MERGE_SMALL calls this on commit)."""
        self._check_state()
        basedoc = self.docnum
        names = {n for n in reader.indexed_field_names() if n in self.schema}
        docmap = self.write_per_doc(set(self.schema.names()) | names, reader)
        for name, key, docnum, weight, vbytes in self._process_posts(
                reader.iter_postings(), basedoc, docmap):
            terms = self._postings.setdefault(name, {})
            if not hasattr(self.schema[name], "counts"):
                self._add(terms, key, docnum, weight, vbytes)
                continue
            entry = terms.get(key)
            if entry is None:
                terms[key] = [array("I", (docnum,)), array("f", (weight,)), None]
            else:
                entry[0].append(docnum)
                entry[1].append(weight)
        self._added = True

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader()
        fw = self.fieldwriter
        try:
            for name in sorted(self._postings):
                field = self.schema[name]
                terms = self._postings[name]
                lengths = _lengths(pdr, name, self.docnum) if field.scorable else None
                fw.start_field(name, field)
                if fw._postwriter is not None:
                    fw._postwriter._write_block = partial(_write_block, fw._postwriter)
                for key in sorted(terms):
                    docs, weights, values = terms[key]
                    if values is None:
                        values = [pack_uint(int(w)) for w in weights]
                    fw.start_term(key)
                    if _write_postings(fw._postwriter, docs, weights, values, lengths):
                        fw.finish_term()
                    else:  # inlined: the term table row is all there is to write
                        terminfo, fw._postwriter._terminfo = fw._postwriter._terminfo, None
                        fw._tindex.add(pack_ushort(fw._fieldid) + key, terminfo.to_bytes())
                fw.finish_field()
                del self._postings[name]  # free memory as we go
        finally:
            fw.close()
            pdr.close()
        self._reset()

    def _roll(self) -> None:
        """Close the current segment (memory is full) and start a new one."""
        self.done.append(self._finalize_segment())
        codec = self.codec
        self.newsegment = codec.new_segment(self.storage, self.indexname)
        self.perdocwriter = codec.per_document_writer(self.storage, self.newsegment)
        self.fieldwriter = codec.field_writer(self.storage, self.newsegment)
        self.docnum = self.docbase = 0
        self._added = False

    def finish(self) -> list:
        """Close the writer's segments and return them, without committing (workers)."""
        if self._added:
            self.done.append(self._finalize_segment())
        else:
            self._close_segment()
        return self.done

    def commit(self, mergetype=None, optimize=None, merge=None, extra: Iterable = ()) -> None:
        """Commit, adding ``extra`` segments written elsewhere (by workers)."""
        self._check_state()
        segments = self._merge_segments(mergetype, optimize, merge)
        segments += self.finish()
        segments += list(extra)
        self._commit_toc(segments)
        self._finish()


def _lengths(pdr, name: str, count: int) -> list[int]:
    """Field length per docnum, rounded as whoosh stores it (what its own writer passes)."""
    return [pdr.doc_field_length(d, name) for d in range(count)]


def _write_postings(pw, docs: array, weights: array, values: list[bytes],
                    lengths: list[int] | None) -> bool:
    """One term's postings, a block at a time, as whoosh's ``add_posting`` would buffer
    them one by one (ids, weights, values and the block's weight and length bounds).

    A term in at most :data:`_INLINE` documents (most bigrams) is stored in the term
    table itself, which whoosh's reader supports but its writer never does (its
    ``finish_postings`` calls a method that does not exist); returns False then,
    True if the caller should finish the term as usual.
    """
    n = len(docs)
    if n <= _INLINE:
        pw._ids, pw._weights, pw._values = docs, weights, values
        _block_stats(pw, docs, weights, lengths)
        terminfo = pw._terminfo
        terminfo.add_block(pw)
        terminfo.set_inlined(docs, weights, values)
        return False
    limit = pw._blocklimit
    for i in range(0, n, limit):
        if i:
            pw._write_block()
        ids = docs[i:i + limit]
        pw._ids, pw._weights = ids, weights[i:i + limit]
        pw._values = values[i:i + limit] if values and values[0] else []
        _block_stats(pw, ids, pw._weights, lengths)
    return True  # finish_postings() writes the last block


def _write_block(pw, last: bool = False) -> None:
    """Whoosh's ``W3PostingsWriter._write_block`` with the block's ids and weights as
    arrays, pickled as raw bytes (protocol 5) rather than tuples of Python numbers:
    whoosh reads them all the same (it iterates and indexes them), and decoding a
    block (:mod:`search.postings`) costs a fraction of unpickling 256 numbers."""
    if not pw._blockcount:
        pw._postfile.write(_HEADER)
    pw._terminfo.add_block(pw)
    ids = pw._ids
    deltas = list(map(sub, ids, chain((0,), ids)))
    top = max(deltas)
    deltas = array("B" if top < 256 else "H" if top < 65536 else "I", deltas)
    weights = pw._weights
    if all(w == 1.0 for w in weights):
        weights = None
    elif all(w == weights[0] for w in weights):
        weights = weights[0]
    else:
        weights = array("f", weights)
    data = pickle.dumps((deltas, weights, pw._mini_values()), 5)
    comp = pw._compression if len(data) >= 20 else 0
    if comp:
        data = zlib.compress(data, comp)
    info = pickle.dumps((len(ids), ids[-1], pw._maxweight, comp, length_to_byte(pw._minlength),
                         length_to_byte(pw._maxlength)), 2)
    length = len(info) + len(data)
    pw._postfile.write(pack_int(-length if last else length) + info + data)
    pw._blockcount += 1
    pw._new_block()


def _block_stats(pw, ids, weights, lengths) -> None:
    pw._maxweight = max(weights)
    if lengths is None:
        pw._minlength, pw._maxlength = None, 0
        return
    known = [lengths[d] for d in ids if lengths[d]]
    pw._minlength, pw._maxlength = (min(known), max(known)) if known else (None, 0)


# -- several processes ---------------------------------------------------------------


def write_all(path: str, records: Iterable, make_doc: Callable[[Any], dict], *,
              procs: int = 1, limitmb: int = 256) -> int:
    """Add ``records`` to the (new, empty) whoosh index at ``path``; returns the count.

    With ``procs`` > 1 the records are analysed and written by that many worker
    processes, each into segments of its own; the parent only reads the records
    (its iterator may be a generator over the archive) and commits.
    """
    ix = whoosh_index.open_dir(path)
    writer = BulkWriter(ix, limitmb=limitmb)
    count = 0
    if procs <= 1:
        try:
            for record in records:
                writer.add_document(**make_doc(record))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(merge=False)
        return count
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                      else "spawn")
    jobs = ctx.Queue(procs * 4)
    results = ctx.Queue()
    workers = [ctx.Process(target=_worker, args=(path, make_doc, limitmb, jobs, results), daemon=True)
               for _ in range(procs)]
    for w in workers:
        w.start()
    try:
        batch: list = []
        for record in records:
            batch.append(record)
            count += 1
            if len(batch) >= _BATCH:
                _put(jobs, batch, workers)
                batch = []
        if batch:
            _put(jobs, batch, workers)
        for _ in workers:
            _put(jobs, None, workers)
        segments = []
        for _ in workers:
            ok, payload = _get(results, workers)
            if not ok:
                raise StorageError(f"an indexing worker failed:\n{payload}")
            segments += payload
        for w in workers:
            w.join()
    except BaseException:
        for w in workers:
            if w.is_alive():
                w.terminate()
            w.join()
        writer.cancel()
        raise
    writer.commit(merge=False, extra=segments)
    return count


def _put(jobs, item, workers) -> None:
    while True:
        try:
            jobs.put(item, timeout=1)
            return
        except queue.Full:
            if not all(w.is_alive() for w in workers):
                raise StorageError("an indexing worker died") from None


def _get(results, workers):
    while True:
        try:
            return results.get(timeout=1)
        except queue.Empty:
            if not any(w.is_alive() for w in workers):
                try:
                    return results.get(timeout=1)
                except queue.Empty:
                    raise StorageError("an indexing worker died") from None


def _worker(path: str, make_doc, limitmb: int, jobs, results) -> None:
    try:
        writer = BulkWriter(whoosh_index.open_dir(path), limitmb=limitmb, _lk=False)
        while (batch := jobs.get()) is not None:
            for record in batch:
                writer.add_document(**make_doc(record))
        results.put((True, writer.finish()))
    except BaseException:  # noqa: BLE001 (reported to the parent, which raises)
        results.put((False, traceback.format_exc()))
