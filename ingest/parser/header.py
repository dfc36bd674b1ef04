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

from .bodies import body_names, issuer_words
from .doctypes import COPY_TYPES, type_from_name
from .layout import fold_aligned as fold
from .names import organ_case
from .numbers import Ref, make_date
from .stream import Tokens, is_caps, read_bare_date, read_number, read_place_date, take_phrases
from .subject import after_title, find_title, sentence, subject_words

__all__ = ["Header", "read_header", "header_end", "find_place_date",
           "find_recipients", "passed_date", "body_issuer", "number_elsewhere"]

# A body line starts with one of these (folded), written with a capital: "thực hiện" inside
# a wrapped subject is no body.
_BODY_CUES = ("can cu", "thuc hien", "kinh gui", "theo de nghi", "xet de nghi", "tren co so")
_ARTICLE_ONE = re.compile(r"^(?:điều|ĐIỀU)\s+1(?!\d)|^(?:Chương|CHƯƠNG)\s+I\b")
_DATED_SENTENCE = re.compile(r"^Ngày\s+\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}\b")
_MAX_HEADER_WORDS = 400  # a header with a long subject has about 250
# Matched folded: OCR's "nằm", "thảng" are read as the words they misspell.
_PASSED = re.compile(r"thong qua\s+ngay\s+(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})\s+nam\s+"
                     r"(?P<y>\d{4,5})")
_LOCAL_BODY_END = ("uy", "uy ban nhan dan", "hoi dong nhan dan", "ubnd", "hdnd")


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
    if not text[:1].isupper() or is_caps(text.split(" ", 1)[0]):
        return False  # "THỰC HIỆN" in a title in capitals is no body
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
        if len(line.split()) < 3:  # a cue a web page broke: "Căn" / "cứ" / "Luật …"
            line = " ".join([line] + [x for x in lines[i + 1:min(hi, i + 3)] if x])
        if _is_body_line(line) and not (last is not None and _ends_with_title(last)):
            return i
        line = lines[i]
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
    title = find_title(tokens)
    vv = _about(tokens, title is None)
    if pd is None:
        # The date line stands above the title (a công văn's V/v), else right by the number.
        above = title[0] if title else vv if vv is not None else (number.end + 1 if number else 0)
        pd = read_bare_date(tokens, bound, ref.year if ref else None, above)
    firsts = [p for p in (number.start if number else None, pd.start if pd else None,
                          title[0] if title else None, vv) if p is not None]
    units = body_names(issuer_words(tokens, min(firsts, default=len(tokens))))
    issuer = organ_case(units[-1]) if units else None
    parent = organ_case(units[-2]) if len(units) > 1 else None

    code = title[2] if title else None
    words: list[str] = []
    of_issuer = None
    if title:
        words, of_issuer = after_title(tokens, title[1], units)
    subject = sentence(words, code)
    if subject is None and vv is not None:
        words, _ = subject_words(tokens, vv)
        subject = sentence(words, None)
        code = code or "CV"
    if code is None and number and number.lead:
        code = type_from_name(number.lead)
    recipients = find_recipients(lines, 0, min(hi, end + 40))
    if code is None and ref is not None and recipients and ref.year is None and "/" in ref.ref \
            and "-" not in ref.ref.split("/")[0]:
        code = "CV"  # no title, a "Kính gửi": a letter, whatever its symbol starts with
    if code is None and ref is not None:
        code = ref.doc_type
    if subject is None and code == "CV" and number:
        words = subject_words(tokens, number.end)[0][:40]
        subject = sentence(words, code)
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
                  recipients, unreadable,
                  tuple((k, v) for k, v in printed.items() if v))


# An item's mark in a body ("7.", "b)", "-"): "7. Về việc cho học sinh …" on a page
# without its header is an item, not a subject.
_ITEM_MARK = re.compile(r"(?:\d{1,3}|[a-zđ]|[IVXLivxl]{1,5})[.)]|[-+•–]")


def _about(tokens: Tokens, untitled: bool) -> int | None:
    """Where a công văn's subject starts: "V/v", or, with no type title, "Về việc" (not
    after an item's mark)."""
    for i in range(len(tokens)):
        if not tokens.free(i):
            continue
        if tokens.folded[i].rstrip(":.") == "v/v":
            return i
        if untitled and tokens.words[i] in ("Về", "VỀ") and i + 1 < len(tokens) \
                and tokens.folded[i + 1].rstrip(":") == "viec" \
                and not (i and _ITEM_MARK.fullmatch(tokens.words[i - 1])):
            return i
    return None


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
    m = _PASSED.search(fold(" ".join(text.split())))
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


def _spaced(words: str) -> str:
    """A regex of the folded ``words`` with any white space between them."""
    return r"\s+".join(map(re.escape, fold(words).split()))


def body_issuer(text: str, organ_words: tuple[str, ...], place: str) -> str | None:
    """An issuer named in the body ("Ban Thường vụ Đảng ủy phường Hòa Minh") whose organ
    matches the symbol's issuer code and whose locality is the document's place."""
    folded = fold(text)
    for word in organ_words:  # any run of spaces between words, as the text may have
        pattern = (_spaced(word) + r"(?:\s+(?:phuong|xa|thi\s+tran|quan|huyen|thanh\s+pho|"
                   r"tinh|thi\s+xa))?\s+" + _spaced(place) + r"(?!\w)")
        m = re.search(pattern, folded)
        if m:
            return " ".join(text[m.start():m.end()].split())
    return None
