"""Citation resolution: which stored document does a citation point to?

Pure functions over plain values, so they can be tested without a catalog
(reference §3). The archive looks up *candidates* (identities whose number and
symbol match) by index and hands them to :func:`resolve`, which narrows them:

1. **number and symbol** — compared by :func:`ref_parts` (``normalize_ref``, case,
   ``Đ``/``Ð``/``D`` and separators ignored, so ``18/CD-UBND`` is ``18/CĐ-UBND``).
   A year inside a legal ref (``23/2020/QĐ-TTg``) must equal the candidate's.
2. **date** (hard) — a candidate with the exact cited date wins; else the cited year
   (from the ref or from the date) must match. Unknown candidate dates pass.
3. **issuer** (hard) — the ``của …`` phrase, folded, abbreviations expanded and role
   words (``Chủ tịch``, ``Ban Thường vụ``…) dropped, must contain or be contained in
   the candidate's issuer (preferred) or parent issuer. Unknown issuers pass.
4. **locality** — for a local body's number (…-UBND, …-HĐND, Party committees TU, QU, HU,
   ĐU) this step is hard: the number is unique only within one locality, the one the
   ``của …`` phrase names, else the citing document's own (a province's "Quyết định số
   12/2025/QĐ-UBND … của Ủy ban nhân dân tỉnh" is that province's). A candidate of that
   locality is confirmed; one of another place at the same level is dropped; one that
   cannot be placed is only a candidate: with no confirmed one the citation is
   ``ambiguous``, never linked. For other numbers the step is soft: prefer candidates from
   a place named by the citing document.
5. **type** (soft) — prefer candidates of the cited type.
6. **chronology** (soft) — prefer candidates dated no later than the citing document.

"Hard" steps drop candidates that contradict the citation; "soft" steps only choose
among several and never empty the set. One document left → ``linked``; several →
``ambiguous`` (all kept, none picked); none → ``unresolved``.

Short citations without a symbol (``Chỉ thị 17``) are resolved only through the citing
document's own earlier full citation of the same number and type (:func:`expand_short`);
searching the whole archive for "Chỉ thị 17" would match hundreds of documents.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Iterable, Sequence

from .places import issuer_key, localities, placed
from .record import Citation, Record
from .vntext import fold, normalize, normalize_ref

__all__ = [
    "RefParts", "Candidate", "Resolution", "ref_parts", "citation_parts",
    "issuer_key", "localities", "placed", "is_local", "type_key", "year_of", "expand_short",
    "resolve",
    "LINKED", "AMBIGUOUS", "UNRESOLVED",
]

LINKED, AMBIGUOUS, UNRESOLVED = "linked", "ambiguous", "unresolved"


@dataclass(frozen=True)
class RefParts:
    """A document number split into comparable parts.

    ``key`` (number + symbol, without the year) is what the catalog indexes.
    """

    number: str
    symbol_key: str
    year: str | None = None

    @property
    def key(self) -> str:
        return f"{self.number}/{self.symbol_key}"


@dataclass(frozen=True)
class Candidate:
    """One identity of a stored document (its own, or that of a copy block)."""

    doc_id: str
    ref_key: str
    year: str | None = None  # the ref's year, else the date's
    date: str | None = None
    doc_type: str | None = None
    issuer: str | None = None
    parent_issuer: str | None = None
    place: str | None = None
    kind: str = "self"  # "self" | "copy"


@dataclass(frozen=True)
class Resolution:
    status: str  # LINKED | AMBIGUOUS | UNRESOLVED
    target_id: str | None = None
    candidates: tuple[str, ...] = ()


# -- keys ---------------------------------------------------------------------------

_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})
_LEGAL = re.compile(r"^(\d[\dOolI]*)/((?:19|20)\d\d)/(.+)$")
_STATE = re.compile(r"^(\d[\dOolI]*)/(.+)$")
_PARTY = re.compile(r"^(\d[\dOolI]*)-(.+)$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _symbol_key(symbol: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", fold(normalize(symbol)).upper())


@lru_cache(maxsize=1 << 16)  # pure, and called for every candidate
def ref_parts(ref: str | None) -> RefParts | None:
    """Split ``N/SYMBOL``, ``N/YYYY/SYMBOL`` or Party ``N-TYPE/ISSUER``; None if no number.

    >>> ref_parts("18/CĐ-UBND") == ref_parts("18/cd-ubnd")
    True
    >>> ref_parts("100- CV/ÐU").key, ref_parts("23/2020/QĐ-TTg")
    ('100/CVDU', RefParts(number='23', symbol_key='QDTTG', year='2020'))
    """
    if not ref:
        return None
    text = normalize_ref(ref)
    text = re.sub(r"^(?i:số)[:.]?", "", text)
    for pattern in (_LEGAL, _STATE, _PARTY):
        match = pattern.match(text)
        if match:
            number = match.group(1).translate(_OCR_DIGITS).lstrip("0") or "0"
            year = match.group(2) if pattern is _LEGAL else None
            symbol = _symbol_key(match.group(match.lastindex or 2))
            if symbol:
                return RefParts(number, symbol, year)
    return None


def citation_parts(citation: Citation) -> RefParts | None:
    """The comparable parts of a citation (or copy): its ref, else number + symbol."""
    parts = ref_parts(citation.ref)
    if parts is None and citation.number and citation.symbol:
        parts = ref_parts(f"{citation.number}/{citation.symbol}")
    return parts


def year_of(date: str | None) -> str | None:
    """The year of an ISO date, else None.

    >>> year_of("2021-07-16"), year_of("16/7/2021")
    ('2021', None)
    """
    return date[:4] if date and _ISO.match(date) else None


def type_key(doc_type: str | None) -> str | None:
    """A type code for comparison: ``CĐ`` and ``CD`` are one.

    >>> type_key("QĐ"), type_key("CD")
    ('QD', 'CD')
    """
    return _symbol_key(doc_type) or None if doc_type else None


def _places(issuer: str | None, parent: str | None, place: str | None) -> frozenset[str]:
    return localities(issuer) | localities(parent) | localities(place, place=True)


def _contains(a: str, b: str) -> bool:
    return f" {a} " in f" {b} " or f" {b} " in f" {a} "


def _issuer_score(cited: str | None, cand: Candidate) -> int:
    """2 issuer matches, 1 parent matches, 0 unknown, -1 contradicts."""
    if not cited:
        return 0
    own, parent = issuer_key(cand.issuer), issuer_key(cand.parent_issuer)
    if own and _contains(cited, own):
        return 2
    if parent and _contains(cited, parent):
        return 1
    return 0 if own is None and parent is None else -1


# -- resolution -----------------------------------------------------------------------

def _prefer(cands: list[Candidate], keep: Callable[[Candidate], bool]) -> list[Candidate]:
    """A soft step: narrow to the candidates that pass, unless none does."""
    chosen = [c for c in cands if keep(c)]
    return chosen or cands


def resolve(citation: Citation, citing: Record, candidates: Iterable[Candidate]) -> Resolution:
    """Decide which stored document *citation* (made by *citing*) points to.

    >>> a = Candidate("aaaa", "180/CVQU", "2021", "2021-07-16", "CV", "Quận ủy Liên Chiểu")
    >>> b = Candidate("bbbb", "180/CVQU", "2019", "2019-03-02", "CV", "Quận ủy Liên Chiểu")
    >>> cited = Citation(ref="180-CV/QU", date="2021-07-16", issuer="Quận ủy Liên Chiêu")
    >>> resolve(cited, Record(), [a, b]).target_id
    'aaaa'
    >>> resolve(Citation(ref="180-CV/QU", issuer="Quận ủy Liên Chiêu"), Record(), [a, b]).candidates
    ('aaaa', 'bbbb')

    A local body's number that cannot be placed is never linked, however few candidates:

    >>> resolve(Citation(ref="180-CV/QU", date="2021-07-16"), Record(), [a, b])
    Resolution(status='ambiguous', target_id=None, candidates=('aaaa',))
    """
    parts = citation_parts(citation)
    if parts is None:
        return Resolution(UNRESOLVED)
    cands = [c for c in candidates if c.ref_key == parts.key and c.doc_id != citing.id]

    # 2. date / year (hard)
    cited_year = parts.year or year_of(citation.date)
    if parts.year:
        cands = [c for c in cands if c.year in (None, parts.year)]
    exact = [c for c in cands if citation.date and c.date == citation.date]
    if exact:
        cands = exact
    elif cited_year:
        cands = [c for c in cands if c.year in (None, cited_year)]

    # 3. issuer (hard, then the best kind of match)
    cited_issuer = issuer_key(citation.issuer)
    scored = [(s, c) for c in cands if (s := _issuer_score(cited_issuer, c)) >= 0]
    best = max((s for s, _ in scored), default=0)
    cands = [c for s, c in scored if s == best]

    # 4. locality: hard for a local body's number, soft for others
    if is_local(citation):
        confirmed, unsure = _by_locality(citation, citing, [(s, c) for s, c in scored
                                                            if s == best])
        if not confirmed:
            ids = tuple(sorted({c.doc_id for c in unsure}))
            return Resolution(AMBIGUOUS, None, ids) if ids else Resolution(UNRESOLVED)
        cands = confirmed
    else:
        here = _places(citing.issuer, citing.parent_issuer, citing.place)
        if here:
            cands = _prefer(cands, lambda c: bool(here & _places(c.issuer, c.parent_issuer,
                                                                 c.place)))

    # 5.–6. soft preferences
    cited_type = type_key(citation.doc_type)
    if cited_type:
        cands = _prefer(cands, lambda c: type_key(c.doc_type) == cited_type)
    citing_date = citing.date
    if citing_date and year_of(citing_date):
        cands = _prefer(cands, lambda c: c.date is not None and c.date <= citing_date)

    ids = tuple(sorted({c.doc_id for c in cands}))
    if len(ids) == 1:
        return Resolution(LINKED, ids[0])
    if ids:
        return Resolution(AMBIGUOUS, None, ids)
    return Resolution(UNRESOLVED)


_LOCAL_CODES = frozenset({"UBND", "HĐND", "HDND", "TU", "QU", "HU", "ĐU", "DU"})


def is_local(citation: Citation) -> bool:
    """True when the cited number is a local body's: its symbol holds UBND, HĐND or a Party
    committee's code, so the same number exists in every province (or district, commune).

    >>> is_local(Citation(ref="12/2025/QĐ-UBND")), is_local(Citation(ref="1919-CV/QU"))
    (True, True)
    >>> is_local(Citation(ref="68/NQ-CP")), is_local(Citation(ref="5103/BYT-DP"))
    (False, False)
    """
    text = normalize_ref(citation.ref or f"{citation.number or ''}/{citation.symbol or ''}")
    return any(seg in _LOCAL_CODES for seg in re.split(r"[-/]", text.upper())[1:])


def _all_placed(issuer: str | None, parent: str | None, place: str | None
                ) -> frozenset[tuple[str, str]]:
    return placed(issuer) | placed(parent) | placed(place, place=True)


def _by_locality(citation: Citation, citing: Record, scored: list[tuple[int, Candidate]]
                 ) -> tuple[list[Candidate], list[Candidate]]:
    """(confirmed, unsure) candidates of a local body's number; contradicted ones dropped.

    The cited locality is the one the ``của …`` phrase names, else the citing document's.
    A candidate whose own issuer (not only its parent) matches the phrase and whose place
    is the cited one is confirmed; one placed at the same level elsewhere is dropped."""
    cited = placed(citation.issuer) or _all_placed(citing.issuer, citing.parent_issuer,
                                                   citing.place)
    cited_names = {name for _, name in cited}
    confirmed: list[Candidate] = []
    unsure: list[Candidate] = []
    for score, cand in scored:
        theirs = _all_placed(cand.issuer, cand.parent_issuer, cand.place)
        if cited_names & {name for _, name in theirs} and score != 1:
            confirmed.append(cand)
        elif not _elsewhere(theirs, cited):
            unsure.append(cand)
    return confirmed, unsure


def _elsewhere(theirs: frozenset[tuple[str, str]], cited: frozenset[tuple[str, str]]) -> bool:
    """True when a candidate is placed at a level where the cited locality is another place
    (Nghệ An's decision, cited by Thanh Hóa as its own province's)."""
    return any(level and (level, name) not in cited and any(lv == level for lv, _ in cited)
               for level, name in theirs)


def expand_short(citations: Sequence[Citation]) -> list[Citation]:
    """Give each short citation ("Chỉ thị 17") the ref of the one earlier full citation
    of the same number (and type) in the same document; others are returned unchanged.

    >>> full = Citation(ref="17/CT-UBND", number="17", doc_type="CT", date="2021-07-23")
    >>> expand_short([full, Citation(number="17", doc_type="CT")])[1].ref
    '17/CT-UBND'
    """
    out: list[Citation] = []
    for i, cit in enumerate(citations):
        if citation_parts(cit) is None and cit.number:
            number = cit.number.translate(_OCR_DIGITS).lstrip("0") or "0"
            wanted = type_key(cit.doc_type)
            earlier = {
                (parts.key, parts.year or year_of(prior.date)): prior
                for prior in citations[:i]
                if (parts := citation_parts(prior)) is not None and parts.number == number
                and (wanted is None or type_key(prior.doc_type) in (None, wanted))
            }
            if len(earlier) == 1:
                prior = next(iter(earlier.values()))
                cit = replace(cit, ref=prior.ref, symbol=prior.symbol,
                              number=prior.number or cit.number,
                              date=cit.date or prior.date, issuer=cit.issuer or prior.issuer,
                              doc_type=cit.doc_type or prior.doc_type)
        out.append(cit)
    return out
