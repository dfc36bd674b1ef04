"""Vietnamese text normalisation shared by the parser, the archive and the search index.

Three traps (see shared/reference/vietnamese-directives.md §4):
* the same letter can be one code point or several (NFC vs NFD);
* ``Ð`` (U+00D0, Icelandic eth) is often typed or OCR'd for ``Đ`` (U+0110);
* the tone mark of ``oa``, ``oe``, ``uy`` at the end of a syllable sits on either vowel
  (``hoà``/``hòa``, ``uỷ``/``ủy``). We keep the form the official registers use today
  (``hòa``, ``ủy``), so both spellings become one string.
"""
from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize", "fold", "unify_tones", "strip_marks", "normalize_ref"]

_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_ETH = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110"})

# A syllable ending in oa/oe/uy whose *second* vowel carries the tone; "qu" is a
# consonant, so "quý" is left alone. Lookarounds keep it to syllable ends. In NFD a dot
# below sorts before a breve or hat ("ặ" is a, dot, breve), so no other mark may follow
# the tone: "hoặc" is no "oa" syllable.
_OLD_TONE = re.compile(
    r"(?<![qQ\w])(\w*?)(?<![qQ])([oOuU])([aAeEyY])([" + _TONES + r"])(?![\w\u0300-\u036f])"
)
_CLUSTERS = {("o", "a"), ("o", "e"), ("u", "y")}


def _move_tone(match: re.Match[str]) -> str:
    head, first, second, tone = match.groups()
    if (first.lower(), second.lower()) not in _CLUSTERS:
        return match.group(0)
    return head + first + tone + second


def unify_tones(text: str) -> str:
    """Put the tone of a final oa/oe/uy on its first vowel.

    >>> unify_tones("Quận uỷ, hoà bình, khoẻ, thuỷ, quý") == "Quận ủy, hòa bình, khỏe, thủy, quý"
    True
    >>> unify_tones("hoặc, hoẵng") == "hoặc, hoẵng"
    True
    """
    decomposed = unicodedata.normalize("NFD", text)
    # The mark order in NFD puts a tone after any hat/horn/breve; oa/oe/uy carry none.
    moved = _OLD_TONE.sub(_move_tone, decomposed)
    return unicodedata.normalize("NFC", moved)


def normalize(text: str) -> str:
    """NFC, Đ not Ð, one tone placement, no zero-width or soft-hyphen characters.

    >>> normalize("Ðảng uỷ") == "Đảng ủy"
    True
    """
    text = unicodedata.normalize("NFC", text).translate(_ETH)
    text = text.replace("\u00ad", "").replace("\u200b", "").replace("\ufeff", "")
    return unify_tones(text)


def strip_marks(text: str) -> str:
    """Remove every diacritic, keeping case; đ/Đ become d/D.

    >>> strip_marks("Chỉ thị Đảng ủy")
    'Chi thi Dang uy'
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_ETH))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("\u0111", "d").replace("\u0110", "D")


def fold(text: str) -> str:
    """The search key of a text: lower case, no diacritics.

    >>> fold("Quận ỦY Hoàn Kiếm")
    'quan uy hoan kiem'
    """
    return strip_marks(text.lower())


_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"})
_HOMOGLYPHS = str.maketrans(
    {"\u0422": "T", "\u0421": "C", "\u0410": "A", "\u0412": "B", "\u0415": "E",
     "\u041d": "H", "\u041a": "K", "\u041c": "M", "\u041e": "O", "\u0420": "P", "\u0425": "X"}
)


def normalize_ref(ref: str) -> str:
    """A document number as one comparable string: no spaces, ASCII hyphens, Đ not Ð.

    >>> normalize_ref("1196 / UBND–VP")
    '1196/UBND-VP'
    >>> normalize_ref("100- CV/ÐU")
    '100-CV/ĐU'
    """
    ref = normalize(ref).translate(_DASHES).translate(_HOMOGLYPHS)
    return re.sub(r"\s+", "", ref)
