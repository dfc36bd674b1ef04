"""Repairs of OCR errors that only ever have one reading in these documents.

Not a spell-checker: each rule is a closed table of the domain (reference §5).

* Glyphs that no Vietnamese directive prints inside a word: a currency sign glued to
  letters ("€ovid-19") is the capital its shape mimics; ``Ƒ`` (an Ewe letter) is ``F``.
  A euro sign before a number or a space is left alone: a treaty may cite euros.
* Organ words: no Vietnamese body is called "Đẳng" — "ĐẲNG BỘ", "Đẳng ủy", "ĐẲNG CỘNG SẢN"
  are Tesseract's reading of "Đảng" (ả and ẳ differ by the breve only). The word after
  decides, so "bình đẳng" and "đẳng cấp" stay.
"""
from __future__ import annotations

import re

__all__ = ["repair_glyphs", "repair_organ_words"]

# Sign → letter, only when a letter follows directly (the sign starts a word).
_GLYPH_IN_WORD = {"€": "C"}
_GLYPH_RE = re.compile(r"(?<![^\W\d_])(€)(?=[^\W\d_])")
_ALWAYS = str.maketrans({"Ƒ": "F"})

# Words that follow "Đảng" in organ names and never follow "đẳng" in Vietnamese.
_PARTY_NEXT = ("ủy", "uỷ", "bộ", "đoàn", "viên", "cộng")
# Cases written out (not IGNORECASE), and the word's start checked after its first letter:
# the pattern then opens with "Đ"/"đ", and the engine scans for those in C.
_NEXT_ANY_CASE = "|".join(f"{w}|{w.upper()}|{w.capitalize()}" for w in _PARTY_NEXT)
_DANG = re.compile(r"(Đ|đ)(?<!\w.)(ẲNG|ẳng)(?=\s+(?:" + _NEXT_ANY_CASE + r")(?!\w))")


def repair_glyphs(text: str) -> str:
    """Map signs that OCR reads for a word's first letter back to the letter.

    >>> repair_glyphs("dịch bệnh €ovid-19, ._Ƒ0 tại nhà, 5 € / người")
    'dịch bệnh Covid-19, ._F0 tại nhà, 5 € / người'
    """
    if "€" in text:  # most texts have none: skip the scan
        text = _GLYPH_RE.sub(lambda m: _GLYPH_IN_WORD[m.group(1)], text)
    return text.translate(_ALWAYS) if "Ƒ" in text else text


def _dang(m: re.Match[str]) -> str:
    return m.group(1) + ("ẢNG" if m.group(2).isupper() else "ảng")


def repair_organ_words(text: str) -> str:
    """"Đẳng" before an organ word is "Đảng"; "bình đẳng" is left alone.

    >>> repair_organ_words("ĐẲNG BỘ THÀNH PHỐ HÀ NỘI / Đẳng ủy phường / quyền bình đẳng")
    'ĐẢNG BỘ THÀNH PHỐ HÀ NỘI / Đảng ủy phường / quyền bình đẳng'
    >>> repair_organ_words("ĐẲNG CỘNG SẢN VIỆT NAM, cơ sở đẳng viên, đẳng cấp")
    'ĐẢNG CỘNG SẢN VIỆT NAM, cơ sở đảng viên, đẳng cấp'
    """
    return _DANG.sub(_dang, text) if "ẳ" in text or "Ẳ" in text else text
