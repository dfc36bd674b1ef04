"""vanthu's query language (shared/INTERFACE.md), parsed once into a small tree.

Grammar, loosest binding first::

    query   := expr*                  juxtaposed terms are ANDed
    expr    := and ("OR" and)*
    and     := unary ("AND" unary)*
    unary   := ("NOT" | "-")* atom
    atom    := "(" query ")" | FIELD ":" (word | "phrase" | "(" query ")") | word["~"[n]] | "phrase"

Fields: ``issuer: type: signer: cites: ref: date:``. A word or phrase without a field
must match the folded text (so ``chi thi`` finds ``chỉ thị``); typed with diacritics,
its exact spelling adds to the score (:class:`Prefer`). Each engine compiles the tree
(:mod:`search.whoosh_engine`, :mod:`search.tantivy_engine`). Malformed or oversized input
raises :class:`~archive.errors.QueryError` with a message meant for the user.

>>> print(parse('issuer:"quận ủy hoàn kiếm" type:"công văn" cites:68/NQ-CP').node)
(issuer:"quan uy hoan kiem" AND (type:cv OR type:cong_van) AND cites:68/nq-cp)
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from archive import vntext
from archive.doctypes import NAME_ONLY_TYPES, TYPE_NAMES
from archive.errors import QueryError
from archive.settings import Settings

from .analysis import MAX_TERM_BYTES, WORD, fold, indexable
from .tree import And, DateRange, Every, Fuzzy, Node, Nothing, Or, ParsedQuery, Phrase, Prefer, Term

__all__ = ["parse", "date_span", "day_number", "ref_key", "type_key", "NAME_TO_CODE"]

EXACT_BOOST = 1.5
REF_BOOST = 3.0
# Pairs of juxtaposed free words scored as phrases (most Vietnamese words are two
# syllables: "phong chong dich" ranks "phòng chống dịch" above scattered syllables).
MAX_NEAR_PAIRS = 16


# -- keys shared with the document side (search.fields) ------------------------------

# folded name → folded code, e.g. "cong van" → "cv"; the first code of a name wins
# (both QyĐ and the Party's QĐi are "Quy định"), as in the parser.
NAME_TO_CODE: dict[str, str] = {}
for _code, _name in TYPE_NAMES.items():
    NAME_TO_CODE.setdefault(fold(_name), fold(_code))
for _name in NAME_ONLY_TYPES:
    NAME_TO_CODE.setdefault(fold(_name), fold(_name))


def ref_key(ref: str) -> str:
    """The search key of a document number: normalized, folded, lower case.

    >>> ref_key("1196 / UBND–VP"), ref_key("18/CĐ-UBND"), ref_key("100- CV/ĐU")
    ('1196/ubnd-vp', '18/cd-ubnd', '100-cv/du')
    """
    return fold(vntext.normalize_ref(ref))


def type_key(name: str) -> str:
    """A type name as one term: ``công văn`` → ``cong_van``."""
    return "_".join(fold(name).split())


# -- lexing ----------------------------------------------------------------------------

FIELDS = ("issuer", "type", "signer", "cites", "ref", "date")
_EXAMPLES = {"issuer": 'issuer:"Quận ủy Hoàn Kiếm"', "type": "type:CV",
             "signer": 'signer:"Phạm Tuấn Long"', "cites": "cites:68/NQ-CP",
             "ref": "ref:1196/UBND-VP", "date": "date:2021-08"}
_FIELD = re.compile(r"(%s):" % "|".join(FIELDS), re.IGNORECASE)
_CHUNK = re.compile(r'[^\s()"]+')
_NEXT_CHUNK = re.compile(r"\s*([^\s()\"]+)")
_FUZZY = re.compile(r"^(.*?)~(\d*)$")
_REFLIKE = re.compile(r"^\d+[/\-–][\w\-/–.]+$")
_DASHY = "/-–—"


@dataclass
class _Tok:
    kind: str  # "(" ")" "op" "word" "phrase"
    text: str
    pos: int
    field: str | None = None


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            toks.append(_Tok(ch, ch, i))
            i += 1
        elif ch == '"':
            i = _lex_phrase(text, i, None, toks)
        elif fm := _FIELD.match(text, i):
            name, j = fm.group(1).lower(), fm.end()
            if j >= n or text[j].isspace() or text[j] == ")":
                raise QueryError(f"{name}: needs a value, e.g. {_EXAMPLES[name]}")
            if text[j] == '"':
                i = _lex_phrase(text, j, name, toks)
            elif text[j] == "(":
                toks.append(_Tok("(", "(", j, name))
                i = j + 1
            else:
                m = _CHUNK.match(text, j)
                assert m is not None
                value, i = m.group(0), m.end()
                if name in ("ref", "cites"):
                    value, i = _join_ref(text, value, i)
                toks.append(_Tok("word", value, fm.start(), name))
        else:
            m = _CHUNK.match(text, i)
            assert m is not None
            word = m.group(0)
            if word in ("AND", "OR", "NOT"):
                toks.append(_Tok("op", word, i))
            elif word.startswith("-") and len(word) > 1:
                toks.append(_Tok("op", "NOT", i))
                i += 1
                continue
            else:
                toks.append(_Tok("word", word, i))
            i = m.end()
    return toks


def _lex_phrase(text: str, start: int, name: str | None, toks: list[_Tok]) -> int:
    end = text.find('"', start + 1)
    if end < 0:
        raise QueryError(f'unbalanced quote: the " at position {start + 1} is never closed')
    toks.append(_Tok("phrase", text[start + 1:end], start, name))
    return end + 1


def _join_ref(text: str, value: str, i: int) -> tuple[str, int]:
    """``ref:1196 / UBND–VP`` typed with spaces is still one number."""
    while True:
        m = _NEXT_CHUNK.match(text, i)
        if not m or _FIELD.match(m.group(1)) or m.group(1) in ("AND", "OR", "NOT"):
            return value, i
        nxt = m.group(1)
        if value[-1] in _DASHY or nxt[0] in _DASHY:
            value, i = value + nxt, m.end()
        else:
            return value, i


# -- parsing ---------------------------------------------------------------------------


class _Parser:
    def __init__(self, toks: list[_Tok], out: ParsedQuery, settings: Settings):
        self.toks, self.i, self.out = toks, 0, out
        self.max_depth = settings.query_max_depth

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def sequence(self, fieldname: str | None, negated: bool, depth: int) -> Node | None:
        items: list[Node | _Not] = []
        while (tok := self.peek()) is not None and tok.kind != ")":
            items.append(self.or_expr(fieldname, negated, depth))
        if depth:
            if self.peek() is None:
                raise QueryError("unbalanced parenthesis: a ( is never closed")
            self.take()
        elif (tok := self.peek()) is not None:
            raise QueryError(f"unbalanced parenthesis: unexpected ) at position {tok.pos + 1}")
        if not items:
            return None
        near = () if negated else _near(items)
        self.out.phrases.extend(pair.words for pair in near)  # highlighted where together
        return Prefer(_and(items), near) if near else _and(items)

    def or_expr(self, fieldname: str | None, negated: bool, depth: int) -> "Node | _Not":
        parts = [self.and_expr(fieldname, negated, depth)]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "OR":
            self.take()
            parts.append(self.and_expr(fieldname, negated, depth))
        if len(parts) == 1:
            return parts[0]
        # "a OR NOT b": a negation on its own is every document but those
        return Or(tuple(And((), (p.node,)) if isinstance(p, _Not) else p for p in parts))

    def and_expr(self, fieldname: str | None, negated: bool, depth: int) -> "Node | _Not":
        parts = [self.unary(fieldname, negated, depth)]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "AND":
            self.take()
            parts.append(self.unary(fieldname, negated, depth))
        return parts[0] if len(parts) == 1 else _and(parts)

    def unary(self, fieldname: str | None, negated: bool, depth: int) -> "Node | _Not":
        nots = 0  # counted in a loop, not by recursion: "NOT " × 2000 is just parity
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "NOT":
            self.take()
            nots += 1
        if tok is None or tok.kind == ")":
            raise QueryError("the query ends where a word was expected (after AND, OR or NOT)")
        if tok.kind == "op":
            raise QueryError(f"{tok.text} at position {tok.pos + 1} needs a word on both sides")
        self.take()
        inner_negated = negated ^ (nots % 2 == 1)
        if tok.kind == "(":
            if depth >= self.max_depth:
                raise QueryError(f"the query nests parentheses more than {self.max_depth} deep")
            inner = self.sequence(tok.field or fieldname, inner_negated, depth + 1)
            if inner is None:
                raise QueryError("empty parentheses")
            node: Node = inner
        else:
            node = _atom(tok, tok.field or fieldname, None if inner_negated else self.out)
        return _Not(node) if nots % 2 else node


@dataclass(frozen=True)
class _Not:
    """A negated part, until :func:`_and` folds it into an ``And``'s exclusions."""

    node: Node


