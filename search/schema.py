"""The index's fields, and how a :class:`~archive.record.Record` becomes a document.

Layout (each searchable text twice, numbers in ID-like fields of their own):

* ``content`` — the syllables with diacritics of subject, issuers, type name, signer
  and body *as written* (NFC, one tone placement, lower case); never matched on, only
  looked up to re-rank the best folded matches, so exact spellings rank first.
* ``fcontent`` — the same text folded (no diacritics); every free word must match here.
* ``fbigram`` — adjacent folded syllable pairs as plain terms (no positions): a quoted
  phrase of n syllables is an AND of n-1 rare bigram terms, checked against the text.
* The three are :class:`Counted` fields: :func:`document` counts their terms in one
  pass (:func:`~search.analysis.analyse`) instead of three token streams.
* ``issuer`` / ``signer`` — folded names (issuers of copies included), no positions: a
  phrase is checked against the columns ``w_issuer`` / ``w_signer`` (see
  :mod:`search.docsets`).
* ``ref`` / ``cites`` — reference keys (``1196/ubnd-vp``) and bare numbers (``1196``).
* ``type`` — folded abbreviation (``cv``, ``qd``) and joined type name (``cong_van``).
* ``date`` — a real date field (naive midnight, never a time zone).
* columns ``f_issuer``, ``f_type``, ``f_date`` feed facets and date sorting.
* ``meta`` / ``body`` — what a hit shows; the body is zlib-compressed.
* ``ftext`` — column: the folded subject, issuers, type name and signer, for checking
  phrases (the body is checked from ``body``).
"""
from __future__ import annotations

import datetime as dt
import re
import zlib
from collections import Counter
from typing import Any

from whoosh import columns, fields
from whoosh.system import pack_uint

from archive import vntext
from archive.doctypes import NAME_ONLY_TYPES, TYPE_NAMES
from archive.record import Record

from .docsets import words_text
from .analysis import BREAK, BigramTokenizer, FoldingTokenizer, analyse, exact_analyzer, fold

__all__ = ["SCHEMA_VERSION", "Counted", "make_schema", "document", "ref_key", "ref_terms",
           "type_terms", "parse_iso_date", "TYPE_NAMES"]

# Bump whenever fields, analyzers or document() change: an index built by another
# version reports needs_rebuild() instead of answering wrongly.
SCHEMA_VERSION = 3

# folded name → folded code, e.g. "cong van" → "cv"; the first code of a name wins
# (both QyĐ and the Party's QĐi are "Quy định"), as in the parser.
_NAME_TO_ABBR: dict[str, str] = {}
for _abbr, _name in TYPE_NAMES.items():
    _NAME_TO_ABBR.setdefault(fold(_name), fold(_abbr))
for _name in NAME_ONLY_TYPES:
    _NAME_TO_ABBR.setdefault(fold(_name), fold(_name))

# Issuers are written both in full and abbreviated; index both spellings.
_ISSUER_ALIASES = (("uy ban nhan dan", "ubnd"), ("hoi dong nhan dan", "hdnd"),
                   ("mat tran to quoc", "mttq"))
_NUMBER = re.compile(r"^\s*(\d+)")


class Counted(fields.TEXT):
    """A text field (term frequencies, no positions) that also accepts its terms
    already counted: ``{term: count}``, as :func:`document` gives them.

    >>> [(t, n) for t, n, _, _ in Counted(FoldingTokenizer()).index({"b": 2, "a": 1})]
    [(b'a', 1), (b'b', 2)]
    """

    def __init__(self, analyzer):
        super().__init__(analyzer=analyzer, phrase=False)

    def counts(self, value: str | dict[str, int]) -> dict[str, int]:
        if isinstance(value, dict):
            return value
        return Counter(t.text for t in self.analyzer(value))

    def index(self, value, **kwargs):
        boost = self.format.field_boost
        return [(term.encode("utf-8"), n, n * boost, pack_uint(n))
                for term, n in sorted(self.counts(value).items())]


def make_schema() -> fields.Schema:
    folded = FoldingTokenizer()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        content=Counted(exact_analyzer()),
        fcontent=Counted(folded),
        fbigram=Counted(BigramTokenizer()),
        issuer=Counted(folded),
        signer=Counted(folded),
        ref=fields.KEYWORD(lowercase=False, scorable=True),
        cites=fields.KEYWORD(lowercase=False, scorable=True),
        type=fields.KEYWORD(lowercase=False),
        date=fields.DATETIME(),
        f_issuer=fields.COLUMN(columns.RefBytesColumn()),
        f_type=fields.COLUMN(columns.RefBytesColumn()),
        f_date=fields.COLUMN(columns.NumericColumn("i", default=0)),
        ftext=fields.COLUMN(columns.VarBytesColumn()),
        w_issuer=fields.COLUMN(columns.RefBytesColumn()),
        w_signer=fields.COLUMN(columns.RefBytesColumn()),
        meta=fields.STORED(),
        body=fields.STORED(),
    )


