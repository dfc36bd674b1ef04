"""Every document a query matches, as a set, and phrases checked against the text.

A page of hits needs only the best-scored documents (whoosh skips the rest), but
the total and the facets need *all* matching documents. Walking a compound query's
matcher document by document is Python per document and per term; here a term's
postings are read a block at a time into a set and the boolean structure becomes
set operations, in C.

Phrases are not indexed with positions (that was half the indexing time). A quoted
phrase is an AND of its bigram terms, issuer/signer phrases an AND of their words;
:class:`CheckedPhrase` then keeps the documents whose text really has the phrase —
names from a per-segment cached column, the body from its stored text. A bigram
phrase with more than :data:`CHECK_LIMIT` candidates is not checked: it then
matches documents that have each adjacent pair of the phrase somewhere, which for
a phrase of 3+ syllables common enough to reach the limit almost always means the
phrase itself. Phrases of two syllables are one bigram term: always exact.
"""
from __future__ import annotations

import re
import weakref
import zlib
from collections.abc import Callable
from itertools import accumulate

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher, ListMatcher, NullMatcher
from whoosh.reading import TermNotFound

from .analysis import fold
from .snippets import _loose

__all__ = ["CheckedPhrase", "doc_ids", "words_text", "CHECK_LIMIT"]

CHECK_LIMIT = 200  # a check reads and scans a stored body: ~0.2 ms per 3 kB
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
        return iter(sorted(self.leaf_ids(searcher)))

    def leaf_ids(self, searcher) -> set[int]:
        """The matching docnums of one segment (``searcher`` is a leaf searcher)."""
        reader = searcher.reader()
        candidates = _and_ids(reader, self.fieldname, self.terms_)
        if not candidates:
            return candidates
        if self.fieldname in ("issuer", "signer"):
            texts = _column(reader, "w_" + self.fieldname)
            needle = (" " + " ".join(self.words) + " ").encode("utf-8")
            return {d for d in candidates if needle in texts[d]}
        if len(candidates) > CHECK_LIMIT:
            return candidates
        return {d for d in candidates if _body_has(searcher, reader, d, self.words)}

    def matcher(self, searcher, context=None):
        ids = self.leaf_ids(searcher)
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
    # On the text as stored, each letter a class of its accented forms: no folding pass.
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


# -- sets of docnums -----------------------------------------------------------------


def doc_ids(searcher, q: wq.Query) -> list[int]:
    """All (global) docnums matching ``q``, ascending, deleted documents excluded."""
    out: list[int] = []
    for leaf, offset in searcher.leaf_searchers():
        ids = _ids(leaf, q)
        out += sorted(ids) if not offset else sorted(d + offset for d in ids)
    return out


def _ids(searcher, q: wq.Query) -> set[int]:
    handler = _HANDLERS.get(type(q))
    if handler is not None:
        return handler(searcher, q)
    if isinstance(q, CheckedPhrase):
        return q.leaf_ids(searcher)
    return set(q.docs(searcher))


def _live(searcher) -> set[int]:
    reader = searcher.reader()
    return set(reader.all_doc_ids())


def _and(searcher, q) -> set[int]:
    sets = sorted((_ids(searcher, c) for c in q.subqueries), key=len)
    out = sets[0] if sets else set()
    for s in sets[1:]:
        if not out:
            break
        out &= s
    return out


def _or(searcher, q) -> set[int]:
    out: set[int] = set()
    for c in q.subqueries:
        out |= _ids(searcher, c)
    return out


_HANDLERS: dict[type, Callable] = {
    wq.Term: lambda s, q: _term_ids(s.reader(), q.fieldname, q.text),
    wq.And: _and,
    wq.Or: _or,
    wq.AndMaybe: lambda s, q: _ids(s, q.a),
    wq.AndNot: lambda s, q: _ids(s, q.a) - _ids(s, q.b),
    wq.Not: lambda s, q: _live(s) - _ids(s, q.query),
    wq.Every: lambda s, q: _live(s),
    type(wq.NullQuery): lambda s, q: set(),
    # a range is an OR of the trie terms that cover it
    wq.NumericRange: lambda s, q: _ids(s, q.simplify(s.reader())),
    wq.DateRange: lambda s, q: _ids(s, q.simplify(s.reader())),
}


def _and_ids(reader, fieldname: str, terms: list[str]) -> set[int]:
    sets = sorted((_term_ids(reader, fieldname, t) for t in terms), key=len)
    out = sets[0]
    for s in sets[1:]:
        out &= s
    return out


def _term_ids(reader, fieldname: str, text) -> set[int]:
    try:
        m = reader.postings(fieldname, text)
    except TermNotFound:
        return set()
    deleted = None
    if isinstance(m, FilterMatcher) and m._exclude:
        m, deleted = m.child, m._ids
    if isinstance(m, ListMatcher):
        ids = set(m._ids)
    elif isinstance(m, W3LeafMatcher):  # a block at a time, not a posting at a time
        ids = set()
        while m.is_active():
            if m._data is None:
                m._read_data()
            ids.update(accumulate(m._data[0]))  # the ids are delta-encoded
            m._next_block()
    else:
        ids = set(m.all_ids())
    return ids - deleted if deleted else ids