def _and(items: "list[Node | _Not]") -> Node:
    pos = [q for q in items if not isinstance(q, _Not)]
    neg = tuple(q.node for q in items if isinstance(q, _Not))
    if len(pos) == 1 and not neg:
        return pos[0]
    if not neg:
        return And(tuple(pos))
    return And(tuple(pos), neg)


def _near(items: "list[Node | _Not]") -> tuple[Phrase, ...]:
    """Each pair of juxtaposed free words as a phrase that only adds to the score."""
    words = [_free_word(item) for item in items]
    pairs = [Phrase("text", (a, b)) for a, b in zip(words, words[1:]) if a and b]
    return tuple(dict.fromkeys(pairs))[:MAX_NEAR_PAIRS]


def _free_word(item: "Node | _Not") -> str | None:
    if isinstance(item, Prefer):
        item = item.required
    return item.text if isinstance(item, Term) and item.field == "text" else None


def _words(text: str, tok: _Tok) -> list[str]:
    words = WORD.findall(fold(text))
    for word in words:
        if not indexable(word):
            raise QueryError(f"the word at position {tok.pos + 1} is longer than "
                             f"{MAX_TERM_BYTES} characters and cannot be searched")
    return words


def _atom(tok: _Tok, fieldname: str | None, out: ParsedQuery | None) -> Node:
    text, distance = tok.text, 0
    if tok.kind == "word" and (m := _FUZZY.match(text)) and m.group(1):
        text, distance = m.group(1), int(m.group(2) or 1)
        if not 1 <= distance <= 2:
            raise QueryError(f"{tok.text}: a fuzzy word allows 1 or 2 edits (word~1, word~2)")
    if fieldname == "date":
        return _date_query(text)
    if fieldname in ("ref", "cites"):
        return _ref_query(fieldname, text)
    if fieldname == "type":
        value = fold(text).strip()
        if value in NAME_TO_CODE:
            return Or((Term("type", NAME_TO_CODE[value]), Term("type", type_key(value))))
        return Term("type", type_key(value))
    words = _words(text, tok)
    if not words:
        if tok.kind == "phrase":
            raise QueryError(f"empty phrase at position {tok.pos + 1}")
        return Nothing()
    if fieldname in ("issuer", "signer"):
        if distance and len(words) == 1:
            return Fuzzy(fieldname, words[0], distance)
        return Term(fieldname, words[0]) if len(words) == 1 else Phrase(fieldname, tuple(words))
    if tok.kind == "word" and not distance and _REFLIKE.match(vntext.normalize_ref(text)):
        key = ref_key(text)
        return Or((Term("ref", key, REF_BOOST), Term("cites", key), _folded(words)))
    if distance and len(words) == 1:
        fuzzy = Fuzzy("text", words[0], distance)
        if out is not None:
            out.words.append(text)
            out.fuzzy.append(fuzzy)
        return fuzzy
    if out is not None:
        if tok.kind == "word":
            out.words.append(text)
        out.phrases.append(tuple(words))
    required = _folded(words)
    exact = WORD.findall(vntext.normalize(text).lower())
    boosts = tuple(Term("exact", w, EXACT_BOOST) for w in exact if not w.isascii())
    return Prefer(required, boosts) if boosts else required


