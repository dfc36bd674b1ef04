"""Tokenizers for Vietnamese text: every syllable is kept, folded or as written.

Whoosh's ``StandardAnalyzer`` drops tokens of one or two letters and English stop
words, which throws away real syllables (``ở``, ``an``, ``to``), so the index uses
the tokenizers below instead. All of them keep every ``\\w+`` run.

Folding (lower case, no diacritics, ``đ`` → ``d``) is done with one ``str.translate``
over the whole text: it is the hot path of indexing, and a per-character table keeps
the folded text the same length as the original, so an offset found in the folded
text is the same offset in the stored text (used by :mod:`search.snippets`).
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple

from whoosh.analysis import LowercaseFilter, Token, Tokenizer

from archive import vntext

__all__ = ["fold", "syllables", "bigrams", "analyse", "Terms", "BREAK", "exact_analyzer",
           "FoldingTokenizer", "BigramTokenizer"]

WORD = re.compile(r"\w+")
# Separates the parts of a multi-valued field (subject, issuer, body …) so that
# no bigram and no phrase runs from one part into the next.
BREAK = "\u2029"
_POSITION_GAP = 8


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x41, 0x2000):
        char = chr(code)
        if not char.isalpha():
            continue
        folded = vntext.fold(unicodedata.normalize("NFC", char))
        if len(folded) == 1 and folded != char:
            table[code] = folded
    for code in range(0x1E00, 0x1F00):  # Latin Extended Additional: ạ ả ấ ầ … ỹ
        folded = vntext.fold(chr(code))
        if len(folded) == 1:
            table[code] = folded
    table[0x130] = "i"  # "İ".lower() would grow by a combining dot
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower case, no diacritics, ``đ`` → ``d``; the result has the same length.

    Agrees with :func:`archive.vntext.fold` on NFC text, but is one ``translate``.

    >>> fold("Quận ỦY Hoàn Kiếm, Ðảng ủy")
    'quan uy hoan kiem, dang uy'
    >>> len(fold("Đặng Công Chúng")) == len("Đặng Công Chúng")
    True
    """
    return text.translate(_FOLD).lower()


def syllables(text: str) -> list[str]:
    """The folded syllables of a text, in order.

    >>> syllables("Giãn cách toàn xã hội!")
    ['gian', 'cach', 'toan', 'xa', 'hoi']
    """
    return WORD.findall(fold(text))


def bigrams(words: list[str]) -> list[str]:
    """Adjacent pairs of folded syllables, as indexed in the bigram field.

    >>> bigrams(["gian", "cach", "toan"])
    ['gian_cach', 'cach_toan']
    """
    return [f"{a}_{b}" for a, b in zip(words, words[1:])]


class Terms(NamedTuple):
    """Term counts of one text, as indexed: see :func:`analyse`."""

    folded: Counter   # folded syllables (field ``fcontent``)
    bigrams: Counter  # adjacent folded pairs, never across a BREAK (``fbigram``)
    exact: Counter    # syllables with a diacritic, lower case (``content``)


def analyse(text: str) -> Terms:
    """All the terms of a (normalized) text in one pass: one fold, one regex per part.

    Indexing spends most of its time here and in writing postings, so the three
    fields are counted with C-level ``Counter``s instead of three token streams.

    >>> t = analyse("Giãn cách, giãn cách" + BREAK + "toàn xã hội")
    >>> t.folded["gian"], t.bigrams["cach_gian"], t.bigrams["cach_toan"], t.exact["giãn"]
    (2, 1, 0, 2)
    """
    folded: Counter = Counter()
    pairs: Counter = Counter()
    for part in fold(text).split(BREAK):
        words = WORD.findall(part)
        folded.update(words)
        pairs.update(map(_PAIR, words, words[1:]))
    exact = Counter(w for w in WORD.findall(text.lower()) if not w.isascii())
    return Terms(folded, pairs, exact)


_PAIR = "{}_{}".format


class _Base(Tokenizer):
    """Shared plumbing: whoosh calls a tokenizer with these keyword arguments."""

    def __eq__(self, other: object) -> bool:
        return self.__class__ is other.__class__

    def __hash__(self) -> int:
        return hash(self.__class__.__name__)

    def _words(self, value: str) -> Iterator[tuple[int, str]]:
        raise NotImplementedError

    def _whole(self, value: str) -> str:
        return fold(value)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = self._whole(value)
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos
            yield token
            return
        for pos, text in self._words(value):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            yield token


# The last text folded, as one tuple (atomic to read and replace, so thread-safe):
# fcontent and fbigram are given the same string object, which is folded once.
_LAST: list[tuple[object, str]] = [(None, "")]


def _fold_once(value: str) -> str:
    last = _LAST[0]
    if last[0] is value:
        return last[1]
    folded = fold(value)
    _LAST[0] = (value, folded)
    return folded


class FoldingTokenizer(_Base):
    """Folded syllables; a :data:`BREAK` leaves a gap in positions.

    >>> [t.text for t in FoldingTokenizer()("Quận uỷ HOÀN KIẾM")]
    ['quan', 'uy', 'hoan', 'kiem']
    """

    def _words(self, value: str) -> Iterator[tuple[int, str]]:
        pos = 0
        for part in _fold_once(value).split(BREAK):
            for match in WORD.finditer(part):
                yield pos, match.group(0)
                pos += 1
            pos += _POSITION_GAP


class BigramTokenizer(_Base):
    """Pairs of adjacent folded syllables, never across a :data:`BREAK`.

    A phrase of n syllables becomes a phrase of n-1 bigrams: rarer terms, so far
    fewer positions to compare than a phrase over single syllables.

    >>> [t.text for t in BigramTokenizer()("giãn cách toàn")]
    ['gian_cach', 'cach_toan']
    """

    def _words(self, value: str) -> Iterator[tuple[int, str]]:
        pos = 0
        for part in _fold_once(value).split(BREAK):
            words = WORD.findall(part)
            for pair in bigrams(words):
                yield pos, pair
                pos += 1
            pos += _POSITION_GAP


class ExactTokenizer(_Base):
    """Syllables as written that carry a diacritic (the caller passes normalized text).

    A syllable without one is the same in the folded field, and an exact match
    only adds to the score of words typed with diacritics, so plain ASCII
    syllables are left out: a quarter fewer postings to write.

    >>> [t.text for t in ExactTokenizer()("Phòng chống COVID ở Hà Nội")]
    ['Phòng', 'chống', 'ở', 'Hà', 'Nội']
    """

    def _words(self, value: str) -> Iterator[tuple[int, str]]:
        for pos, match in enumerate(WORD.finditer(value)):
            word = match.group(0)
            if not word.isascii():
                yield pos, word

    def _whole(self, value: str) -> str:
        return value


def exact_analyzer():
    """Syllables with diacritics as written, lower case.

    >>> [t.text for t in exact_analyzer()("Ở Hà Nội, covid")]
    ['ở', 'hà', 'nội']
    """
    return ExactTokenizer() | LowercaseFilter()
