"""Vietnamese analysis shared by both engines: folding, syllables, the term-length cap.

Every syllable is a term (no stop words, no minimum length: ``ở``, ``an``, ``to`` are
real syllables). The folded form (lower case, no diacritics, ``đ`` → ``d``) is what every
free word must match; the form as written (lower case, with its diacritics) only adds to
the score. Texts reach the index already normalized (NFC, one tone placement,
:func:`archive.vntext.normalize`), so ``hoà`` and ``hòa`` are one term.

Folding is one ``str.translate`` over the whole text: it agrees with
:func:`archive.vntext.fold` on NFC text and keeps the length, so an offset found in
the folded text is the same offset in the stored text. The tantivy engine folds with
tantivy's own ``ascii_fold`` filter; the tests check that both give the same terms
for every letter of the Vietnamese alphabet.
"""
from __future__ import annotations

import re
import unicodedata

from archive import vntext

__all__ = ["fold", "syllables", "WORD", "BREAK", "MAX_TERM_BYTES", "SURELY_INDEXABLE", "indexable"]

# Runs of letters and digits: what tantivy's simple tokenizer keeps (char::is_alphanumeric),
# so both engines see the same words ("___" blanks in forms are no word).
WORD = re.compile(r"[^\W_]+")
# Separates the parts of a multi-part text (subject, issuer … body) so that no phrase
# runs from one part into the next.
BREAK = "\u2029"
# Longer terms are not indexed (a 20 MB "word" must not become a 20 MB term), and a
# query word longer than this is refused. Vietnamese syllables have at most 7 letters.
MAX_TERM_BYTES = 40
SURELY_INDEXABLE = MAX_TERM_BYTES // 4  # characters: at most 4 bytes each in UTF-8


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


FOLD_TABLE = _fold_table()


def fold(text: str) -> str:
    """Lower case, no diacritics, ``đ`` → ``d``; the result has the same length.

    >>> fold("Quận ỦY Hoàn Kiếm, Ðảng ủy")
    'quan uy hoan kiem, dang uy'
    >>> len(fold("Đặng Công Chúng")) == len("Đặng Công Chúng")
    True
    """
    return text.translate(FOLD_TABLE).lower()


def indexable(term: str) -> bool:
    """Whether a term is short enough to be indexed (see :data:`MAX_TERM_BYTES`).

    >>> indexable("nghiêng"), indexable("x" * 41)
    (True, False)
    """
    return len(term) <= SURELY_INDEXABLE or len(term.encode("utf-8")) <= MAX_TERM_BYTES


def syllables(text: str) -> list[str]:
    """The folded syllables of a text, in order, as the index holds them.

    >>> syllables("Giãn cách toàn xã hội!")
    ['gian', 'cach', 'toan', 'xa', 'hoi']
    """
    return [w for w in WORD.findall(fold(text)) if indexable(w)]
