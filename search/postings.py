"""A term's postings in one segment, decoded once and kept in a bounded LRU cache.

Whoosh decodes a posting block (zlib, pickle, delta-decoded ids) every time a
matcher walks it: ~25 µs per block of 128, so a word in 40,000 documents costs
~8 ms before anything is done with it — and a query used to read each of its terms
twice (matching, then scoring). Here a term's postings are decoded into numpy arrays
(scoring works on them as whole arrays, see :mod:`search.ranking`), together with
what the set operations need (the documents as a bitset: a Python int, bit ``d`` set
for docnum ``d``; ``&``, ``|`` and ``bit_count()`` run in C; converted to and from
arrays with ``packbits``/``unpackbits``), and kept for later queries. Entries are keyed by segment id: a segment never
changes once written, only its deletions do, and those are applied by the caller
(:func:`live_bits`). Documents of a segment dropped by a merge simply age out.
"""
from __future__ import annotations

import io
import pickle
import struct
import threading
import weakref
import zlib
from array import array
from collections import OrderedDict

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher, ListMatcher
from whoosh.reading import TermNotFound

__all__ = ["Entry", "term", "segment_key", "live_bits", "to_bits", "to_flags", "to_mask",
           "to_array", "to_list"]

CACHE_POSTINGS = 4_000_000  # postings kept decoded (8 bytes each, 16 once scored)

_INT = struct.Struct("!i")


def _indexes(ids) -> "np.ndarray":
    """``ids`` as a numpy array (no copy for an ``array``)."""
    if isinstance(ids, np.ndarray):
        return ids
    if isinstance(ids, array):
        return np.frombuffer(ids, dtype=ids.typecode) if len(ids) else np.zeros(0, np.int64)
    return np.fromiter(ids, np.int64)


def to_bits(ids, n: int) -> int:
    """The bitset of docnums ``ids`` (all below ``n``): a byte per docnum, packed by numpy
    and read as one little-endian int (~50× a Python loop setting bytes).

    >>> bin(to_bits([0, 2, 3], 5))
    '0b1101'
    """
    if n <= 0:
        return 0
    flags = np.zeros(n, np.uint8)
    flags[_indexes(ids)] = 1
    return int.from_bytes(np.packbits(flags, bitorder="little").tobytes(), "little")


