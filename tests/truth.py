"""How a parsed field is compared with ../shared/corpus/truth.jsonl.

One rule for the parser tests and benchmarks/parser_accuracy.py, so the accuracy the
benchmark reports is the accuracy the tests hold the parser to.
"""
from __future__ import annotations

import re

from archive.vntext import normalize, normalize_ref


def matches(field: str, got: str | None, want: str | None) -> bool:
    """Numbers compare as numbers, dates exactly, names and subjects without case, spacing
    or trailing punctuation; a truth subject with "..." (elided by the reader) matches any
    text in its place.

    >>> matches("ref", "1196 / UBND–VP", "1196/UBND-VP"), matches("issuer", "BỘ Y TẾ", "Bộ Y tế")
    (True, True)
    """
    if got is None or want is None:
        return got is None and want is None
    if field == "ref":
        return normalize_ref(got) == normalize_ref(want)
    if field == "date":
        return got == want
    g, w = (" ".join(normalize(v).casefold().split()).rstrip(" .;") for v in (got, want))
    if field == "subject" and "..." in w:
        pattern = ".*".join(re.escape(part.strip()) for part in w.split("..."))
        return re.fullmatch(pattern, g) is not None
    return g == w
