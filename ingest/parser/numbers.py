"""Document numbers (số ký hiệu) and dates, including the OCR and typing variants.

Forms (reference §2):
* state ``N/TYPE-ISSUER`` (``17/CT-UBND``), công văn ``N/ISSUER-UNIT`` (``1196/UBND-VP``);
* legal ``N/YYYY/TYPE-ISSUER`` (``23/2020/QĐ-TTg``, ``51/2024/QH15``): we keep the year in
  the symbol (number ``23``, symbol ``2020/QĐ-TTg``) so that ``number + "/" + symbol`` is
  always the printed reference;
* Party ``N-TYPE/ISSUER`` (``1919-CV/QU``): number ``1919``, symbol ``CV/QU``.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from archive.vntext import normalize, normalize_ref

from .doctypes import canonical_code, is_issuer_code, is_type_code, repair_code, type_from_name

__all__ = ["Ref", "parse_ref", "REF_IN_TEXT", "read_number_line", "parse_date", "DATE_IN_TEXT",
           "fix_year"]

_UP = "A-ZĐÀ-Ỹ"
_SEG = r"[A-ZĐ][A-Za-zĐđ]{0,9}\d{0,2}"
_DASH = r"[-\u2010-\u2014\u2212]"
_END = r"(?![A-Za-z0-9À-ỹĐđ])"
# A document number; OCR reads 0 as O and 1 as l or I, so those letters count if a digit
# is among them ("1O5", "l96"), and parse_ref turns them back into digits.
_NUM = r"(?=[OolI]{0,4}\d)[\dOolI]{1,5}"
_NUM_FIX = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1"})

# A reference as it may appear in running text: spaces allowed around separators.
REF_IN_TEXT = re.compile(
    r"(?<![\w/.\-])(?:"
    rf"(?P<party>{_NUM}\s*{_DASH}\s*{_SEG}\s*/\s*{_SEG}(?:\s*{_DASH}\s*{_SEG}){{0,2}})"
    r"|"
    rf"(?P<state>{_NUM}(?:\.\d{{1,3}})?\s*/\s*(?:(?:19|20)\d{{2}}\s*/\s*)?"
    rf"{_SEG}(?:\s*{_DASH}\s*{_SEG}){{0,7}})"
    rf"){_END}"
)
_STATE = re.compile(
    rf"^(?P<num>\d{{1,5}}(?:\.\d{{1,3}})?)/(?P<sym>(?:(?P<year>(?:19|20)\d{{2}})/)?"
    rf"(?P<segs>{_SEG}(?:-{_SEG}){{0,7}}))$"
)
_PARTY = re.compile(rf"^(?P<num>\d{{1,5}})-(?P<sym>(?P<type>{_SEG})/{_SEG}(?:-{_SEG}){{0,2}})$")


@dataclass(frozen=True)
class Ref:
    """A parsed document number."""

    ref: str
    number: str
    symbol: str
    doc_type: str | None  # from the symbol; "CV" for a state symbol without a type code
    issuer_code: str | None
    year: int | None = None
    # As printed (spaces dropped) when that differs from ``ref``: look-alike letters, dashes,
    # OCR repairs ("1196/UBND–VP", "06/2026/TT-BТС" with Cyrillic Т and С, "35/CT-TTE").
    printed: str | None = None


def parse_ref(text: str) -> Ref | None:
    """Parse one reference, tolerating spaces, dashes, Ð and ASCII ``CD`` for ``CĐ``.

    >>> parse_ref("100- CV/ÐU").ref, parse_ref("1196 / UBND–VP").doc_type
    ('100-CV/ĐU', 'CV')
    >>> r = parse_ref("18/CD-UBND"); (r.ref, r.doc_type, r.printed)
    ('18/CĐ-UBND', 'CĐ', '18/CD-UBND')
    >>> r = parse_ref("06/2026/TT-B\u0422\u0421"); r.ref, r.printed == "06/2026/TT-B\u0422\u0421"
    ('06/2026/TT-BTC', True)
    >>> r = parse_ref("23/2020/QĐ-TTg"); (r.number, r.symbol, r.year, r.issuer_code)
    ('23', '2020/QĐ-TTg', 2020, 'TTg')
    >>> parse_ref("22/8/2023") is None
    True

    OCR confusions in the number (O, l) and in the codes (:func:`doctypes.repair_code`)
    are repaired; ``printed`` keeps what was read:

    >>> r = parse_ref("35/CT-TTE"); (r.ref, r.printed)
    ('35/CT-TTg', '35/CT-TTE')
    >>> parse_ref("1O5-CV/QV").ref
    '105-CV/QU'
    """
    compact = normalize_ref(text)
    printed = re.sub(r"\s+", "", normalize(text))
    head = re.match(r"[\dOolI]+", compact)
    fixed = compact
    if head and any(c.isdigit() for c in head.group(0)):
        fixed = head.group(0).translate(_NUM_FIX) + compact[head.end():]
    m = _PARTY.match(fixed)
    if m:
        party_type = canonical_code(repair_code(m["type"], "type"))
        if is_type_code(party_type):
            printed_issuer, _, rest = m["sym"][len(m["type"]) + 1:].partition("-")
            party_issuer = repair_code(printed_issuer, "issuer")
            symbol = f"{party_type}/{party_issuer}" + (f"-{rest}" if rest else "")
            return _ref(m["num"], "-", symbol, party_type, party_issuer, None, printed)
    m = _STATE.match(fixed)
    if not m:
        return None
    segs = m["segs"].split("-")
    year = int(m["year"]) if m["year"] else None
    type_code = canonical_code(repair_code(segs[0], "type"))
    if len(segs) >= 2 and is_type_code(type_code) and not is_issuer_code(segs[0]):
        code: str | None = type_code
        segs[0] = type_code
        segs[1] = repair_code(segs[1], "issuer")
        issuer: str | None = segs[1]
    elif year is None and len(segs) >= 1 and not is_type_code(segs[0]):
        segs[0] = repair_code(segs[0], "issuer")
        code, issuer = "CV", segs[0]  # a công văn's symbol names only issuer and unit
    else:
        code, issuer = None, (segs[-1] if not is_type_code(segs[0]) else None)
    symbol = (f"{year}/" if year else "") + "-".join(segs)
    return _ref(m["num"], "/", symbol, code, issuer, year, printed)


def _ref(num: str, sep: str, symbol: str, code: str | None, issuer: str | None,
         year: int | None, printed: str) -> Ref:
    ref = f"{num}{sep}{symbol}"
    return Ref(ref, num, symbol, code, issuer, year, printed if printed != ref else None)


# "Số: 1196/UBND-VP", "Số 100- CV/ĐU", "Luật số: 51/2024/QH15", OCR "Só:465 /2020/NĐ-CP".
_NUMBER_LINE = re.compile(
    rf"^(?:(?P<lead>[{_UP}][^\d:]{{0,30}}?)\s+)?[Ss][ốồổỗộoóòôơớờ6]\s*(?:hiệu)?\s*[:.]?\s*"
    r"(?P<rest>(?=[OolI]{0,4}\d)[\dOolI].*)$"
)


def read_number_line(line: str) -> tuple[Ref, str | None] | None:
    """Read a ``Số …`` line; returns the reference and any type name written before "số".

    >>> ref, lead = read_number_line("Số: 21/C T-TTg"); ref.ref
    '21/CT-TTg'
    >>> ref, lead = read_number_line("Nghị quyết số: 17/2022/UBTVQH15"); (ref.ref, lead)
    ('17/2022/UBTVQH15', 'Nghị quyết')
    >>> read_number_line("Số ca mắc mới tăng") is None
    True
    """
    m = _NUMBER_LINE.match(line.strip())
    if not m or (m["lead"] and type_from_name(m["lead"]) is None):
        return None  # "… Thông tư số 10/2022/TT-BKHĐT" inside a sentence is a citation
    rest = re.sub(rf"\s*({_DASH}|/)\s*", r"\1", m["rest"]).split()
    if not rest:
        return None
    candidates = [rest[0]]
    if len(rest) > 1:
        # A spurious space inside the symbol ("21/C T-TTg"): glue the next token on.
        candidates.insert(0, rest[0] + rest[1])
    for cand in candidates:
        ref = parse_ref(cand)
        if ref is None:
            continue
        used = 2 if cand != rest[0] else 1
        if m["lead"] and len(rest) > used:
            return None  # "Thông tư số 06/2022/TT-BTC ngày …" is a citation, not a header
        return ref, (m["lead"] or None)
    return None


# "ngày 25 tháng 8 năm 2023", "ngày 22/8/2023", "22-8-2023"; years may carry a typo digit.
DATE_IN_TEXT = re.compile(
    r"(?<![\d/])(?P<d>\d{1,2})\s*(?:tháng|/|-|\.)\s*(?P<m>\d{1,2})\s*(?:năm|/|-|\.)\s*"
    r"(?P<y>\d{4,5})(?!\d)"
)


def fix_year(printed: str, bound: dt.date | None = None, hint: int | None = None) -> int | None:
    """A plausible year from a printed one; a five-digit year has one stray keystroke.

    Of the years left by deleting one digit, keep the one the document's own evidence
    supports: the year in its number (``hint``), else the latest one not after ``bound``
    (the Công báo issue date: a document is published after it is signed, within months).

    >>> fix_year("2021"), fix_year("20264", bound=dt.date(2026, 3, 11)), fix_year("20264")
    (2021, 2026, None)
    """
    if len(printed) == 4:
        year = int(printed)
        return year if 1945 <= year <= 2100 else None
    options = sorted({int(printed[:i] + printed[i + 1:]) for i in range(len(printed))})
    options = [y for y in options if 1945 <= y <= 2100]
    if hint in options:
        return hint
    if bound is not None:
        before = [y for y in options if y <= bound.year and bound.year - y <= 1]
        if len(before) >= 1:
            return max(before)
    return options[0] if len(options) == 1 else None


def parse_date(text: str, bound: dt.date | None = None, hint: int | None = None) -> str | None:
    """The first valid date in ``text`` as ISO, or None (blank "ngày  tháng  năm" too).

    >>> parse_date("Hoàn Kiếm, ngày 11 tháng 8 năm 2021"), parse_date("ngày 06/8/2021")
    ('2021-08-11', '2021-08-06')
    >>> parse_date("Hà Nội, ngày   tháng   năm 2026") is None
    True
    """
    for m in DATE_IN_TEXT.finditer(text):
        iso = make_date(m["d"], m["m"], m["y"], bound, hint)
        if iso:
            return iso
    return None


def make_date(day: str, month: str, year: str, bound: dt.date | None = None,
              hint: int | None = None) -> str | None:
    """ISO date from printed parts, or None when not a real calendar date."""
    y = fix_year(year, bound, hint)
    if y is None:
        return None
    try:
        return dt.date(y, int(month), int(day)).isoformat()
    except ValueError:
        return None