def _folded(words: list[str]) -> Node:
    return Term("text", words[0]) if len(words) == 1 else Phrase("text", tuple(words))


def _ref_query(fieldname: str, text: str) -> Node:
    value = vntext.normalize_ref(text)
    if not value.strip(_DASHY):
        raise QueryError(f"{fieldname}: needs a document number, e.g. {_EXAMPLES[fieldname]}")
    if value.isdigit():
        return Term(fieldname, value.lstrip("0") or "0")
    return Term(fieldname, ref_key(value))


_DAY = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_VN_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def date_span(text: str) -> tuple[dt.date, dt.date]:
    """First day and the day after the last day of ``2021``, ``2021-08`` or ``2021-08-11``.

    >>> date_span("2021-02")
    (datetime.date(2021, 2, 1), datetime.date(2021, 3, 1))
    >>> date_span("2021-13")
    Traceback (most recent call last):
    archive.errors.QueryError: date:2021-13 — there is no month 13
    """
    m = _DAY.match(text)
    if not m and (vn := _VN_DAY.match(text)):
        m = _DAY.match(f"{vn.group(3)}-{vn.group(2)}-{vn.group(1)}")
    if not m:
        raise QueryError(f"date:{text} — write a date as 2021, 2021-08 or 2021-08-11")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if not 1 <= year <= 9998:
        raise QueryError(f"date:{text} — there is no year {year}")
    if month is None:
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    if not 1 <= int(month) <= 12:
        raise QueryError(f"date:{text} — there is no month {int(month)}")
    first = dt.date(year, int(month), 1)
    last = calendar.monthrange(year, int(month))[1]
    if day is None:
        return first, first + dt.timedelta(days=last)
    if not 1 <= int(day) <= last:
        raise QueryError(f"date:{text} — {first:%Y-%m} has no day {int(day)}")
    start = first.replace(day=int(day))
    return start, start + dt.timedelta(days=1)