def to_flags(bits: int, n: int) -> "np.ndarray":
    """``bits`` as a numpy array of ``n`` 0/1 bytes (for masks and ``flatnonzero``)."""
    if n <= 0:
        return np.zeros(0, np.uint8)
    if bits < 0:
        bits &= (1 << n) - 1
    packed = np.frombuffer(bits.to_bytes((n + 7) // 8, "little"), np.uint8)
    return np.unpackbits(packed, count=n, bitorder="little")


def to_mask(bits: int, n: int) -> bytes:
    """One byte per docnum, 1 where ``bits`` has it (for ``compress`` and lookups).

    >>> to_mask(0b1101, 5)
    b'\\x01\\x00\\x01\\x01\\x00'
    """
    return to_flags(bits, n).tobytes()


def to_array(bits: int, n: int) -> "np.ndarray":
    """The docnums of a bitset, ascending, as an int64 numpy array."""
    return np.flatnonzero(to_flags(bits, n))


def to_list(bits: int, n: int) -> list[int]:
    """The docnums of a bitset, ascending.

    >>> to_list(0b1101, 5)
    [0, 2, 3]
    """
    return to_array(bits, n).tolist()


class Entry:
    """One term in one segment: ``ids`` ascending (deleted documents included),
    ``weights`` aligned with them (numpy arrays), and (made when first asked for) the ids as a bitset."""

    __slots__ = ("ids", "weights", "n", "_bits", "tf")

    def __init__(self, ids, weights, n: int):
        # numpy arrays: uint32 ids, float32 weights (as whoosh stores them)
        self.ids = np.asarray(ids, dtype=np.uint32)
        self.weights = np.asarray(weights, dtype=np.float32)
        self.n, self._bits = n, None
        self.tf: tuple | None = None  # (norms, BM25 tf part per posting): see ranking

    @property
    def bits(self) -> int:
        if self._bits is None:
            self._bits = to_bits(self.ids, self.n)
        return self._bits


_EMPTY = Entry((), (), 0)
_CACHE: "OrderedDict[tuple, Entry]" = OrderedDict()
_SIZE = [0]
_LOCK = threading.Lock()


def segment_key(reader) -> object:
    """What identifies a segment's postings: its id (never reused), else the reader."""
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else id(reader)


def term(reader, field: str, text) -> Entry:
    """The postings of ``field:text`` in the segment of ``reader`` (a leaf reader)."""
    key = (segment_key(reader), field, text)
    with _LOCK:
        entry = _CACHE.get(key)
        if entry is not None:
            _CACHE.move_to_end(key)
            return entry
    entry = _read(reader, field, text)
    if entry is _EMPTY:
        return entry
    with _LOCK:
        _CACHE[key] = entry
        _SIZE[0] += len(entry.ids)
        while _SIZE[0] > CACHE_POSTINGS and len(_CACHE) > 1:
            _, old = _CACHE.popitem(last=False)
            _SIZE[0] -= len(old.ids)
    return entry


def cached(reader, field: str, text) -> Entry | None:
    """The entry if it is already decoded, else None (nothing is read)."""
    with _LOCK:
        return _CACHE.get((segment_key(reader), field, text))


def _read(reader, field: str, text) -> Entry:
    try:
        m = reader.postings(field, text)
    except TermNotFound:
        return _EMPTY
    if isinstance(m, FilterMatcher) and m._exclude:  # deletions: applied by the caller
        m = m.child
    n = reader.doc_count_all()
    if isinstance(m, ListMatcher):
        weights = m._weights if m._weights is not None else [1.0] * len(m._ids)
        return Entry(m._ids, weights, n)
    buf = getattr(m._postfile, "_buf", None) if isinstance(m, W3LeafMatcher) else None
    if buf is None or m._byteids:  # not memory-mapped, or not whoosh3's layout: walk it
        ids, weights = array("I"), array("f")
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        return Entry(ids, weights, n)
    # Blocks as whoosh writes them: int length (negative for the last block), the
    # pickled block info, then the block's (ids, weights, values), maybe zlib-compressed.
    # Ids are delta-encoded from 0 in each block; the blocks' deltas are concatenated,
    # each block's first made relative to the previous block's last id (from the
    # block info), and one cumsum gives every id: extending an array from
    # accumulate() per block was a third of a cold decode.
    deltas, weights, starts, lasts = [], [], [], []
    pos, last, at = m._baseoffset, False, 0
    while not last:
        (length,) = _INT.unpack_from(buf, pos)
        last, length = length < 0, abs(length)
        block = io.BytesIO(buf[pos + 4:pos + 4 + length])
        count, last_id, _, compression, _, _ = pickle.load(block)
        data = block.read()
        block_ids, block_weights, _ = pickle.loads(zlib.decompress(data) if compression else data)
        deltas.append(np.asarray(block_ids, dtype=np.int64))
        if block_weights is None or isinstance(block_weights, float):
            weights.append(np.full(count, block_weights or 1.0, np.float32))
        else:
            weights.append(np.asarray(block_weights, dtype=np.float32))
        starts.append(at)
        lasts.append(last_id)
        at += count
        pos += 4 + length
    ids = np.concatenate(deltas)
    ids[starts[1:]] -= np.asarray(lasts[:-1], np.int64)
    return Entry(np.cumsum(ids).astype(np.uint32), np.concatenate(weights), n)


_LIVE: "weakref.WeakKeyDictionary[object, int]" = weakref.WeakKeyDictionary()


def live_bits(reader) -> int:
    """The bitset of a segment reader's documents that are not deleted (per reader:
    deletions are what changes between two readers of one segment)."""
    bits = _LIVE.get(reader)
    if bits is None:
        n = reader.doc_count_all()
        bits = to_bits(list(reader.all_doc_ids()), n) if reader.has_deletions() else (1 << n) - 1
        _LIVE[reader] = bits
    return bits
