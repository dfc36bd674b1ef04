"""Where each citation is printed in a document's text, so a reader can follow it.

Citations come from the parser with their number as normalised (``ref``) and, when it
differed, as printed (``printed``). The text is OCR or a PDF text layer: the same number
may be broken by spaces or line ends (``1196 /UBND- VP``), carry another dash, or use D
for Đ. Each number becomes a pattern tolerant of exactly those variations and nothing
else, and every occurrence is marked; the longest match wins where two overlap.

>>> text = "Thực hiện Chỉ thị số 17/CT-UBND ngày 23/7/2021 và Nghị quyết 68/NQ- CP."
>>> cits = [Citation(ref="17/CT-UBND"), Citation(ref="68/NQ-CP")]
>>> [(s.text, s.citation) for s in annotate(text, cits)]  # doctest: +NORMALIZE_WHITESPACE
[('Thực hiện Chỉ thị số ', None), ('17/CT-UBND', 0), (' ngày 23/7/2021 và Nghị quyết ', None),
 ('68/NQ- CP', 1), ('.', None)]
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .record import Citation

__all__ = ["Segment", "annotate", "ref_pattern"]

_DASHES = "-‐‑–—"
_SAME = {"Đ": "ĐDÐđdð", "D": "ĐDÐđdð", "Ð": "ĐDÐđdð"}


@dataclass(frozen=True)
class Segment:
    """A run of the text; ``citation`` is the index in ``record.citations`` it prints."""

    text: str
    citation: int | None = None


def ref_pattern(ref: str) -> str:
    """A regex for *ref* as it may be printed (spaces, line breaks, dashes, Đ/D, case).

    >>> bool(re.fullmatch(ref_pattern("18/CĐ-UBND"), "18/CD –UBND"))
    True
    """
    parts: list[str] = []
    for ch in ref.strip():
        if ch.isspace():
            continue
        if ch in _DASHES:
            part = f"[{_DASHES}]"
        elif ch.upper() in _SAME:
            part = f"[{_SAME[ch.upper()]}]"
        elif ch.isalpha():
            part = f"[{re.escape(ch.upper())}{re.escape(ch.lower())}]"
        else:
            part = re.escape(ch)
        parts.append(part)
    return r"[ \t]?\n?[ \t]?".join(parts)


def annotate(text: str, citations: Sequence[Citation]) -> list[Segment]:
    """Split *text* into plain runs and runs that print one of *citations*."""
    found: list[tuple[int, int, int]] = []  # start, end, citation index
    seen: set[str] = set()
    for index, cit in enumerate(citations):
        for form in (cit.printed, cit.ref):
            if not form or len(form) < 3 or form in seen:
                continue
            seen.add(form)
            pattern = re.compile(r"(?<![\w/])" + ref_pattern(form) + r"(?![\w])")
            found += [(m.start(), m.end(), index) for m in pattern.finditer(text)]
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    segments: list[Segment] = []
    cursor = 0
    for start, end, index in found:
        if start < cursor:
            continue  # overlaps a longer or earlier match
        if start > cursor:
            segments.append(Segment(text[cursor:start]))
        segments.append(Segment(text[start:end], index))
        cursor = end
    if cursor < len(text):
        segments.append(Segment(text[cursor:]))
    return segments
