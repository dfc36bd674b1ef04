"""Issuing bodies named by capitalised header words, however the lines were wrapped.

A header prints its issuer (and the parent body above it) in capitals: "ĐẢNG BỘ THÀNH PHỐ
HÀ NỘI / QUẬN ỦY HOÀN KIẾM", "ỦY BAN NHÂN DÂN / QUẬN HOÀN KIẾM". Bodies are told apart by
their head words (:func:`names.organ_head`) and the closed list of central names, not by
line breaks.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from .doctypes import COPY_HEADINGS
from .layout import fold_aligned as fold
from .names import known_body, organ_head
from .stream import Tokens, is_caps, read_number, take_phrases

__all__ = ["group_bodies", "body_names", "issuer_words", "organ_units"]


# -- issuer --------------------------------------------------------------------------

def group_bodies(words: list[str]) -> list[tuple[list[str], bool]]:
    """Group capitalised words into bodies, each with whether it is complete: a known
    central name or an organ head opens a body once the body before it is complete (has
    a word beyond its own head), so "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI QUẬN ỦY HOÀN KIẾM" is two
    bodies and "THƯỜNG TRỰC THÀNH ỦY HÀ NỘI" one, wherever its lines were broken. Words
    before the first head belong to no body."""
    folded = [fold(w) for w in words]
    units: list[tuple[list[str], int]] = []  # words, length of the head (0: a known name)
    i = 0
    while i < len(words):
        known = known_body(folded[i:])
        head = known or organ_head(folded[i:])
        if head and (not units or len(units[-1][0]) > units[-1][1]):
            units.append((words[i:i + head], 0 if known else head))
            i += head
            continue
        if units and units[-1][1]:  # a known name is whole: what follows it is no part of it
            units[-1][0].append(words[i])
        i += 1
    return [(unit, len(unit) > head) for unit, head in units]


def body_names(words: list[str]) -> list[str]:
    """The names of the bodies in ``words`` (see :func:`group_bodies`), repeats dropped."""
    out: list[str] = []
    for unit, complete in group_bodies(words):
        if not complete:
            continue  # a head alone ("BỘ" of "BỘ giao thông vận tải") names no body
        name = " ".join(unit).strip(" -–,")
        # The gazette heading repeats the issuer; OCR may misread one copy ("QUỐÓC").
        if not any(SequenceMatcher(None, fold(name), fold(u)).ratio() >= 0.9 for u in out):
            out.append(name)
    return out


_NAME_WORD = re.compile(r"^[^\W\d_]+,?$")
_VOWEL = re.compile(r"[aeiouy]")


def issuer_words(tokens: Tokens, hi: int) -> list[str]:
    """The free capitalised name words before ``hi`` (a dash only between two of them);
    a copy heading or running text ends them."""
    words: list[str] = []
    for i in range(hi):
        word = tokens.words[i].strip("*")
        if not tokens.free(i) or not word:
            continue
        if " ".join(tokens.folded[i:i + 2]).strip(" .:") in COPY_HEADINGS \
                or tokens.folded[i].strip(" .:") in COPY_HEADINGS:
            break
        if sum(c.islower() for c in word) >= 2:
            if not _VOWEL.search(fold(word)):
                continue  # a speck OCR read ("mm"): no Vietnamese word has no vowel
            break  # running text: the issuer's names stand above any sentence
        if is_caps(word) and _NAME_WORD.match(word):
            words.append(word)
        elif word in ("-", "–") and words and is_caps(words[-1]) and i + 1 < hi \
                and is_caps(tokens.words[i + 1]) and _NAME_WORD.match(tokens.words[i + 1]):
            words.append(word)
    return words


def organ_units(lines: list[str]) -> list[str]:
    """The bodies named by capitalised lines, whatever their wrapping.

    >>> organ_units(["ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "QUẬN ỦY HOÀN KIẾM", "ĐẢNG CỘNG SẢN VIỆT NAM"])
    ['ĐẢNG BỘ THÀNH PHỐ HÀ NỘI', 'QUẬN ỦY HOÀN KIẾM']
    >>> organ_units(["ĐẢNG BỘ THÀNH PHỐ", "HÀ NỘI QUẬN ỦY", "HOÀN KIẾM"])
    ['ĐẢNG BỘ THÀNH PHỐ HÀ NỘI', 'QUẬN ỦY HOÀN KIẾM']
    >>> organ_units(["BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
    ...              "BỘ LAO ĐỘNG - THƯƠNG BINH", "VÀ XÃ HỘI"])
    ['BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI']
    >>> organ_units(["QUẬN ỦY HÀ ĐÔNG", "SAO LỤC"]), organ_units(["ỦY BAN THƯỜNG VỤ QUỐC HỘI"])
    (['QUẬN ỦY HÀ ĐÔNG'], ['ỦY BAN THƯỜNG VỤ QUỐC HỘI'])
    """
    tokens = Tokens(lines)
    take_phrases(tokens)
    number = read_number(tokens)
    return body_names(issuer_words(tokens, number.start if number else len(tokens)))
