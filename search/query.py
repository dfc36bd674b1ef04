"""vanthu's query language (shared/INTERFACE.md) → a whoosh query.

Grammar, loosest binding first::

    query   := expr*                  juxtaposed terms are ANDed
    expr    := and ("OR" and)*
    and     := unary ("AND" unary)*
    unary   := ("NOT" | "-") unary | atom
    atom    := "(" query ")" | FIELD ":" (word | "phrase" | "(" query ")") | word["~"[n]] | "phrase"

Fields: ``issuer: type: signer: cites: ref: date:``. A word or phrase without a field
must match the folded text (so ``chi thi`` finds ``chỉ thị``); when it is typed with
diacritics, matches of the exact spelling add to the score. Malformed input raises
:class:`~archive.errors.QueryError` with a message meant for the user.

>>> print(parse('issuer:"quận ủy hoàn kiếm" type:"công văn" cites:68/NQ-CP').query)
(issuer:"quan uy hoan kiem" AND (type:cv OR type:cong_van) AND cites:68/nq-cp)
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from whoosh import query as wq

from archive import vntext
from archive.errors import QueryError

from .analysis import WORD, bigrams, fold
from .docsets import CheckedPhrase
from .schema import _NAME_TO_ABBR, ref_key

__all__ = ["ParsedQuery", "parse", "date_span"]

FIELDS = ("issuer", "type", "signer", "cites", "ref", "date")
_EXAMPLES = {"issuer": 'issuer:"Quận ủy Hoàn Kiếm"', "type": "type:CV", "signer": 'signer:"Phạm Tuấn Long"',
             "cites": "cites:68/NQ-CP", "ref": "ref:1196/UBND-VP", "date": "date:2021-08"}
_FIELD = re.compile(r"(%s):" % "|".join(FIELDS), re.IGNORECASE)
_CHUNK = re.compile(r'[^\s()"]+')
_FUZZY = re.compile(r"^(.*?)~(\d?)$")
_REFLIKE = re.compile(r"^\d+[/\-–][\w\-/–.]+$")
_DASHY = "/-–—"
_EXACT_BOOST = 1.5


@dataclass
class ParsedQuery:
    """A parsed query, plus what highlighting and "did you mean" need."""

    query: wq.Query
    words: list[str] = field(default_factory=list)          # free words as typed
    phrases: list[list[str]] = field(default_factory=list)  # folded syllable runs
    fuzzy: list[tuple[str, int]] = field(default_factory=list)


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
        else:
            fm = _FIELD.match(text, i)
            if fm:
                name = fm.group(1).lower()
                j = fm.end()
                if j >= n or text[j].isspace() or text[j] == ")":
                    raise QueryError(f"{name}: needs a value, e.g. {_EXAMPLES[name]}")
                if text[j] == '"':
                    i = _lex_phrase(text, j, name, toks)
                elif text[j] == "(":
                    toks.append(_Tok("(", "(", j, name))
                    i = j + 1
                else:
                    m = _CHUNK.match(text, j)
                    value, i = m.group(0), m.end()
                    if name in ("ref", "cites"):
                        value, i = _join_ref(text, value, i)
                    toks.append(_Tok("word", value, fm.start(), name))
                continue
            m = _CHUNK.match(text, i)
            word = m.group(0)
            if word in ("AND", "OR", "NOT"):
                toks.append(_Tok("op", word, i))
            elif word.startswith("-") and len(word) > 1:
                toks.append(_Tok("op", "NOT", i))
                m = _CHUNK.match(text, i + 1)
                if _FIELD.match(text, i + 1) or text[i + 1] in '"(':
                    i += 1
                    continue
                toks.append(_Tok("word", m.group(0), i + 1))
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
        m = re.compile(r"\s*([^\s()\"]+)").match(text, i)
        if not m or _FIELD.match(m.group(1)) or m.group(1) in ("AND", "OR", "NOT"):
            return value, i
        nxt = m.group(1)
        if value[-1] in _DASHY or nxt[0] in _DASHY:
            value, i = value + nxt, m.end()
        else:
            return value, i


class _Parser:
    def __init__(self, toks: list[_Tok], out: ParsedQuery):
        self.toks, self.i, self.out = toks, 0, out

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def sequence(self, fieldname: str | None, negated: bool, closing: bool) -> wq.Query | None:
        items: list[wq.Query] = []
        while (tok := self.peek()) is not None and tok.kind != ")":
            items.append(self.or_expr(fieldname, negated))
        if closing:
            if self.peek() is None:
                raise QueryError("unbalanced parenthesis: a ( is never closed")
            self.take()
        elif self.peek() is not None:
            raise QueryError(f"unbalanced parenthesis: unexpected ) at position {self.peek().pos + 1}")
        return _and(items)

    def or_expr(self, fieldname: str | None, negated: bool) -> wq.Query:
        parts = [self.and_expr(fieldname, negated)]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "OR":
            self.take()
            parts.append(self.and_expr(fieldname, negated))
        return parts[0] if len(parts) == 1 else wq.Or(parts)

    def and_expr(self, fieldname: str | None, negated: bool) -> wq.Query:
        parts = [self.unary(fieldname, negated)]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "AND":
            self.take()
            parts.append(self.unary(fieldname, negated))
        return parts[0] if len(parts) == 1 else _and(parts)

    def unary(self, fieldname: str | None, negated: bool) -> wq.Query:
        tok = self.peek()
        if tok is None or tok.kind == ")":
            raise QueryError("the query ends where a word was expected (after AND, OR or NOT)")
        if tok.kind == "op":
            if tok.text != "NOT":
                raise QueryError(f"{tok.text} at position {tok.pos + 1} needs a word on both sides")
            self.take()
            return wq.Not(self.unary(fieldname, not negated))
        self.take()
        if tok.kind == "(":
            inner = self.sequence(tok.field or fieldname, negated, closing=True)
            if inner is None:
                raise QueryError("empty parentheses")
            return inner
        return _atom(tok, tok.field or fieldname, None if negated else self.out)


def _and(items: list[wq.Query]) -> wq.Query | None:
    if not items:
        return None
    if len(items) == 1 and not isinstance(items[0], wq.Not):
        return items[0]
    pos = [q for q in items if not isinstance(q, wq.Not)]
    neg = [q.query for q in items if isinstance(q, wq.Not)]
    base = (pos[0] if len(pos) == 1 else wq.And(pos)) if pos else wq.Every()
    if not neg:
        return base
    return wq.AndNot(base, neg[0] if len(neg) == 1 else wq.Or(neg))


def _atom(tok: _Tok, fieldname: str | None, out: ParsedQuery | None) -> wq.Query:
    text = tok.text
    fuzzy = 0
    if tok.kind == "word" and (m := _FUZZY.match(text)) and m.group(1):
        text, fuzzy = m.group(1), int(m.group(2) or 1)
    if fieldname == "date":
        return _date_query(text)
    if fieldname in ("ref", "cites"):
        return _ref_query(fieldname, text)
    if fieldname == "type":
        value = fold(text).strip()
        if value in _NAME_TO_ABBR:
            return wq.Or([wq.Term("type", _NAME_TO_ABBR[value]), wq.Term("type", "_".join(value.split()))])
        return wq.Term("type", "_".join(value.split()))
    words = WORD.findall(fold(text))
    if not words:
        if tok.kind == "phrase":
            raise QueryError(f'empty phrase at position {tok.pos + 1}')
        return wq.NullQuery
    if fieldname in ("issuer", "signer"):
        if fuzzy and len(words) == 1:
            return wq.FuzzyTerm(fieldname, words[0], maxdist=fuzzy, prefixlength=1)
        return wq.Term(fieldname, words[0]) if len(words) == 1 else CheckedPhrase(fieldname, words, words)
    if tok.kind == "word" and _REFLIKE.match(vntext.normalize_ref(text)):
        key = ref_key(text)
        return wq.Or([wq.Term("ref", key, boost=3.0), wq.Term("cites", key),
                      _folded_phrase(words)])
    if out is not None:
        if tok.kind == "word":
            out.words.append(text)
        if fuzzy:
            out.fuzzy.append((words[0], fuzzy))
        else:
            out.phrases.append(words)
    if fuzzy and len(words) == 1:
        return wq.FuzzyTerm("fcontent", words[0], maxdist=fuzzy, prefixlength=1)
    required = _folded_phrase(words)
    exact = WORD.findall(vntext.normalize(text).lower())
    if exact == words:  # typed without diacritics: nothing to prefer
        return required
    boost = [wq.Term("content", w, boost=_EXACT_BOOST) for w in exact if not w.isascii()]
    return wq.AndMaybe(required, boost[0] if len(boost) == 1 else wq.Or(boost))


def _folded_phrase(words: list[str]) -> wq.Query:
    if len(words) == 1:
        return wq.Term("fcontent", words[0])
    pairs = bigrams(words)
    return wq.Term("fbigram", pairs[0]) if len(pairs) == 1 else CheckedPhrase("fbigram", pairs, words)


def _ref_query(fieldname: str, text: str) -> wq.Query:
    value = vntext.normalize_ref(text)
    if not value.strip(_DASHY):
        raise QueryError(f"{fieldname}: needs a document number, e.g. {_EXAMPLES[fieldname]}")
    if value.isdigit():
        return wq.Term(fieldname, value.lstrip("0") or "0")
    return wq.Term(fieldname, ref_key(value))


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


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def _date_query(text: str) -> wq.Query:
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
    return wq.DateRange("date", start and _midnight(start), end and _midnight(end), endexcl=True)


def parse(text: str) -> ParsedQuery:
    """Parse a user's query; an empty query matches every document.

    >>> print(parse("chan chinh OR chinh -dich").query)
    ((fcontent:chan AND (fcontent:chinh OR fcontent:chinh)) ANDNOT fcontent:dich)
    >>> print(parse('"giãn cách toàn"').query)
    (fbigram:"gian_cach cach_toan" ANDMAYBE (content:giãn^1.5 OR content:cách^1.5 OR content:toàn^1.5))
    """
    out = ParsedQuery(wq.Every())
    query = _Parser(_lex(text), out).sequence(None, False, closing=False)
    out.query = query if query is not None else wq.Every()
    return out
