"""A term's postings in one segment, decoded once and kept in a bounded LRU cache.

Whoosh decodes a posting block (zlib, pickle, delta-decoded ids) every time a
matcher walks it: ~25 µs per block of 128, so a word in 40,000 documents costs
~8 ms before anything is done with it — and a query used to read each of its terms
twice (matching, then scoring). Here a term's postings are decoded a block at a time
into arrays, together with what the set operations need (the documents as a bitset:
a Python int, bit ``d`` set for docnum ``d``; ``&``, ``|`` and ``bit_count()`` run in
C), and kept for later queries. Entries are keyed by segment id: a segment never
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
from collections import OrderedDict, deque
from itertools import accumulate, compress, repeat

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher, ListMatcher
from whoosh.reading import TermNotFound

__all__ = ["Entry", "term", "segment_key", "live_bits", "to_bits", "to_mask", "to_list"]

CACHE_POSTINGS = 4_000_000  # postings kept decoded (8 bytes each, 16 once scored)

_INT = struct.Struct("!i")
_TO_01 = bytes.maketrans(b"\x00\x01", b"01")
_FROM_01 = bytes.maketrans(b"01", b"\x00\x01")


def to_bits(ids, n: int) -> int:
    """The bitset of docnums ``ids`` (all below ``n``).

    >>> bin(to_bits([0, 2, 3], 5))
    '0b1101'
    """
    flags = bytearray(n)
    deque(map(flags.__setitem__, ids, repeat(1)), 0)
    return int(flags.translate(_TO_01)[::-1] or b"0", 2)


def to_mask(bits: int, n: int) -> bytes:
    """One byte per docnum, 1 where ``bits`` has it (for ``compress`` and lookups).

    >>> to_mask(0b1101, 5)
    b'\\x01\\x00\\x01\\x01\\x00'
    """
    return format(bits, "0%db" % n).encode("ascii")[::-1].translate(_FROM_01)[:n]


def to_list(bits: int, n: int) -> list[int]:
    """The docnums of a bitset, ascending.

    >>> to_list(0b1101, 5)
    [0, 2, 3]
    """
    return list(compress(range(n), to_mask(bits, n)))


class Entry:
    """One term in one segment: ``ids`` ascending (deleted documents included),
    ``weights`` aligned with them, and (made when first asked for) the ids as a bitset."""

    __slots__ = ("ids", "weights", "n", "_bits", "tf")

    def __init__(self, ids, weights, n: int):
        self.ids, self.weights, self.n, self._bits = ids, weights, n, None
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
        return Entry(array("I", m._ids), array("f", weights), n)
    if not isinstance(m, W3LeafMatcher):
        ids, weights = array("I"), array("f")
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        return Entry(ids, weights, n)
    ids, weights = array("I"), array("f")
    buf = getattr(m._postfile, "_buf", None)
    if buf is None:  # not a memory-mapped file: whoosh's own block reader
        while m.is_active():
            m._read_ids()
            m._read_weights()
            ids.extend(m._ids)
            _extend(weights, m._weights)
            m._next_block()
        return Entry(ids, weights, n)
    # Blocks as whoosh writes them: int length (negative for the last block), the
    # pickled block info, then the block's (ids, weights, values), maybe zlib-compressed.
    pos, last = m._baseoffset, False
    while not last:
        (length,) = _INT.unpack_from(buf, pos)
        last, length = length < 0, abs(length)
        block = io.BytesIO(buf[pos + 4:pos + 4 + length])
        count, _, _, compression, _, _ = pickle.load(block)
        data = block.read()
        block_ids, block_weights, _ = pickle.loads(zlib.decompress(data) if compression else data)
        # ids are delta-encoded (unless whoosh stored them as bytes); accumulate() is C
        ids.extend(block_ids if m._byteids else accumulate(block_ids))
        if block_weights is None or isinstance(block_weights, float):
            weights.extend(array("f", [block_weights or 1.0]) * count)
        else:
            _extend(weights, block_weights)
        pos += 4 + length
    return Entry(ids, weights, n)


def _extend(weights: array, more) -> None:
    try:
        weights.extend(more)
    except TypeError:  # an array of another type
        weights.extend(list(more))


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