def day_number(day: dt.date) -> int:
    """A date as the number the index holds: ``20210811``."""
    return day.year * 10000 + day.month * 100 + day.day


def _date_query(text: str) -> DateRange:
    if ".." in text:
        left, _, right = text.partition("..")
        if not left and not right:
            raise QueryError("date:.. needs a start or an end, e.g. date:2021-07-01..2021-12-31")
        start = date_span(left)[0] if left else None
        end = date_span(right)[1] if right else None
        if start and end and start >= end:
            raise QueryError(f"date:{text} — the range ends before it starts")
    else:
        start, end = date_span(text)
    return DateRange(day_number(start) if start else None, day_number(end) if end else None)


def parse(text: str, settings: Settings | None = None) -> ParsedQuery:
    """Parse a user's query; an empty query matches every document.

    >>> print(parse("chan chinh OR chinh -dich").node)
    ((text:chan AND (text:chinh OR text:chinh)) ANDNOT text:dich)
    >>> print(parse('"giãn cách toàn"').node)
    (text:"gian cach toan" ANDMAYBE exact:giãn^1.5 OR exact:cách^1.5 OR exact:toàn^1.5)
    """
    settings = settings or Settings()
    if len(text) > settings.query_max_chars:
        raise QueryError(f"the query is {len(text)} characters long; at most "
                         f"{settings.query_max_chars} are allowed")
    toks = _lex(text)
    words = sum(tok.kind in ("word", "phrase") for tok in toks)
    if words > settings.query_max_terms:
        raise QueryError(f"the query has {words} words; at most {settings.query_max_terms} "
                         "are allowed")
    out = ParsedQuery(Every())
    node = _Parser(toks, out, settings).sequence(None, False, depth=0)
    out.node = node if node is not None else Every()
    return out
