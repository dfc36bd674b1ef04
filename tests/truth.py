"""How a parsed field is compared with ../shared/corpus/truth.jsonl.

One rule for the parser tests and benchmarks/parser_accuracy.py, so the accuracy the
benchmark reports is the accuracy the tests hold the parser to.
"""
from __future__ import annotations

import re

from archive.vntext import normalize, normalize_ref


def _case(value: str, cased: bool) -> str:
    # Cased, only the first letter's case is free: vbpl starts some titles in lower case.
    return value[:1].casefold() + value[1:] if cased else value.casefold()


def matches(field: str, got: str | None, want: str | None, cased: bool = False) -> bool:
    """Numbers compare as numbers, dates exactly, names and subjects without case (unless
    ``cased``), spacing or trailing punctuation; a truth subject with "..." (elided by the
    reader) matches any text in its place.

    >>> matches("ref", "1196 / UBND–VP", "1196/UBND-VP"), matches("issuer", "BỘ Y TẾ", "Bộ Y tế")
    (True, True)
    """
    if got is None or want is None:
        return got is None and want is None
    if field == "ref":
        return normalize_ref(got) == normalize_ref(want)
    if field == "date":
        return got == want
    g, w = (_case(" ".join(normalize(v).split()).rstrip(" .;"), cased) for v in (got, want))
    if field == "subject" and "..." in w:
        pattern = ".*".join(re.escape(part.strip()) for part in w.split("..."))
        return re.fullmatch(pattern, g) is not None
    return g == w


def matches_abridged(field: str, got: str | None, want: str | None, cased: bool = False) -> bool:
    """:func:`matches`, or, for a subject, the truth is the parsed subject's beginning, word
    for word: vbpl's database cuts long titles ("… quy định về kiểm tra, giám"), so its
    title is the start of the printed one. Used for vbpl, reported beside the exact figure.

    >>> matches_abridged("subject", "Quy định về kiểm tra, giám sát hải quan", "Quy định về kiểm tra,")
    True
    >>> matches_abridged("subject", "Quy định về kiểm tra", "Quy định về kiểm tra, giám sát")
    False
    """
    if matches(field, got, want, cased) or field != "subject" or got is None or want is None:
        return matches(field, got, want, cased)
    g, w = (_case(normalize(v), cased).split() for v in (got, want))
    w[-1] = w[-1].rstrip(",;.")
    return len(w) < len(g) and g[:len(w) - 1] == w[:-1] and g[len(w) - 1].rstrip(",;.") == w[-1]
