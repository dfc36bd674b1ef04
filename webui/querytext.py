"""Building and taking apart query text, so filters and facets write the query syntax.

Every filter control and facet link produces a term of INTERFACE.md's syntax that goes
into the one query box (people learn the syntax by seeing it); removing a facet removes
its term. Nothing here searches: the text goes to ``Index.search`` as typed.

>>> compose("phong chong dich", issuer="Quận ủy Hoàn Kiếm", start="01/07/2021")
'phong chong dich issuer:"Quận ủy Hoàn Kiếm" date:2021-07-01..'
>>> without('issuer:"Quận ủy Hoàn Kiếm" phong dich', 'issuer:"Quận ủy Hoàn Kiếm"')
'phong dich'
"""
from __future__ import annotations

import datetime as dt
import re

__all__ = ["term", "date_term", "compose", "without", "field_terms", "facet_term", "iso_date"]

_FIELD_TERM = re.compile(r'(?<!\S)-?(?:issuer|type|signer|cites|ref|date):(?:"[^"]*"|\([^)]*\)|\S+)',
                         re.IGNORECASE)
_NEEDS_QUOTES = re.compile(r'[\s():]')
_VN_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
FACET_FIELDS = {"issuer": "issuer", "type": "type", "year": "date"}


def term(field: str, value: str) -> str:
    """``field:value``, quoted when the value has spaces.

    >>> term("type", "CV"), term("issuer", 'Quận "ủy"  Ba Đình')
    ('type:CV', 'issuer:"Quận ủy Ba Đình"')
    """
    value = " ".join(value.replace('"', " ").split())
    return f'{field}:"{value}"' if _NEEDS_QUOTES.search(value) else f"{field}:{value}"


def iso_date(text: str) -> str | None:
    """A date typed as 11/08/2021 or 2021-08-11, as ISO; None if it is neither.

    >>> iso_date("11/8/2021"), iso_date("2021-08-11"), iso_date("31/02/2021")
    ('2021-08-11', '2021-08-11', None)
    """
    text = (text or "").strip()
    m = _VN_DATE.match(text)
    if m:
        text = f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def date_term(start: str | None, end: str | None) -> str | None:
    """``date:A..B`` (or open on one side); None when neither date is given.

    A date that cannot be read is kept as typed, so the search says what is wrong with it.
    """
    start, end = (start or "").strip(), (end or "").strip()
    if not start and not end:
        return None
    a, b = (iso_date(start) or start) if start else "", (iso_date(end) or end) if end else ""
    return f"date:{a}..{b}" if a != b else f"date:{a}"


def compose(q: str, *, issuer: str = "", doc_type: str = "", signer: str = "", cites: str = "",
            start: str = "", end: str = "") -> str:
    """The query *q* with the filled filters added as terms (a term already there is not
    repeated)."""
    terms = [term(field, value) for field, value in
             (("issuer", issuer), ("type", doc_type), ("signer", signer), ("cites", cites))
             if value and value.strip()]
    dates = date_term(start, end)
    if dates:
        terms.append(dates)
    out = " ".join((q or "").split())
    for t in terms:
        if t not in field_terms(out):
            out = f"{out} {t}".strip()
    return out


def without(q: str, removed: str) -> str:
    """*q* with one field term taken out."""
    parts = []
    dropped = False
    for match in re.finditer(_FIELD_TERM.pattern + r'|"[^"]*"|\S+', q or "", re.IGNORECASE):
        if not dropped and match.group(0) == removed:
            dropped = True
            continue
        parts.append(match.group(0))
    return " ".join(parts)


def field_terms(q: str) -> list[str]:
    """The field terms of a query, as typed.

    >>> field_terms('dich issuer:"Hoàn Kiếm" date:2021 -type:CV')
    ['issuer:"Hoàn Kiếm"', 'date:2021', '-type:CV']
    """
    return [m.group(0) for m in _FIELD_TERM.finditer(q or "")]


def facet_term(facet: str, value: str) -> str:
    """The term a facet value adds: ``issuer:"…"``, ``type:CV``, ``date:2021``."""
    return term(FACET_FIELDS[facet], value)
