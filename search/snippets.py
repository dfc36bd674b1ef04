"""Highlights: the matched words in context, cut from the stored text by regex.

Whoosh's highlighter re-tokenizes the whole document for every hit; one regex is
several times faster (reference §4). Each folded letter of the query becomes a class
of all its accented forms (``a`` → ``[aàáảãạăằ…]``), so the regex runs on the text
as stored — no folding pass over the body — and marks it with its own accents.
"""
from __future__ import annotations

import html
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from .analysis import FOLD_TABLE

__all__ = ["Highlighter"]


def _letter_classes() -> dict[str, str]:
    forms: dict[str, set[str]] = {}
    for code, folded in FOLD_TABLE.items():
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


def _pattern(runs: list[tuple[str, ...]]) -> re.Pattern[str]:
    """Any of ``runs`` as whole words, each run a group of its own (``lastindex`` says
    which matched). The pattern opens with the class of every run's first letter, which
    lets ``re`` skip the positions where none starts; each run then checks its own.

    >>> [m.group(0) for m in _pattern([("dang", "uy"), ("to",)]).finditer("Đảng ủy tổ; tô")]
    ['Đảng ủy', 'tổ', 'tô']
    """
    firsts = {c for run in runs for c in _CLASSES.get(run[0][0], run[0][0])} - set("[]")
    alternatives = [r"(?<=%s)%s" % (_loose(run[0][0]), r"\W+".join([_loose(run[0][1:])]
                                                                    + [_loose(w) for w in run[1:]]))
                    for run in runs]
    return re.compile(r"[%s](?<!\w.)(?:%s)(?!\w)" % (re.escape("".join(sorted(firsts))),
                                                     "|".join(f"({a})" for a in alternatives)))


_SPACE = re.compile(r"\s+")
_MAX_SPANS = 100
_WORD_CHAR = re.compile(r"\w")


class Highlighter:
    """Up to ``fragments`` snippets of at most ``width`` characters around matches.

    ``phrases`` are runs of folded syllables (a single word is a run of one; a longer
    run is marked as one match where its words stand together). Each snippet is a
    window around the cluster of matches that covers the most distinct query words
    (then the longest run, then the most matches), best first, cut at word boundaries and
    marked ``…`` where the text goes on. Matched text keeps its accents and is
    wrapped in ``mark``; the rest is HTML-escaped only when the mark is an HTML tag.

    >>> h = Highlighter([["gian", "cach"], ["covid"]], width=40)
    >>> h.fragments("Về việc giãn cách toàn xã hội để phòng, chống dịch COVID-19.")
    ['Về việc <mark>giãn cách</mark> toàn xã hội để phòng,…', '…chống dịch <mark>COVID</mark>-19.']
    >>> h = Highlighter([["phong"], ["chong"], ["phong", "chong"]], width=30)
    >>> text = "Phòng họp, chống nắng. " + "Nhà. " * 9 + "Phòng, chống dịch."
    >>> h.fragments(text)[0].endswith("<mark>Phòng, chống</mark> dịch.")  # together: first
    True
    >>> Highlighter([["hoa"]], mark=("«", "»")).fragments("Hòa & <b>")
    ['«Hòa» & <b>']
    """

    def __init__(self, phrases: Iterable[Sequence[str]], *, fragments: int = 3, width: int = 240,
                 mark: tuple[str, str] = ("<mark>", "</mark>")):
        runs = sorted({tuple(p) for p in phrases if p}, key=lambda r: (-len(r), r))
        self.pattern = _pattern(runs) if runs else None
        self.runs = runs  # in the order of the pattern's groups
        self.count, self.width, self.mark = fragments, width, mark
        self.escape = html.escape if mark[0].startswith("<") else (lambda s: s)

    def fragments(self, text: str) -> list[str]:
        if self.pattern is None or not text:
            return []
        # A common word matches hundreds of times in a long text: the first matches are
        # enough to choose windows from, and bound the work per hit.
        matches = list(itertools.islice(self.pattern.finditer(text), _MAX_SPANS))
        if not matches:
            return []
        spans = [m.span() for m in matches]
        runs = [m.lastindex or 0 for m in matches]  # which query word or phrase matched
        # Every run of consecutive matches that fits in the width is a candidate, ranked
        # by the distinct query words it holds, then by its longest run, then its matches.
        clusters = []
        held: Counter[int] = Counter()
        j = -1
        for i, (start, _) in enumerate(spans):
            if j < i:
                j, held = i, Counter([runs[i]])
            while j + 1 < len(spans) and spans[j + 1][1] - start <= self.width:
                j += 1
                held[runs[j]] += 1
            found = [self.runs[run - 1] for run in held]
            clusters.append((-len(set().union(*found)), -max(map(len, found)), -(j + 1 - i),
                             start, i, j))
            held[runs[i]] -= 1
            if not held[runs[i]]:
                del held[runs[i]]
        chosen: list[tuple[int, int]] = []
        for *_, i, j in sorted(clusters):
            if len(chosen) == self.count:
                break
            start, end = spans[i][0], spans[j][1]
            if any(start < b and end > a for a, b in chosen):
                continue  # already shown
            # no snippet repeats the text of another
            left = max([b for a, b in chosen if b <= start], default=0)
            right = min([a for a, b in chosen if a >= end], default=len(text))
            chosen.append(self._window(text, start, end, left, right))
        return [self._render(text, lo, hi, spans) for lo, hi in chosen]

    def _window(self, text: str, start: int, end: int, left: int, right: int) -> tuple[int, int]:
        """``start:end`` widened to ``width`` characters within ``left:right``, then
        narrowed to whole words."""
        room = max(0, self.width - (end - start))
        lo = max(left, start - room // 2)
        hi = min(right, end + room - (start - lo))
        lo = max(left, min(lo, hi - self.width, start))
        if lo > 0 and _WORD_CHAR.match(text, lo - 1) and _WORD_CHAR.match(text, lo):
            lo = _next_break(text, lo, start)
        if hi < len(text) and _WORD_CHAR.match(text, hi - 1) and _WORD_CHAR.match(text, hi):
            hi = _previous_break(text, hi, end)
        return lo, hi

    def _render(self, text: str, lo: int, hi: int, spans: list[tuple[int, int]]) -> str:
        out: list[str] = []
        cursor = lo
        for start, end in spans:
            if start < cursor or end > hi:
                if start >= hi:
                    break
                continue
            out += [self.escape(text[cursor:start]), self.mark[0],
                    self.escape(text[start:end]), self.mark[1]]
            cursor = end
        out.append(self.escape(text[cursor:hi]))
        body = _SPACE.sub(" ", "".join(out)).strip()
        return ("…" if lo > 0 else "") + body + ("…" if hi < len(text) else "")


def _next_break(text: str, at: int, limit: int) -> int:
    """The first position at or after ``at`` (and not after ``limit``) that starts a word
    or follows a non-word character."""
    while at < limit and _WORD_CHAR.match(text, at - 1) and _WORD_CHAR.match(text, at):
        at += 1
    return at


def _previous_break(text: str, at: int, limit: int) -> int:
    while at > limit and _WORD_CHAR.match(text, at - 1) and _WORD_CHAR.match(text, at):
        at -= 1
    return at
