"""The header of a directive: issuer, number, place and date, type name, subject, recipients.

Works on the lines from :mod:`layout`, in whatever order OCR left them: each part is
recognised by its own shape, not by its position, and only inside the header region
(everything above the first body line).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from .doctypes import COPY_HEADINGS, NAME_ONLY_TYPES, type_from_name
from .layout import fold_aligned as fold, is_upper_line
from .names import is_organ_start, is_title_line, organ_case
from .numbers import Ref, make_date, parse_date, read_number_line
from .signature import AUTHORITY

__all__ = ["Header", "read_header", "header_end", "organ_units", "find_place_date",
           "find_recipients", "passed_date", "body_issuer"]

_BODY_CUES = ("can cu", "thuc hien", "kinh gui", "theo de nghi", "xet de nghi", "tren co so",
              "dieu 1.", "dieu 1 ", "chuong i")
_NOT_ISSUER = re.compile(
    r"^(cong hoa xa hoi chu nghia viet nam|dang cong san viet nam|doc lap.*hanh phuc|"
    r"van ban quy pham phap luat|van ban hop nhat|dieu uoc quoc te|van ban khac|phan .*|"
    r"cong bao.*|xac thuc van ban hop nhat)$"
)
_PLACE_DATE = re.compile(
    r"^(?P<place>[A-ZĐÀ-Ỹ][^\W\d_]*(?:\s+[A-ZĐÀ-Ỹ][^\W\d_]*){0,4})\s*,\s*ngày\b(?P<rest>.*)$"
)
_PASSED = re.compile(r"thông qua\s+ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+"
                     r"(?P<y>\d{4,5})")
_NUMBER_START = re.compile(r"^so\s*[:.]")
_DATED_SENTENCE = re.compile(r"^Ngày\s+\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}\b")
_WORDS_ONLY = re.compile(r"^[^\W\d_]+(?:[ ,\-–]+[^\W\d_]+)*$")
_LOCAL_BODY_END = ("uy", "uy ban nhan dan", "hoi dong nhan dan", "ubnd", "hdnd")


@dataclass(frozen=True)
class Header:
    end: int
    ref: Ref | None = None
    number_line: int | None = None
    type_code: str | None = None
    issuer: str | None = None
    parent_issuer: str | None = None
    place: str | None = None
    date: str | None = None
    subject: str | None = None
    recipients: tuple[str, ...] = ()


def header_end(lines: list[str], lo: int = 0) -> int:
    """Index of the first body line: a citation cue, an article, or a long OCR paragraph."""
    for i in range(lo, min(len(lines), lo + 45)):
        line = lines[i]
        key = fold(line.lstrip("-–•+ "))
        if len(line) > 150 or (any(key.startswith(c) for c in _BODY_CUES) and i > lo):
            return i
    return min(len(lines), lo + 45)


def organ_units(lines: list[str]) -> list[str]:
    """Group capitalised issuer lines into bodies: a line starting with an organ word
    opens a body, other capitalised lines continue it ("ỦY BAN NHÂN DÂN" + "QUẬN HOÀN KIẾM").
    Repeats (the gazette's section heading) are dropped.

    >>> organ_units(["ĐẢNG BỘ THÀNH PHỐ HÀ NỘI", "QUẬN ỦY HOÀN KIẾM", "ĐẢNG CỘNG SẢN VIỆT NAM"])
    ['ĐẢNG BỘ THÀNH PHỐ HÀ NỘI', 'QUẬN ỦY HOÀN KIẾM']
    >>> organ_units(["BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
    ...              "BỘ LAO ĐỘNG - THƯƠNG BINH", "VÀ XÃ HỘI"])
    ['BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI']

    A copy block's "SAO LỤC" / "SAO Y" / "TRÍCH SAO" heading is a title, not a name:

    >>> organ_units(["QUẬN ỦY HÀ ĐÔNG", "SAO LỤC"])
    ['QUẬN ỦY HÀ ĐÔNG']
    """
    units: list[list[str]] = []
    open_unit = False
    for line in lines:
        text = line.strip(" *-")
        if not text or not is_upper_line(text) or _NOT_ISSUER.match(fold(text)):
            continue
        if " ".join(fold(text).strip(" .:").split()) in COPY_HEADINGS:
            open_unit = False  # the heading ends a name, nothing below continues it
            continue
        if is_title_line(text) or AUTHORITY.match(text) or type_from_name(_bare(text)):
            continue
        if _NUMBER_START.match(fold(text)):
            break  # an unreadable "SỐ: (J2/2023/…" still ends the issuer column
        if is_organ_start(text):
            units.append([text])
            open_unit = True
        elif open_unit and _WORDS_ONLY.match(text):
            units[-1].append(text)
    out: list[str] = []
    for unit in units:
        name = " ".join(unit)
        # The gazette heading repeats the issuer; OCR may misread one copy ("QUỐÓC").
        if not any(SequenceMatcher(None, fold(name), fold(u)).ratio() >= 0.9 for u in out):
            out.append(name)
    return out


def _bare(line: str) -> str:
    """A type-name line without footnote digits and punctuation ("THÔNG TƯ1" → "THÔNG TƯ")."""
    return re.sub(r"[\d:.*]+$", "", line.strip()).strip()


def find_place_date(lines: list[str], lo: int, hi: int, bound: dt.date | None = None,
                    hint: int | None = None) -> tuple[int, str, str | None] | None:
    """The first "Place, ngày … tháng … năm …" line: (index, place, ISO date or None)."""
    for i in range(lo, hi):
        m = _PLACE_DATE.match(lines[i])
        if m and "tháng" in m["rest"] + (lines[i + 1] if i + 1 < hi else ""):
            rest = m["rest"] if "năm" in m["rest"] else m["rest"] + " " + lines[i + 1]
            return i, m["place"], parse_date("ngày" + rest, bound, hint)
    return None


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


def _type_line(lines: list[str], lo: int, hi: int) -> tuple[int, str] | None:
    for i in range(lo, hi):
        # OCR may glue stamp debris before the title ("Ngày: - NGHỊ ĐỊNH"): try the tail too.
        for part in (lines[i], re.split(r"\s[-–:]+\s", lines[i])[-1]):
            if is_upper_line(part) or part.isupper():
                code = type_from_name(_bare(part))
                if code:
                    return i, code
    return None


def _stops_subject(line: str, upper_subject: bool) -> bool:
    key = fold(line.lstrip("-–•+ "))
    if any(key.startswith(c) for c in _BODY_CUES[:6]) or key.startswith("dieu 1"):
        return True
    if read_number_line(line) or _PLACE_DATE.match(line) or len(line) > 150:
        return True
    if _DATED_SENTENCE.match(line):
        return True  # "Ngày 13/01/2022, Ban Thường vụ … họp": the body, glued on by OCR
    return is_upper_line(line) != upper_subject


def _before_subject(line: str) -> bool:
    """Lines OCR may leave between a number or type line and the subject: the other
    header column (motto, place and date) and one-word specks ("dư.")."""
    return (bool(_NOT_ISSUER.match(fold(line).strip(" .-"))) or bool(_PLACE_DATE.match(line))
            or len(line.split()) < 2)


def _subject_after(lines: list[str], start: int, hi: int, code: str | None,
                   max_lines: int = 12) -> tuple[str | None, str | None]:
    """Subject lines after ``start``; also returns a "CỦA <body>" issuer line if present."""
    taken: list[str] = []
    of_issuer = None
    upper = None
    for line in lines[start:hi]:
        if not line:
            if taken:
                break
            continue
        if (not taken and of_issuer is None and fold(line).startswith("cua ")
                and is_upper_line(line)):
            of_issuer = line[4:].strip()
            continue
        if not taken and _before_subject(line):
            continue
        if upper is None:
            upper = is_upper_line(line)
        if _stops_subject(line, upper) or len(taken) >= max_lines:
            break
        if taken and taken[-1].endswith(","):
            line = line.lstrip("-–• ")  # "phòng," / "- chống dịch": a speck, not a dash
        taken.append(line)
    if not taken:
        return None, of_issuer
    text = " ".join(" ".join(taken).split()).rstrip(" .;")
    if upper:
        text = text[:1] + text[1:].lower()
        if code in NAME_ONLY_TYPES:
            text = code + " " + text[:1].lower() + text[1:]
    return text, of_issuer


def _vv_subject(lines: list[str], lo: int, hi: int) -> str | None:
    for i in range(lo, hi):
        if fold(lines[i]).replace(" ", "").startswith("v/v"):
            subject, _ = _subject_after(lines, i, hi, None, max_lines=4)
            return subject
    return None


def _with_place(name: str, place: str | None) -> str:
    key = fold(name)
    if place and any(key.endswith(end) for end in _LOCAL_BODY_END):
        return f"{name} {place}"
    return name


def read_header(lines: list[str], hi: int, bound: dt.date | None = None) -> Header:
    """Read the header found in ``lines[:hi]`` (``hi`` excludes any copy block)."""
    end = min(header_end(lines), hi)
    number = None
    for i in range(end):
        got = read_number_line(lines[i])
        if got:
            number = (i, got[0], got[1])
            break
    ref = number[1] if number else None
    year = ref.year if ref else None
    pd = find_place_date(lines, 0, end, bound, year)
    place = pd[1] if pd else None
    date = pd[2] if pd else passed_date("\n".join(lines[:hi]), bound, year)
    typed = _type_line(lines, 0, end)
    code = typed[1] if typed else None
    if code is None and number and number[2]:
        code = type_from_name(number[2])
    subject, of_issuer = (None, None)
    if typed:
        subject, of_issuer = _subject_after(lines, typed[0] + 1, hi, code)
    if subject is None:
        subject = _vv_subject(lines, 0, end)
    if code is None and ref is not None:
        code = ref.doc_type
    if code is None and subject and fold(subject).startswith("v/v"):
        code = "CV"
    if subject is None and code == "CV" and number:
        subject, _ = _subject_after(lines, number[0] + 1, end, code, max_lines=3)
    firsts = [x for x in (number and number[0], pd and pd[0], typed and typed[0]) if x is not None]
    units = organ_units(lines[:min(firsts + [end])])
    issuer = organ_case(units[-1]) if units else None
    parent = organ_case(units[-2]) if len(units) > 1 else None
    if issuer is None and of_issuer:
        issuer = _with_place(organ_case(of_issuer), place)
    return Header(end, ref, number[0] if number else None, code, issuer, parent, place, date,
                  subject, find_recipients(lines, 0, min(hi, end + 40)))


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
