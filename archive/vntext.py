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
# What normalize replaces or removes besides composition and tones: Ð/ð/Ɖ, and the soft
# hyphen, zero-width space and BOM that text layers and web pages leave inside words.
_ODD = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110",
                      "\u00ad": None, "\u200b": None, "\ufeff": None})
_ODD_CHARS = tuple(chr(code) for code in _ODD)

# A syllable ending in oa/oe/uy whose *second* vowel carries the tone; "qu" is a
# consonant, so "quý" is left alone. In NFC the toned vowel is one code point, so the
# move is a lookup: "oà" → "òa".
_TONED = {"a": "àáảãạ", "e": "èéẻẽẹ", "y": "ỳýỷỹỵ", "A": "ÀÁẢÃẠ", "E": "ÈÉẺẼẸ", "Y": "ỲÝỶỸỴ"}
_CARRIERS = {"o": "òóỏõọ", "u": "ùúủũụ", "O": "ÒÓỎÕỌ", "U": "ÙÚỦŨỤ"}
_MOVES = {first + toned: _CARRIERS[first][tone] + plain
          for first, plains in (("o", "aeAE"), ("O", "aeAE"), ("u", "yY"), ("U", "yY"))
          for plain in plains for tone, toned in enumerate(_TONED[plain])}
# Candidates at a syllable's end: o/u and any toned a/e/y (one character class first, so
# the engine scans for it fast); _MOVES and the letter before ("qu") decide. Every text
# with "hoàn" or "toàn" has pairs, so there is no cheaper test to run first.
_OLD_TONE = re.compile("[oOuU][" + "".join(_TONED.values()) + "](?!\\w)")


def _move_tone(match: re.Match[str]) -> str:
    pair = match.group()
    start = match.start()
    if start and match.string[start - 1] in "qQ":
        return pair
    return _MOVES.get(pair, pair)


def _unify(composed: str) -> str:
    return _OLD_TONE.sub(_move_tone, composed)


def unify_tones(text: str) -> str:
    """Put the tone of a final oa/oe/uy on its first vowel.

    >>> unify_tones("Quận uỷ, hoà bình, khoẻ, thuỷ, quý") == "Quận ủy, hòa bình, khỏe, thủy, quý"
    True
    >>> unify_tones("HOÀ, hoàng, Thuý")
    'HÒA, hoàng, Thúy'

    A breve or hat keeps its tone where it is (decomposed, "ặ" puts the dot before the
    breve, which once made "hoặc" read "họăc"):

    >>> unify_tones("hoặc, khuyến, hoằng") == "hoặc, khuyến, hoằng"
    True
    """
    return _unify(unicodedata.normalize("NFC", text))


def normalize(text: str) -> str:
    """NFC, Đ not Ð, one tone placement, no zero-width or soft-hyphen characters.

    >>> normalize("Ðảng uỷ") == "Đảng ủy"
    True

    Fast on text that is normal already (≈ 10 ns a character): NFC is a quick check
    then, ``in`` tests look for what would be replaced, and one regex pass finds the
    tone pairs to move.
    """
    text = unicodedata.normalize("NFC", text)
    if any(ch in text for ch in _ODD_CHARS):
        # A mark after a removed character now follows a letter: compose them too.
        text = unicodedata.normalize("NFC", text.translate(_ODD))
    return _unify(text)


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
