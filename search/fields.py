"""What the index holds of a :class:`~archive.record.Record`, the same for both engines.

* ``parts`` — the searchable texts: subject, issuers, type name, signer and the body, as
  written (normalized). Each engine indexes them folded (field ``text``: every free word
  must match there; with positions, for exact phrases) and as written (``exact``: only
  adds to the score, so exact spellings rank first). No phrase runs from one part into
  the next.
* ``issuers`` / ``signer`` — names (of copies too, with ``UBND`` ↔ ``Ủy ban nhân dân``
  spelled both ways), folded by the engine, with positions.
* ``refs`` / ``cites`` — reference keys (``1196/ubnd-vp``) and bare numbers (``1196``).
* ``types`` — folded code (``cv``, ``qd``) and joined type name (``cong_van``).
* ``date`` — ``YYYYMMDD`` (0: undated), for ranges and sorting; facets ``issuer``,
  ``type`` and ``year`` as shown to the user.
* ``meta`` / ``body`` — what a hit shows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from archive.doctypes import TYPE_NAMES
from archive.record import Record
from archive.vntext import normalize

from .analysis import fold
from .query import NAME_TO_CODE, ref_key, type_key

__all__ = ["Fields", "fields_of", "ref_terms", "type_terms"]

# Issuers are written both in full and abbreviated; index both spellings.
_ISSUER_ALIASES = (("uy ban nhan dan", "ubnd"), ("hoi dong nhan dan", "hdnd"),
                   ("mat tran to quoc", "mttq"))
_NUMBER = re.compile(r"^\s*(\d+)")
_MAX_KEY = 200  # a longer "number" is noise from a bad parse, not something to look up


@dataclass(frozen=True)
class Fields:
    id: str
    parts: tuple[str, ...]
    issuers: tuple[str, ...]
    signer: str
    refs: tuple[str, ...]
    cites: tuple[str, ...]
    types: tuple[str, ...]
    date: int
    facet_issuer: str
    facet_type: str
    meta: tuple[str | None, ...]  # ref, doc_type, issuer, date, subject
    body: str

    @property
    def year(self) -> int:
        return self.date // 10000


def ref_terms(ref: str | None, number: str | None = None) -> list[str]:
    """Terms indexed for one reference: its key and its bare number.

    >>> ref_terms("835-CV/TU")
    ['835-cv/tu', '835']
    """
    terms: list[str] = []
    if ref:
        terms.append(ref_key(ref))
    match = _NUMBER.match(number or ref or "")
    if match:
        terms.append(match.group(1).lstrip("0") or "0")
    return [t for t in terms if len(t) <= _MAX_KEY]


def type_terms(doc_type: str | None, doc_type_name: str | None) -> list[str]:
    """Terms of the ``type`` field.

    >>> type_terms("QĐ", None), type_terms(None, "Công văn"), type_terms(None, "Điện")
    (['qd', 'quyet_dinh'], ['cv', 'cong_van'], ['dien'])
    """
    terms: list[str] = []
    name = doc_type_name or TYPE_NAMES.get(doc_type or "")
    if doc_type:
        terms.append(fold(doc_type))
    elif name and fold(name) in NAME_TO_CODE:
        terms.append(NAME_TO_CODE[fold(name)])
    joined = type_key(name) if name else None
    if joined and joined not in terms:  # a type without a code ("Điện") is its own code
        terms.append(joined)
    return terms


def date_number(text: str | None) -> int:
    """A record's ISO date as ``YYYYMMDD``; 0 when missing or impossible.

    >>> date_number("2021-08-11"), date_number("20264-02-23"), date_number(None)
    (20210811, 0, 0)
    """
    import datetime as dt

    if not text:
        return 0
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return 0
    return day.year * 10000 + day.month * 100 + day.day


def _issuer_names(record: Record) -> list[str]:
    names = [normalize(n) for n in [record.issuer] + [c.issuer for c in record.copies] if n]
    extra = []
    for name in names:
        folded = fold(name)
        for full, abbr in _ISSUER_ALIASES:
            if full in folded:
                extra.append(folded.replace(full, abbr))
            elif re.search(rf"\b{abbr}\b", folded):
                extra.append(re.sub(rf"\b{abbr}\b", full, folded))
    return names + extra


def fields_of(record: Record) -> Fields:
    """The indexed fields of a stored record (``record.id`` is required).

    >>> f = fields_of(Record(id="x", ref="1196/UBND-VP", issuer="UBND quận Hoàn Kiếm"))
    >>> f.refs, f.issuers[1]
    (('1196/ubnd-vp', '1196'), 'uy ban nhan dan quan hoan kiem')
    """
    if not record.id:
        raise ValueError("only stored records (with an id) can be indexed")
    body = normalize(record.text or "")
    type_name = record.doc_type_name or TYPE_NAMES.get(record.doc_type or "")
    heads = [record.subject, record.issuer, record.parent_issuer, type_name, record.signer,
             *(c.issuer for c in record.copies)]
    parts = tuple(normalize(p) for p in heads if p) + ((body,) if body else ())
    refs = ref_terms(record.ref, record.number)
    for copy in record.copies:
        refs += ref_terms(copy.ref, copy.number)
    cites: list[str] = []
    for citation in record.citations:
        cites += ref_terms(citation.ref, citation.number)
        if citation.printed:
            cites += ref_terms(citation.printed)
    return Fields(
        id=record.id, parts=parts, issuers=tuple(_issuer_names(record)),
        signer=normalize(record.signer or ""),
        refs=tuple(dict.fromkeys(refs)), cites=tuple(dict.fromkeys(cites)),
        types=tuple(type_terms(record.doc_type, record.doc_type_name)),
        date=date_number(record.date),
        facet_issuer=record.issuer or "", facet_type=record.doc_type or type_name or "",
        meta=(record.ref, record.doc_type, record.issuer, record.date, record.subject),
        body=body)
