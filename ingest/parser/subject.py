"""The type title in capitals and the subject after it (or after a công văn's "V/v").

A title is a type name in capitals that is no part of a body's name ("BỘ KẾ HOẠCH VÀ ĐẦU
TƯ" holds none); the subject is the run of words after it, ended by a change of case, the
enacting body printed under it, or the body of the text.
"""
from __future__ import annotations

import re

from .bodies import group_bodies
from .doctypes import NAME_ONLY_TYPES, type_from_name
from .layout import fold_aligned as fold
from .names import keeps_capitals, known_body, organ_head, running_case, title_head
from .stream import Tokens, is_caps

__all__ = ["find_title", "subject_words", "after_title", "sentence"]

# Words after which a body's name is the object of a phrase, not an authority line:
# "… của Chính phủ" ends a title; "CHÍNH PHỦ" alone after it is the enacting body.
_JOINERS = {"cua", "va", "voi", "thuoc", "tai", "cho", "doi", "ve", "giua", "theo"}
_MAX_SUBJECT_WORDS = 300


def _title_at(tokens: Tokens, i: int) -> tuple[int, str] | None:
    """(length, code) of a type name in capitals starting at token ``i``."""
    for n in (4, 3, 2, 1):
        words = tokens.words[i:i + n]
        if len(words) < n or not all(tokens.free(k) and is_caps(w) for k, w in
                                     zip(range(i, i + n), words)):
            continue
        code = type_from_name(re.sub(r"[\d:.*]+$", "", " ".join(words)))
        if code:
            return n, code
    return None


def _starts_part(tokens: Tokens, i: int, n: int) -> bool:
    """A title in capitals is no part of a name: it follows taken words, lower-case words
    or complete bodies ("QUẬN ỦY HÀ ĐÔNG THÔNG BÁO"), or, after other capitals, it is
    followed by no capitals. So "BỘ KẾ HOẠCH VÀ ĐẦU TƯ", "CÔNG TY ĐIỆN LỰC" hold none."""
    k = i
    while k > 0 and tokens.free(k - 1) and is_caps(tokens.words[k - 1]):
        k -= 1
    if k == i:
        return True
    run = tokens.words[k:i]
    folded = [fold(w) for w in run]
    if known_body(folded) or organ_head(folded):
        groups = group_bodies(run)
        return sum(len(u) for u, _ in groups) == len(run) and groups[-1][1]
    after = i + n
    return not (after < len(tokens) and tokens.free(after) and is_caps(tokens.words[after]))


def find_title(tokens: Tokens, lo: int = 0) -> tuple[int, int, str] | None:
    for i in range(lo, len(tokens)):
        if tokens.free(i) and is_caps(tokens.words[i]):
            got = _title_at(tokens, i)
            if got and _starts_part(tokens, i, got[0]):
                return i, i + got[0], got[1]
    return None


def _acronym(word: str) -> bool:
    letters = "".join(c for c in word if c.isalpha())
    return letters.isascii() and len(letters) <= 6


def subject_words(tokens: Tokens, i: int) -> tuple[list[str], int]:
    """The run of free words from ``i`` (a speck of one word before it is skipped): a
    subject in capitals ends at a lower-case word, one in running text at a run of two
    capitalised words (the enacting body below it)."""
    while True:
        while i < len(tokens) and not tokens.free(i):
            i += 1
        k = i
        while k < len(tokens) and tokens.free(k):
            k += 1
        if k - i >= 2 or k >= len(tokens):
            break
        i = k
    out: list[str] = []
    lettered = [w for w in tokens.words[i:i + 3] if any(c.isalpha() for c in w)]
    upper = bool(lettered) and all(is_caps(w) for w in lettered[:2])
    j = i
    while j < len(tokens) and tokens.free(j) and len(out) < _MAX_SUBJECT_WORDS:
        word = tokens.words[j]
        letters = [c for c in word if c.isalpha()]
        if upper and letters and sum(c.islower() for c in letters) >= 2 and not any(
                c.isdigit() or c in "/-" for c in word):
            break
        if not upper and is_caps(word) and not _acronym(word) \
                and j + 1 < len(tokens) and tokens.free(j + 1) and is_caps(tokens.words[j + 1]):
            break
        if word == "Căn" and out and j + 1 < len(tokens) \
                and tokens.words[j + 1].rstrip(":") == "cứ":
            break  # the preamble ("Căn cứ Luật …") right after a title on one line
        if not (word in ("-", "–", "•") and out and out[-1].endswith(",")):
            out.append(word)  # "phòng, / - chống dịch": a speck at a line start, no dash
        j += 1
    return out, j