def ref_key(ref: str) -> str:
    """The search key of a document number: normalized, folded, lower case.

    >>> ref_key("1196 / UBND–VP"), ref_key("18/CĐ-UBND"), ref_key("100- CV/ĐU")
    ('1196/ubnd-vp', '18/cd-ubnd', '100-cv/du')
    """
    return fold(vntext.normalize_ref(ref))


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
    return terms


def type_terms(doc_type: str | None, doc_type_name: str | None) -> list[str]:
    """Terms of the ``type`` field.

    >>> type_terms("QĐ", None), type_terms(None, "Công văn"), type_terms(None, "Điện")
    (['qd', 'quyet_dinh'], ['cv', 'cong_van'], ['dien'])
    """
    terms: list[str] = []
    name = doc_type_name or TYPE_NAMES.get(doc_type or "")
    if doc_type:
        terms.append(fold(doc_type))
    elif name and fold(name) in _NAME_TO_ABBR:
        terms.append(_NAME_TO_ABBR[fold(name)])
    joined = "_".join(fold(name).split()) if name else None
    if joined and joined not in terms:  # a type without a code ("Điện") is its own code
        terms.append(joined)
    return terms


def parse_iso_date(text: str | None) -> dt.datetime | None:
    """A record's ISO date as a naive midnight (no time zone, so never off by a day).

    >>> parse_iso_date("2021-08-11")
    datetime.datetime(2021, 8, 11, 0, 0)
    >>> parse_iso_date("20264-02-23") is None
    True
    """
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return None
    return dt.datetime(day.year, day.month, day.day)


def _issuer_names(record: Record) -> list[str]:
    names = [record.issuer] + [c.issuer for c in record.copies]
    folded = [fold(n) for n in names if n]
    extra = []
    for name in folded:
        for full, abbr in _ISSUER_ALIASES:
            if full in name:
                extra.append(name.replace(full, abbr))
            elif re.search(rf"\b{abbr}\b", name):
                extra.append(re.sub(rf"\b{abbr}\b", full, name))
    return folded + extra


def document(record: Record) -> dict[str, Any]:
    """The whoosh document for a record (``record.id`` is required).

    >>> doc = document(Record(id="x", ref="1196/UBND-VP", issuer="UBND quận Hoàn Kiếm"))
    >>> doc["ref"], doc["issuer"].split(BREAK)[1]
    ('1196/ubnd-vp 1196', 'uy ban nhan dan quan hoan kiem')
    """
    if not record.id:
        raise ValueError("only stored records (with an id) can be indexed")
    text = vntext.normalize(record.text or "")
    type_name = record.doc_type_name or TYPE_NAMES.get(record.doc_type or "")
    parts = [record.subject, record.issuer, record.parent_issuer, type_name,
             record.signer, *(c.issuer for c in record.copies)]
    heads = [vntext.normalize(p) for p in parts if p]
    terms = analyse(BREAK.join(heads + [text]))
    refs = ref_terms(record.ref, record.number)
    for copy in record.copies:
        refs += ref_terms(copy.ref, copy.number)
    cites: list[str] = []
    for citation in record.citations:
        cites += ref_terms(citation.ref, citation.number)
        if citation.printed:
            cites += ref_terms(citation.printed)
    when = parse_iso_date(record.date)
    issuers = _issuer_names(record)
    doc: dict[str, Any] = {
        "id": record.id,
        "content": terms.exact,
        "fcontent": terms.folded,
        "fbigram": terms.bigrams,
        "issuer": BREAK.join(issuers),
        "signer": fold(record.signer or ""),
        "ref": " ".join(dict.fromkeys(refs)),
        "cites": " ".join(dict.fromkeys(cites)),
        "type": " ".join(type_terms(record.doc_type, record.doc_type_name)),
        "f_issuer": (record.issuer or "").encode("utf-8"),
        "f_type": (record.doc_type or type_name or "").encode("utf-8"),
        "f_date": int(when.strftime("%Y%m%d")) if when else 0,
        "ftext": words_text(heads),
        "w_issuer": words_text(issuers),
        "w_signer": words_text([record.signer or ""]),
        "meta": (record.ref, record.doc_type, record.issuer, record.date, record.subject),
        "body": zlib.compress(text.encode("utf-8"), 1),
    }
    if when:
        doc["date"] = when
    return doc
