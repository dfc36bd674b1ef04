"""The header of a directive: issuer, number, place and date, type name, subject, recipients.

The header region is everything above the first body line (a "Căn cứ", "Kính gửi",
"Điều 1" …). Inside it nothing depends on where lines break (:mod:`stream`): the motto,
the number and the place and date are found by their shape and taken; the words before
them name the issuer; the type name is a title in capitals; the subject follows the
title, or a công văn's "V/v".
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from .doctypes import COPY_HEADINGS, COPY_TYPES, NAME_ONLY_TYPES, type_from_name
from .layout import fold_aligned as fold
from .names import known_body, organ_case, organ_head, title_head
from .numbers import Ref, make_date
from .stream import Tokens, is_caps, read_bare_date, read_number, read_place_date, take_phrases

__all__ = ["Header", "read_header", "header_end", "organ_units", "find_place_date",
           "find_recipients", "passed_date", "body_issuer", "number_elsewhere"]

# A body line starts with one of these (folded), written with a capital: "thực hiện" inside
# a wrapped subject is no body.
_BODY_CUES = ("can cu", "thuc hien", "kinh gui", "theo de nghi", "xet de nghi", "tren co so")
_ARTICLE_ONE = re.compile(r"^(?:điều|ĐIỀU)\s+1(?!\d)|^(?:Chương|CHƯƠNG)\s+I\b")
_DATED_SENTENCE = re.compile(r"^Ngày\s+\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}\b")
_MAX_HEADER_WORDS = 400  # a header with a long subject has about 250
_PASSED = re.compile(r"thông qua\s+ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+"
                     r"(?P<y>\d{4,5})")
_LOCAL_BODY_END = ("uy", "uy ban nhan dan", "hoi dong nhan dan", "ubnd", "hdnd")
# Words after which a body's name is the object of a phrase, not an authority line:
# "… của Chính phủ" ends a title; "CHÍNH PHỦ" alone after it is the enacting body.
_JOINERS = {"cua", "va", "voi", "thuoc", "tai", "cho", "doi", "ve", "giua", "theo"}
_MAX_SUBJECT_WORDS = 300


@dataclass(frozen=True)
class Header:
    end: int
    ref: Ref | None = None
    type_code: str | None = None
    issuer: str | None = None
    parent_issuer: str | None = None
    place: str | None = None
    date: str | None = None
    subject: str | None = None
    recipients: tuple[str, ...] = ()
    # Printed in the header but unreadable (a blank or garbled number, day or month).
    unreadable: tuple[str, ...] = ()
    # The printed words each field was read from, for locating them on a scan.
    printed: tuple[tuple[str, str], ...] = ()


def _is_body_line(line: str) -> bool:
    text = line.lstrip("-–•+ ")
    if not text[:1].isupper():
        return False
    key = fold(text)
    return (any(key.startswith(c) for c in _BODY_CUES) or bool(_ARTICLE_ONE.match(text))
            or bool(_DATED_SENTENCE.match(text)))


def header_end(lines: list[str], lo: int = 0, hi: int | None = None) -> int:
    """Index of the first body line after ``lo`` (the header is ``lines[lo:end]``); a text
    with no body cue has a header of at most ``_MAX_HEADER_WORDS`` words, however wrapped.

    A cue right after a type title is the subject ("KẾ HOẠCH" / "Thực hiện Chỉ thị …").
    """
    hi = len(lines) if hi is None else hi
    last = None
    words = 0
    for i in range(lo, hi):
        line = lines[i]
        if _is_body_line(line) and not (last is not None and _ends_with_title(last)):
            return i
        words += len(line.split())
        if words > _MAX_HEADER_WORDS:
            return i
        if line:
            last = line
    return hi


def _ends_with_title(line: str) -> bool:
    words = line.split()
    return any(all(is_caps(w) for w in words[-n:]) and type_from_name(" ".join(words[-n:]))
               for n in (1, 2, 3) if len(words) >= n)


# -- issuer --------------------------------------------------------------------------

def _group(words: list[str]) -> list[tuple[list[str], bool]]:
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


def _units(words: list[str]) -> list[str]:
    """The names of the bodies in ``words`` (see :func:`_group`), repeats dropped."""
    out: list[str] = []
    for unit, _ in _group(words):
        name = " ".join(unit).strip(" -–,")
        # The gazette heading repeats the issuer; OCR may misread one copy ("QUỐÓC").
        if not any(SequenceMatcher(None, fold(name), fold(u)).ratio() >= 0.9 for u in out):
            out.append(name)
    return out


_NAME_WORD = re.compile(r"^[^\W\d_]+,?$")


def _issuer_words(tokens: Tokens, hi: int) -> list[str]:
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
    return _units(_issuer_words(tokens, number.start if number else len(tokens)))


# -- type title ------------------------------------------------------------------------

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
        groups = _group(run)
        return sum(len(u) for u, _ in groups) == len(run) and groups[-1][1]
    after = i + n
    return not (after < len(tokens) and tokens.free(after) and is_caps(tokens.words[after]))


def _find_title(tokens: Tokens, lo: int = 0) -> tuple[int, int, str] | None:
    for i in range(lo, len(tokens)):
        if tokens.free(i) and is_caps(tokens.words[i]):
            got = _title_at(tokens, i)
            if got and _starts_part(tokens, i, got[0]):
                return i, i + got[0], got[1]
    return None


# -- subject ----------------------------------------------------------------------------

def _acronym(word: str) -> bool:
    letters = "".join(c for c in word if c.isalpha())
    return letters.isascii() and len(letters) <= 6


def _subject_words(tokens: Tokens, i: int) -> tuple[list[str], int]:
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
        if not (word in ("-", "–", "•") and out and out[-1].endswith(",")):
            out.append(word)  # "phòng, / - chống dịch": a speck at a line start, no dash
        j += 1
    return out, j


def _strip_authority(words: list[str], bodies: list[str]) -> list[str]:
    """Drop the enacting body printed under the title ("… NĂM 2026 ỦY BAN THƯỜNG VỤ QUỐC
    HỘI", "BỘ TRƯỞNG BỘ TÀI CHÍNH"): a position and/or a body's name that ends the words."""
    names = {tuple(fold(b).split()) for b in bodies if b}
    folded = [fold(w) for w in words]
    for k in range(1, len(words)):
        if not all(is_caps(w) or w in ("-", "–", ",") for w in words[k:]):
            continue
        if folded[k - 1].strip(",") in _JOINERS:
            continue
        rest = folded[k:]
        rest = rest[title_head(rest):]
        if rest and (tuple(rest) in names or known_body(rest) == len(rest)):
            return words[:k]
    return words


def _sentence(words: list[str], code: str | None) -> str | None:
    text = " ".join(" ".join(words).split()).strip(" .;,:-–")
    # A number the page broke after a separator ("01/2001/" / "TTLT/" / "BNG-TCBĐ").
    text = re.sub(r"(?<=\w[/-])\s+(?=[A-ZĐ0-9])", "", text)
    if not text:
        return None
    if is_caps(text.replace(" ", "")) or all(is_caps(w) or not any(c.isalpha() for c in w)
                                             for w in words):
        text = text[:1] + text[1:].lower()
        if code in NAME_ONLY_TYPES:
            text = code + " " + text[:1].lower() + text[1:]
    return text


# -- the header --------------------------------------------------------------------------

def _with_place(name: str, place: str | None) -> str:
    key = fold(name)
    if place and any(key.endswith(end) for end in _LOCAL_BODY_END):
        return f"{name} {place}"
    return name


def read_header(lines: list[str], hi: int, bound: dt.date | None = None) -> Header:
    """Read the header found in ``lines[:hi]`` (``hi`` excludes any copy block)."""
    end = header_end(lines, 0, hi)
    tokens = Tokens(lines[:end])
    take_phrases(tokens)
    number = read_number(tokens)
    ref = number.ref if number else None
    pd = read_place_date(tokens, bound, ref.year if ref else None)
    title = _find_title(tokens)
    vv = next((i for i in range(len(tokens)) if tokens.free(i)
               and tokens.folded[i].rstrip(":") in ("v/v", "v/v.")), None)
    if pd is None:
        # The date line stands above the title (a công văn's V/v), else right by the number.
        above = title[0] if title else vv if vv is not None else (number.end + 1 if number else 0)
        pd = read_bare_date(tokens, bound, ref.year if ref else None, above)
    firsts = [p for p in (number and number.start, pd and pd.start, title and title[0], vv)
              if p is not None]
    units = _units(_issuer_words(tokens, min(firsts, default=len(tokens))))
    issuer = organ_case(units[-1]) if units else None
    parent = organ_case(units[-2]) if len(units) > 1 else None

    code = title[2] if title else None
    words: list[str] = []
    of_issuer = None
    if title:
        words, of_issuer = _after_title(tokens, title[1], units)
    subject = _sentence(words, code)
    if subject is None and vv is not None:
        words, _ = _subject_words(tokens, vv)
        subject = _sentence(words, None)
        code = code or "CV"
    if code is None and number and number.lead:
        code = type_from_name(number.lead)
    if code is None and ref is not None:
        code = ref.doc_type
    if subject is None and code == "CV" and number:
        words = _subject_words(tokens, number.end)[0][:40]
        subject = _sentence(words, code)
    if issuer is None and of_issuer:
        issuer = _with_place(organ_case(of_issuer), pd.place if pd else None)

    date = pd.date if pd else passed_date("\n".join(lines[:hi]), bound, ref.year if ref else None)
    unreadable = tuple(f for f, bad in (("number", number is not None and ref is None),
                                        ("date", pd is not None and not pd.readable)) if bad)
    printed = {"number": tokens.text(number.start, number.end) if number else "",
               "date": tokens.text(pd.start, pd.end) if pd else "",
               "place": pd.place if pd and pd.place else "",
               "doc_type": tokens.text(title[0], title[1]) if title else "",
               "issuer": units[-1] if units else "", "subject": " ".join(words)}
    return Header(end, ref, code, issuer, parent, pd.place if pd and pd.place else None, date,
                  subject,
                  find_recipients(lines, 0, min(hi, end + 40)), unreadable,
                  tuple((k, v) for k, v in printed.items() if v))


def _after_title(tokens: Tokens, at: int, units: list[str]) -> tuple[list[str], str | None]:
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
    words, _ = _subject_words(tokens, i)
    return _strip_authority(words, units + [of_issuer or ""]), of_issuer


def number_elsewhere(lines: list[str], lo: int, hi: int) -> Ref | None:
    """A document whose header is missing may print its number on a line of its own lower
    down ("Số: 123/UBND-VX", maybe beside the place and date). A number inside a sentence
    is a citation and never taken."""
    for i in range(lo, hi):
        line = lines[i]
        if not line.startswith(("Số", "SỐ")):
            continue
        tokens = Tokens([line])
        number = read_number(tokens)
        if number is None or number.ref is None or number.start != 0 \
                or number.ref.doc_type in COPY_TYPES:
            continue  # a copy block's number ("Số 49-BS/QU") is the copy's own
        read_place_date(tokens)
        if all(not tokens.free(k) for k in range(len(tokens))):
            return number.ref
    return None


def find_place_date(lines: list[str], lo: int, hi: int, bound: dt.date | None = None,
                    hint: int | None = None) -> tuple[str, str | None] | None:
    """The first "Place, ngày … tháng … năm …" in ``lines[lo:hi]``: (place, ISO date or None).

    >>> find_place_date(["Hà Đông, ngày 20", "tháng 01 năm 2022"], 0, 2)
    ('Hà Đông', '2022-01-20')
    """
    got = read_place_date(Tokens(lines[lo:hi]), bound, hint)
    return (got.place, got.date) if got else None


def passed_date(text: str, bound: dt.date | None = None, hint: int | None = None) -> str | None:
    """Laws and UBTVQH resolutions are dated by their closing "thông qua ngày …" line."""
    m = _PASSED.search(" ".join(text.split()))
    return make_date(m["d"], m["m"], m["y"], bound, hint) if m else None


def find_recipients(lines: list[str], lo: int, hi: int) -> tuple[str, ...]:
    """The "Kính gửi:" list, one entry per bullet, trailing ; , . removed."""
    for i in range(lo, hi):
        line = lines[i].lstrip("-–•+ ")
        if not fold(line).startswith("kinh gui"):
            continue
        items: list[str] = []
        first = line.split(":", 1)[1] if ":" in line else line[len("Kính gửi"):]
        if first.strip(" -"):
            items.append(first)
        for nxt in lines[i + 1:hi]:
            if not nxt:
                if items:
                    break
                continue
            if nxt[0] in "-–•+" or not items:
                items.append(nxt)
            else:
                break
        return tuple(t for t in (it.strip().lstrip("-–•+ ").rstrip(" ;,.") for it in items) if t)
    return ()


def body_issuer(text: str, organ_words: tuple[str, ...], place: str) -> str | None:
    """An issuer named in the body ("Ban Thường vụ Đảng ủy phường Hòa Minh") whose organ
    matches the symbol's issuer code and whose locality is the document's place."""
    folded = fold(text)
    place_key = fold(place)
    for word in organ_words:
        pattern = (re.escape(fold(word)) + r"(?:\s+(?:phuong|xa|thi tran|quan|huyen|thanh pho|"
                   r"tinh|thi xa))?\s+" + re.escape(place_key) + r"(?!\w)")
        m = re.search(pattern, folded)
        if m:
            return " ".join(text[m.start():m.end()].split())
    return None
