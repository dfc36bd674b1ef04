"""Highlights: the matched words in context, cut from the stored text by regex.

Whoosh's highlighter re-tokenizes the whole document for every hit; one regex is
several times faster (reference §4). Each folded letter of the query becomes a class
of all its accented forms (``a`` → ``[aàáảãạăằ…]``), so the regex runs on the text
as stored — no folding pass over the body — and marks it with its own accents.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable

from .analysis import _FOLD, fold

__all__ = ["Highlighter"]


def _letter_classes() -> dict[str, str]:
    forms: dict[str, set[str]] = {}
    for code, folded in _FOLD.items():
        forms.setdefault(folded, set()).add(chr(code))
    out = {}
    for letter in "abcdefghijklmnopqrstuvwxyz":
        chars = {letter, letter.upper()} | forms.get(letter, set())
        out[letter] = "[" + "".join(sorted(chars)) + "]"
    return out


_CLASSES = _letter_classes()


def _loose(word: str) -> str:
    """A regex matching ``word`` whatever its case and diacritics.

    >>> import re; bool(re.fullmatch(_loose("dang"), "Đảng"))
    True
    """
    return "".join(_CLASSES.get(ch, re.escape(ch)) for ch in word)

_SPACE = re.compile(r"\s+")


class Highlighter:
    """Cuts up to ``fragments`` snippets of about ``width`` characters around matches.

    ``phrases`` are runs of folded syllables (a single word is a run of one).
    Matched text is wrapped in ``mark``; the rest is HTML-escaped when the mark is a tag.

    >>> h = Highlighter([["gian", "cach"], ["covid"]], width=40)
    >>> h.fragments("Về việc giãn cách toàn xã hội để phòng, chống dịch COVID-19.")
    ['Về việc <mark>giãn cách</mark> toàn xã hội để phòng, chống dịch <mark>COVID</mark>-19.']
    """

    def __init__(self, phrases: Iterable[list[str]], *, fragments: int = 3, width: int = 160,
                 mark: tuple[str, str] = ("<mark>", "</mark>")):
        runs = sorted({tuple(p) for p in phrases if p}, key=lambda r: (-len(r), r))
        alternatives = [r"\W+".join(map(_loose, run)) for run in runs]
        self.pattern = (re.compile(r"(?<!\w)(?:%s)(?!\w)" % "|".join(alternatives))
                        if alternatives else None)
        self.count, self.width, self.mark = fragments, width, mark
        self.escape = html.escape if mark[0].startswith("<") else (lambda s: s)

    def fragments(self, text: str) -> list[str]:
        if self.pattern is None or not text:
            return []
        spans = [m.span() for m in self.pattern.finditer(text)]
        if not spans:
            return []
        half = self.width // 2
        windows: list[list[int]] = []  # [lo, hi, first span, last span]
        for i, (start, end) in enumerate(spans):
            lo, hi = max(0, start - half), min(len(text), end + half)
            if windows and lo <= windows[-1][1]:
                windows[-1][1], windows[-1][3] = max(windows[-1][1], hi), i
            else:
                windows.append([lo, hi, i, i])
        # Prefer the windows that match the most different words of the query.
        def variety(w: list[int]) -> int:
            return len({fold(text[a:b]) for a, b in spans[w[2]:w[3] + 1]})
        best = sorted(windows, key=lambda w: (-variety(w), w[0]))[:self.count]
        return [self._render(text, lo, hi, spans) for lo, hi, _, _ in sorted(best)]

    def _render(self, text: str, lo: int, hi: int, spans: list[tuple[int, int]]) -> str:
        # Snap the window to word boundaries so no syllable is cut in half.
        if lo > 0:
            space = text.find(" ", lo, lo + 20)
            lo = space + 1 if space >= 0 else lo
        if hi < len(text):
            space = text.rfind(" ", hi - 20, hi)
            hi = space if space > lo else hi
        out: list[str] = ["…" if lo > 0 else ""]
        cursor = lo
        for start, end in spans:
            if end <= lo or start < cursor:
                continue
            if start >= hi:
                break
            out += [self.escape(text[cursor:start]), self.mark[0],
                    self.escape(text[start:end]), self.mark[1]]
            cursor = end
        out.append(self.escape(text[cursor:hi]))
        out.append("…" if hi < len(text) else "")
        return _SPACE.sub(" ", "".join(out)).strip()