def _strip_authority(words: list[str], bodies: list[str]) -> list[str]:
    """Drop the enacting body printed under the title ("… NĂM 2026 ỦY BAN THƯỜNG VỤ QUỐC
    HỘI", "BỘ TRƯỞNG BỘ TÀI CHÍNH"): a position and/or a body's name that ends the words."""
    # The words from k on are all capitals (or dashes, commas) for every k >= first.
    first = len(words)
    while first > 0 and (is_caps(words[first - 1]) or words[first - 1] in ("-", "–", ",")):
        first -= 1
    names = {tuple(fold(b).split()) for b in bodies if b}
    folded = [fold(w) for w in words]
    for k in range(max(1, first), len(words)):
        if folded[k - 1].strip(",") in _JOINERS:
            continue
        rest = folded[k:]
        rest = rest[title_head(rest):]
        if rest and (tuple(rest) in names or known_body(rest) == len(rest)):
            return words[:k]
    return words


def _in_capitals(words: list[str]) -> bool:
    """Words printed in capitals: every word of two letters or more is, but numbers, codes
    and the letters of points ("ĐIỂM đ, h KHOẢN 1 ĐIỀU 12a")."""
    lettered = [w for w in words if sum(c.isalpha() for c in w) >= 2 and not keeps_capitals(w)]
    return bool(lettered) and all(is_caps(w) for w in lettered)


def sentence(words: list[str], code: str | None) -> str | None:
    """The subject's words as one line (``code``: the type, for a law's name).

    >>> sentence(["Bộ", "Văn", "hóa", ",", "Thể", "thao,du", "lịch;"], None)
    'Bộ Văn hóa, Thể thao, du lịch'
    >>> sentence(["mức", "1,5", "lần"], None)
    'mức 1,5 lần'
    """
    text = " ".join(" ".join(words).split()).strip(" .;,:-–")
    # A number the page broke after a separator ("01/2001/" / "TTLT/" / "BNG-TCBĐ").
    text = re.sub(r"(?<=\w[/-])\s+(?=[A-ZĐ0-9])", "", text)
    # Spacing typos of the source around a comma ("Văn hóa , Thể thao", "công trình,thiết
    # bị"); "1,5" is a number.
    text = re.sub(r"(?<=[^\W\d_]),(?=[^\W\d_])", ", ", re.sub(r"\s+(?=[,;])", "", text))
    if not text:
        return None
    if _in_capitals(text.split()):
        text = running_case(text)
        if code in NAME_ONLY_TYPES:
            # A law's name starts with a capital ("Luật Hàng không dân dụng Việt Nam"), but
            # not an amending law's ("Luật sửa đổi, bổ sung một số điều của …").
            named = code in ("Luật", "Bộ luật", "Pháp lệnh") \
                and not fold(text).startswith(("sua doi", "bo sung"))
            text = code + " " + (text if named else text[:1].lower() + text[1:])
    return text


def after_title(tokens: Tokens, at: int, units: list[str]) -> tuple[list[str], str | None]:
    """The subject's words after a type title, and a "CỦA <body>" line between them."""
    of_issuer = None
    i = at
    while i < len(tokens) and not tokens.free(i):
        i += 1
    if i < len(tokens) and tokens.words[i] == "CỦA":
        j = i + 1
        while j < len(tokens) and tokens.free(j) and is_caps(tokens.words[j]):
            j += 1
        if j > i + 1:
            of_issuer = tokens.text(i + 1, j)
            i = j
    words, _ = subject_words(tokens, i)
    return _strip_authority(words, units + [of_issuer or ""]), of_issuer
