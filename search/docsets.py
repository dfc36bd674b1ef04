"""Every document a query matches, as bitsets per segment, and phrases checked against the text.

A page of hits needs only the best-scored documents, but the total and the facets
need *all* matching documents. Walking a compound query's matcher document by
document is Python per document and per term; here each term's postings become a
bitset (a Python int, bit ``d`` for docnum ``d``; cached with the decoded postings,
see :mod:`search.postings`) and the boolean structure becomes ``&``, ``|`` and
``~`` on ints, in C. A date range is read from the sorted ``f_date`` column instead
of ORing whoosh's trie terms (that was ~100 ms per query at 50k documents).

Phrases are not indexed with positions (that was half the indexing time). A quoted
phrase is an AND of its bigram terms, issuer/signer phrases an AND of their words;
:class:`CheckedPhrase` then keeps the documents whose text really has the phrase —
names from a per-segment cached column, the body from its stored text. A bigram
phrase with more than :data:`CHECK_LIMIT` candidates in the whole index (not per
segment: that read up to 200 bodies per segment) is not checked: it then
matches documents that have each adjacent pair of the phrase somewhere, which for
a phrase of 3+ syllables common enough to reach the limit almost always means the
phrase itself. Phrases of two syllables are one bigram term: always exact.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
import weakref
import zlib
from collections.abc import Callable

from whoosh import query as wq
from whoosh.matching import FilterMatcher, NullMatcher

from . import postings
from .analysis import fold
from .postings import live_bits, to_bits, to_list
from .snippets import _loose

__all__ = ["CheckedPhrase", "DocSet", "match", "doc_ids", "words_text", "CHECK_LIMIT"]

CHECK_LIMIT = 200  # a check reads, inflates and scans a stored body: ~150 µs per 3 kB
_GAP = "|"  # separates the parts of a words_text(): no phrase runs across it


def words_text(parts: list[str]) -> bytes:
    """Folded syllables of each part, one space apart, for phrase checks (a column).

    >>> words_text(["Quận ủy Hoàn Kiếm", "UBND - quận"])
    b' quan uy hoan kiem | ubnd quan '
    """
    from .analysis import WORD
    runs = [" ".join(WORD.findall(fold(p))) for p in parts]
    return (" " + f" {_GAP} ".join(r for r in runs if r) + " ").encode("utf-8")


class CheckedPhrase(wq.Query):
    """``terms`` of ``fieldname`` ANDed, kept only where ``words`` are adjacent in the text.

    >>> print(CheckedPhrase("issuer", ["hoan", "kiem"], ["hoan", "kiem"]))
    issuer:"hoan kiem"
    """

    def __init__(self, fieldname: str, terms: list[str], words: list[str], boost: float = 1.0):
        self.fieldname, self.terms_, self.words, self.boost = fieldname, list(terms), list(words), boost
        self.child = wq.And([wq.Term(fieldname, t) for t in terms])

    def __str__(self) -> str:
        return '%s:"%s"' % (self.fieldname, " ".join(self.terms_))

    def __repr__(self) -> str:
        return f"CheckedPhrase({self.fieldname!r}, {self.terms_!r}, {self.words!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, CheckedPhrase) and self.fieldname == other.fieldname
                and self.terms_ == other.terms_ and self.words == other.words)

    def __hash__(self) -> int:
        return hash((self.fieldname, tuple(self.terms_), tuple(self.words)))

    def field(self):
        return self.fieldname

    def is_leaf(self) -> bool:
        return True

    def apply(self, fn):
        return self

    def _terms(self, phrases=True):
        for t in self.terms_:
            yield self.fieldname, t

    def estimate_size(self, ixreader) -> int:
        return self.child.estimate_size(ixreader)

    def estimate_min_size(self, ixreader) -> int:
        return self.child.estimate_min_size(ixreader)

    def docs(self, searcher, exclude_docs=None):
        return iter(self.leaf_ids(searcher))

    def leaf_ids(self, searcher) -> list[int]:
        """The matching docnums of one segment (``searcher`` is a leaf searcher)."""
        return to_list(self.leaf_bits(searcher), searcher.reader().doc_count_all())

    def leaf_bits(self, searcher) -> int:
        """The matching docnums of one segment as a bitset (deleted ones included)."""
        reader = searcher.reader()
        candidates = -1
        for t in sorted(self.terms_, key=lambda t: reader.doc_frequency(self.fieldname, t)):
            candidates &= postings.term(reader, self.fieldname, t).bits
            if not candidates:
                return 0
        n = reader.doc_count_all()
        if self.fieldname in ("issuer", "signer"):
            texts = _column(reader, "w_" + self.fieldname)
            needle = (" " + " ".join(self.words) + " ").encode("utf-8")
            return to_bits([d for d in to_list(candidates, n) if needle in texts[d]], n)
        if self._unchecked(searcher):
            return candidates
        return to_bits([d for d in to_list(candidates, n)
                        if _body_has(searcher, reader, d, self.words)], n)

    def _unchecked(self, leaf) -> bool:
        """Whether the candidates of the whole index (all segments) exceed CHECK_LIMIT:
        a bound on the stored bodies read, and results that do not depend on how the
        index happens to be split into segments."""
        top = leaf.get_parent()
        known = getattr(self, "_total", None)
        if known is None or known[0] is not top:
            total = 0
            for reader, _ in top.reader().leaf_readers():
                bits = -1
                for t in self.terms_:
                    bits &= postings.term(reader, self.fieldname, t).bits
                total += (bits & live_bits(reader)).bit_count()
            known = self._total = (top, total)
        return known[1] > CHECK_LIMIT

    def matcher(self, searcher, context=None):
        ids = set(self.leaf_ids(searcher))
        if not ids:
            return NullMatcher()
        return FilterMatcher(self.child.matcher(searcher, context), ids, boost=self.boost)


def _body_has(searcher, reader, docnum: int, words: list[str]) -> bool:
    heads = _column(reader, "ftext")[docnum]
    if (" " + " ".join(words) + " ").encode("utf-8") in heads:
        return True
    body = searcher.stored_fields(docnum).get("body")
    if not body:
        return False
    # On the text as stored, each letter a class of its accented forms: no folding pass
    # (str.translate with a dict is ~4× slower than the regex itself).
    return _phrase_regex(tuple(words)).search(zlib.decompress(body).decode("utf-8")) is not None


_REGEX_CACHE: dict[tuple[str, ...], re.Pattern] = {}


def _phrase_regex(words: tuple[str, ...]) -> re.Pattern:
    pattern = _REGEX_CACHE.get(words)
    if pattern is None:
        if len(_REGEX_CACHE) > 256:
            _REGEX_CACHE.clear()
        pattern = _REGEX_CACHE[words] = re.compile(
            r"(?<!\w)%s(?!\w)" % r"\W+".join(map(_loose, words)))
    return pattern


# Cached columns, per segment reader (a segment never changes; a new reader is a new key).
_COLUMNS: "weakref.WeakKeyDictionary[object, dict[str, list]]" = weakref.WeakKeyDictionary()


def _column(reader, name: str) -> list:
    cols = _COLUMNS.setdefault(reader, {})
    values = cols.get(name)
    if values is None:
        if reader.has_column(name):
            values = list(reader.column_reader(name))
        else:
            values = [b""] * reader.doc_count_all()
        cols[name] = values
    return values


def _dates(reader) -> tuple[list[int], list[int]]:
    """(dates, docnums) of the dated documents of a segment, sorted by date."""
    cols = _COLUMNS.setdefault(reader, {})
    pairs = cols.get("f_date sorted")
    if pairs is None:
        values = _column(reader, "f_date") if reader.has_column("f_date") else []
        ordered = sorted((v, d) for d, v in enumerate(values) if v)
        pairs = cols["f_date sorted"] = ([v for v, _ in ordered], [d for _, d in ordered])
    return pairs


# -- sets of docnums -----------------------------------------------------------------


class DocSet:
    """The documents a query matches: per segment ``(leaf searcher, offset, size, bits)``.

    ``len()`` is the total; :meth:`docnums` the global docnums, ascending.
    """

    def __init__(self, parts: list[tuple[object, int, int, int]]):
        self.parts = parts

    def __len__(self) -> int:
        return sum(bits.bit_count() for _, _, _, bits in self.parts)

    def docnums(self) -> list[int]:
        out: list[int] = []
        for _, offset, n, bits in self.parts:
            local = to_list(bits, n)
            out += local if not offset else [d + offset for d in local]
        return out


def match(searcher, q: wq.Query) -> DocSet:
    """The documents matching ``q``, deleted documents excluded."""
    parts = []
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        parts.append((leaf, offset, reader.doc_count_all(), _bits(leaf, q) & live_bits(reader)))
    return DocSet(parts)


def doc_ids(searcher, q: wq.Query) -> list[int]:
    """All (global) docnums matching ``q``, ascending, deleted documents excluded."""
    return match(searcher, q).docnums()


def _bits(searcher, q: wq.Query) -> int:
    handler = _HANDLERS.get(type(q))
    if handler is not None:
        return handler(searcher, q)
    if isinstance(q, CheckedPhrase):
        return q.leaf_bits(searcher)
    return to_bits(list(q.docs(searcher)), searcher.reader().doc_count_all())


def _and(searcher, q) -> int:
    reader = searcher.reader()

    def cost(c) -> int:  # cheap parts first: an empty one ends it
        return reader.doc_frequency(c.fieldname, c.text) if isinstance(c, wq.Term) else 1 << 62
    out = -1
    for c in sorted(q.subqueries, key=cost):
        out &= _bits(searcher, c)
        if not out:
            break
    return out


def _or(searcher, q) -> int:
    out = 0
    for c in q.subqueries:
        out |= _bits(searcher, c)
    return out


def _date_range(searcher, q) -> int:
    reader = searcher.reader()
    start, end = q.startdate, q.enddate
    if (q.fieldname != "date" or not reader.has_column("f_date")
            or any(d is not None and d.time() != dt.time() for d in (start, end))):
        return _bits(searcher, q.simplify(reader))
    dates, docs = _dates(reader)
    number = lambda d: d.year * 10000 + d.month * 100 + d.day  # noqa: E731 (as in f_date)
    lo = 0 if start is None else (bisect.bisect_right if q.startexcl else bisect.bisect_left)(
        dates, number(start))
    hi = len(dates) if end is None else (bisect.bisect_left if q.endexcl else bisect.bisect_right)(
        dates, number(end))
    return to_bits(docs[lo:hi], reader.doc_count_all()) if lo < hi else 0


_HANDLERS: dict[type, Callable] = {
    wq.Term: lambda s, q: postings.term(s.reader(), q.fieldname, q.text).bits,
    wq.And: _and,
    wq.Or: _or,
    wq.AndMaybe: lambda s, q: _bits(s, q.a),
    wq.AndNot: lambda s, q: _bits(s, q.a) & ~_bits(s, q.b),
    wq.Not: lambda s, q: live_bits(s.reader()) & ~_bits(s, q.query),
    wq.Every: lambda s, q: live_bits(s.reader()),
    type(wq.NullQuery): lambda s, q: 0,
    # a numeric range is an OR of the trie terms that cover it
    wq.NumericRange: lambda s, q: _bits(s, q.simplify(s.reader())),
    wq.DateRange: _date_range,
}
