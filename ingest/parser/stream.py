"""The header region read as one stream of words.

Web pages and PDF extraction break header lines between any two words ("Số:" alone with
"12/2025/QĐ-UBND" on the next line; "Thanh Hóa, ngày" / "05 tháng 3 năm 2025"), and OCR
reorders the two header columns. So the header is read as a sequence of tokens in which
each part is found by its own shape, and a line break means no more than a space — except
inside a word that a web page broke in two ("q" / "uy định", "năm 202" / "5"): a bare
onset before a vowel is glued back wherever the break fell.

Parts are read in a fixed order — the national motto and gazette headings, the number,
the place and date — and each part read is *taken*: later readers skip its tokens, and
taken tokens separate the runs of text around them (the issuer before, the subject after).
"""
from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from dataclasses import dataclass

from .doctypes import type_from_name
from .layout import RUNNING_HEADER, fold_aligned as fold
from .numbers import Ref, make_date, parse_ref

__all__ = ["Tokens", "NumberPart", "DatePart", "read_number", "read_place_date",
           "read_bare_date", "is_caps", "take_phrases"]

_RULE_TOKEN = re.compile(r"^[_=\-–—.…~*]{3,}$")
# A web page cut a word after its first consonant(s): "q" / "uy", "V" / "ề", "Thông t" / "ư".
_ONSET = re.compile(r"^(?:b|c|ch|d|đ|g|gh|gi|h|k|kh|l|m|n|ng|ngh|nh|p|ph|q|qu|r|s|t|th|tr|v|x)$",
                    re.IGNORECASE)
_VOWEL_START = re.compile(r"^[aăâeêioôơuưyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụ"
                          r"ứừửữựýỳỷỹỵ]", re.IGNORECASE)

# Phrases that are no part of issuer, number or subject (folded): the motto, the Party's
# name line, gazette section headings, and a web page's download links.
_FIXED_PHRASES = re.compile(
    r"(?<![\w])(?:cong hoa xa hoi chu nghia viet ?nam|dang cong san viet ?nam"
    r"|doc lap\W{0,6}tu do\W{0,6}hanh phuc"
    r"|(?:phan )?van ban quy pham phap luat|dieu uoc quoc te|van ban khac"
    r"|van ban goc|tai ve)(?![\w])"
)
# The national and Party name lines are printed in capitals (a subject may name "Chính phủ
# nước Cộng hòa xã hội chủ nghĩa Việt Nam"); a gazette heading stands alone in capitals, so
# not after another capitalised word ("BÃI BỎ MỘT SỐ VĂN BẢN QUY PHẠM PHÁP LUẬT" is a title).
_CAPS_ONLY = ("cong hoa", "dang cong san")
_HEADINGS = ("van ban quy pham phap luat", "phan van ban", "dieu uoc quoc te", "van ban khac")


def is_caps(token: str) -> bool:
    """A token whose letters are all capitals (at least one letter).

    >>> is_caps("QUẬN"), is_caps("QĐ-TTg"), is_caps("12"), is_caps("Về")
    (True, False, False, False)
    """
    letters = [c for c in token if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


class Tokens:
    """The words of a header region with what each one was taken for.

    >>> t = Tokens(["Số:", "12/2025/QĐ-", "UBND Thanh Hóa, ngày", "05 tháng 3 năm 202", "5"])
    >>> t.words[-5:]
    ['05', 'tháng', '3', 'năm', '2025']
    """

    def __init__(self, lines: list[str]):
        words: list[str] = []
        for part in RUNNING_HEADER.sub(" ", " ".join(lines)).split():
            if _RULE_TOKEN.match(part):
                continue  # "______" under a title, wherever the wrapping put it
            if words and _broken_word(words, part):
                words[-1] += part
                continue
            words.extend(_split_marker(part))
        self.words = words
        self.folded = [fold(w) for w in self.words]
        self.taken: list[str | None] = [None] * len(self.words)
        self._starts: list[int] = []
        pos = 0
        for w in self.folded:
            self._starts.append(pos)
            pos += len(w) + 1
        self.ftext = " ".join(self.folded)

    def __len__(self) -> int:
        return len(self.words)

    def text(self, i: int, j: int) -> str:
        return " ".join(self.words[i:j])

    def take(self, i: int, j: int, what: str) -> None:
        for k in range(i, j):
            self.taken[k] = what

    def span_of(self, start: int, end: int) -> tuple[int, int]:
        """Token indices covering the character span ``[start, end)`` of :attr:`ftext`."""
        return bisect_right(self._starts, start) - 1, bisect_right(self._starts, max(start, end - 1))

    def free(self, i: int) -> bool:
        return 0 <= i < len(self.words) and self.taken[i] is None


def _broken_word(words: list[str], first: str) -> bool:
    """True when a break cut a word: after a bare onset, where the two together start with
    an onset and a vowel ("q" "uy", "V" "ề", "n" "gày"), or in a year ("năm 202" "5"). No
    Vietnamese word is a consonant alone, so this never joins two words."""
    last = words[-1]
    if _ONSET.match(last):
        joined = last + first
        k = len(joined) - len(joined.lstrip("bcdđghklmnpqrstvxBCDĐGHKLMNPQRSTVX"))
        # A broken word keeps its case: "n" "gày", "N" "GHỊ", "V" "ề"; not OCR's "Th" "ỦY".
        cased = joined.islower() or joined.isupper() or joined[1:].islower()
        return bool(cased and _ONSET.match(joined[:k]) and _VOWEL_START.match(joined[k:]))
    return (len(words) > 1 and fold(words[-2]) == "nam" and last.isdigit() and first.isdigit()
            and len(last) + len(first) == 4)


_GLUED_MARK = re.compile(r"^([Ss][ốồổỗộoóòôơớờ6]|S[ỐỒỔỖỘOÓÒÔƠỚỜ])([:.])(\S+)$")
# A date word glued to its number or a speck, as OCR may also misspell it ("thảng12").
_GLUED_DATE_WORD = re.compile(r"^([^\W\d_]{3,5})([^\w\s,.;:)]|\d)(\S*)$")


def _split_marker(word: str) -> list[str]:
    """ "Số:1196/UBND-VP" → ["Số:", "1196/UBND-VP"]; OCR's "ngày‹2{" → ["ngày", "‹2{"] and
    "thảng12" → ["thảng", "12"]; "Số :31/2026/NĐ-CP", the colon glued to the number →
    ["Số", ":", "31/2026/NĐ-CP"]."""
    if word[0] == ":" and word[1:2].isalnum():
        return [":", *_split_marker(word[1:])]
    m = _GLUED_MARK.match(word)
    if m:
        return [m[1] + m[2], m[3]]
    m = _GLUED_DATE_WORD.match(word)
    if m and (m[1].lower() in ("ngày", "tháng", "năm") or m[1].islower() and any(
            _date_word(fold(m[1]), w) for w in ("ngay", "thang", "nam"))):
        return [m[1], m[2] + m[3]]  # a misspelt one in lower case only: not "Việt Nam1"
    return [word]


def take_phrases(tokens: Tokens) -> None:
    """Take the motto, the Party's name line, gazette headings and site link words."""
    for m in _FIXED_PHRASES.finditer(tokens.ftext):
        i, j = tokens.span_of(m.start(), m.end())
        caps = all(is_caps(w) for w in tokens.words[i:j])
        if m.group(0).startswith(_CAPS_ONLY) and not caps:
            continue
        if m.group(0).startswith(_HEADINGS) and not (caps and (i == 0 or not is_caps(
                tokens.words[i - 1]) or not tokens.free(i - 1))):
            continue
        if m.group(0) in ("van ban goc", "tai ve") and not tokens.words[i][:1].isupper():
            continue
        tokens.take(i, j, "fixed")


# -- the number ----------------------------------------------------------------------

# "Số", OCR "Só", "S6"; written in capitals "SỐ". A colon or dot may follow.
_MARK = re.compile(r"^(?:[Ss][ốồổỗộoóòôơớờ6]|S[ỐỒỔỖỘOÓÒÔƠỚỜ])(?:hiệu|HIỆU)?[:.]?$")
# A piece of a printed number: digits, codes, separators ("1196", "/UBND-VP", "T-TTg", "-UBND").
_PIECE = re.compile(r"^[-–—‐‑‒−/]$|^[-–—‐‑‒−/.]*[0-9A-ZĐÐOlIА-Я][0-9A-Za-zĐđÐА-Яа-я/\-–—‐‑‒−.]*$")
_SEP_END = re.compile(r"[-–—‐‑‒−/]$")
_SEP_START = re.compile(r"^[-–—‐‑‒−/]")


@dataclass(frozen=True)
class NumberPart:
    start: int  # token index of the marker (or of the type name before "số:")
    end: int
    ref: Ref | None  # None: a number slot was printed but cannot be read
    lead: str | None  # a type name printed before "số:" ("Nghị quyết số: 17/2022/UBTVQH15")


def read_number(tokens: Tokens, lo: int = 0, hi: int | None = None) -> NumberPart | None:
    """The first document number in ``tokens[lo:hi]``, taken.

    >>> t = Tokens(["BỘ TÀI CHÍNH", "Số: 123 /UBND-VX", "Thanh Hóa"]); p = read_number(t)
    >>> p.ref.ref, t.text(p.start, p.end)
    ('123/UBND-VX', 'Số: 123 /UBND-VX')
    >>> read_number(Tokens(["SỬA ĐỔI NGHỊ ĐỊNH SỐ 150/2025/NĐ-CP"])) is None
    True
    """
    hi = len(tokens) if hi is None else hi
    for i in range(lo, hi):
        if not tokens.free(i) or not _MARK.match(tokens.words[i]):
            continue
        word = tokens.words[i]
        colon = word.endswith(":") or (i + 1 < hi and tokens.words[i + 1] == ":")
        before = _type_name_before(tokens, i)
        if word[0] == "s" and not colon:
            continue  # a lowercase "số" is a header number only with its colon ("số: 12/…"
            # as OCR may read "Số:", "Nghị quyết số: …"); "Công văn số 12/…" is cited
        if word.isupper() and before is not None and not colon:
            continue  # "NGHỊ ĐỊNH SỐ 150/…" inside a title is a citation
        lead = before if word[0] == "s" or colon else None
        k = i + 1
        while k < hi and tokens.words[k] in (":", ".", "hiệu:", "HIỆU:"):
            k += 1
        got = _ref_at(tokens, k, hi)
        start = i - len(lead.split()) if lead else i
        if got is not None:
            ref, end = got
            tokens.take(start, end, "number")
            return NumberPart(start, end, ref, lead)
        slot = next((j for j in range(k, min(hi, k + 2)) if _unreadable_slot(tokens.words[j])), None)
        if slot is not None:
            tokens.take(start, slot + 1, "number")
            return NumberPart(start, slot + 1, None, lead)
    return None


def _type_name_before(tokens: Tokens, i: int) -> str | None:
    for n in (3, 2, 1):
        if i - n >= 0 and all(tokens.free(k) for k in range(i - n, i)):
            name = tokens.text(i - n, i)
            if type_from_name(name):
                return name
    return None


def _ref_at(tokens: Tokens, k: int, hi: int) -> tuple[Ref, int] | None:
    """Read a number from the pieces at ``k``; a piece is glued on when the number so far
    is cut ("253" "/" "2025" "/QH15"), the piece starts with a separator ("123" "/UBND-VX",
    "15/TTr" "-UBND"), or the symbol ends in a lone letter ("21/C" "T-TTg")."""
    best = None
    cand = ""
    j = k
    while j < min(hi, k + 6) and tokens.free(j) and _PIECE.match(tokens.words[j]) \
            and tokens.folded[j] != "v/v":
        piece = tokens.words[j]
        if cand and not (_SEP_END.search(cand) or _SEP_START.match(piece) or best is None
                         or re.search(r"[-/][A-ZĐ]$", cand)):
            break
        cand += piece
        j += 1
        ref = parse_ref(cand.rstrip("."))
        if ref is not None and not _SEP_END.search(cand):
            best = (ref, j)
    return best


def _unreadable_slot(word: str) -> bool:
    """A number slot left blank or unreadable: "/QĐ-BTC", "…/2023/TB-LPQT", "(J2/2023/…"."""
    return "/" in word and fold(word) != "v/v" and parse_ref(word) is None


# -- place and date ------------------------------------------------------------------

_PLACE_GLUE = {"phố", "xã", "trấn"}  # "Thành phố Hồ Chí Minh", "Thị xã …"
_BEFORE_CITED = {"của", "bởi", "và", "với", "tại", "theo", "cho"}
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})[,.;]?$")


@dataclass(frozen=True)
class DatePart:
    start: int
    end: int
    place: str
    date: str | None  # ISO; None when the day or month is blank or unreadable
    readable: bool  # False when a day, month or year was printed but cannot be read


def read_place_date(tokens: Tokens, bound: dt.date | None = None, hint: int | None = None,
                    lo: int = 0, hi: int | None = None) -> DatePart | None:
    """The first "<Place>, ngày … tháng … năm …" in ``tokens[lo:hi]``, taken.

    >>> t = Tokens(["Hà Nội ngày 07 /", "tháng 3 năm 2025"]); p = read_place_date(t)
    >>> p.place, p.date
    ('Hà Nội', '2025-03-07')
    >>> p = read_place_date(Tokens(["Hà Nội, ngày   tháng   năm 2026"])); (p.date, p.readable)
    (None, False)
    >>> read_place_date(Tokens(["của Bộ Công Thương ngày 12 tháng 6 năm 2025"])) is None
    True
    """
    hi = len(tokens) if hi is None else hi
    for i in range(lo, hi):
        if not tokens.free(i) or not _date_word(tokens.folded[i].strip(","), "ngay"):
            continue
        date = _date_after(tokens, i + 1, hi, bound, hint)
        if date is None:
            continue
        place_at = _place_before(tokens, i, lo)
        if place_at is None:
            continue
        end, iso, readable = date
        place = " ".join(tokens.words[place_at:i]).rstrip(" ,.;")  # "Hà Nội. ngày": OCR
        tokens.take(place_at, end, "date")
        return DatePart(place_at, end, place.replace(" ,", ""), iso, readable)
    return None


def read_bare_date(tokens: Tokens, bound: dt.date | None = None, hint: int | None = None,
                   hi: int | None = None) -> DatePart | None:
    """A header date printed without its place ("ngày 05 tháng 3 năm 2025" under the number,
    the place lost with the header image), starting before ``hi``, taken. A date after a
    cited document ("… NĐ-CP ngày …", "của Chính phủ ngày …") is that document's.

    >>> read_bare_date(Tokens(["Số: 12/UBND-VP", ", ngày 05 tháng 3 năm 2025"])).date
    '2025-03-05'
    >>> read_bare_date(Tokens(["Nghị định số 12/2020/NĐ-CP ngày 05 tháng 3 năm 2020"])) is None
    True
    """
    hi = len(tokens) if hi is None else hi
    for i in range(min(hi, len(tokens))):
        if not tokens.free(i) or not _date_word(tokens.folded[i].strip(","), "ngay"):
            continue
        before = tokens.words[i - 1] if i > 0 and tokens.free(i - 1) else ""
        if before in _BEFORE_CITED or "/" in before or fold(before) == "so" \
                or before.rstrip(",")[-1:].islower():
            continue
        date = _date_after(tokens, i + 1, len(tokens), bound, hint)
        if date is None:
            continue
        end, iso, readable = date
        tokens.take(i, end, "date")
        return DatePart(i, end, "", iso, readable)
    return None


def _place_before(tokens: Tokens, i: int, lo: int) -> int | None:
    k = i - 1
    if k >= lo and tokens.words[k] == ",":
        k -= 1
    start = None
    while k >= lo and i - k <= 6 and tokens.free(k):
        word = tokens.words[k].rstrip(",")
        titled = (word[:1].isupper() and (word[1:].islower() or word[1:] in ("", ".")))\
            or word in ("TP.", "TP", "Tp.")
        if titled or (word in _PLACE_GLUE and k > lo and tokens.words[k - 1] in ("Thành", "Thị")):
            start = k
            k -= 1
            continue
        break
    if start is None:
        return None
    if k >= lo and tokens.words[k] in _BEFORE_CITED:
        return None  # "… của Bộ Công Thương ngày 12 …" dates a cited document
    return start


def _date_after(tokens: Tokens, k: int, hi: int, bound: dt.date | None,
                hint: int | None) -> tuple[int, str | None, bool] | None:
    """(end, ISO date or None, readable) of "D tháng M năm Y" or "D/M/Y" at ``k``."""
    if k < hi and (m := _NUMERIC_DATE.match(tokens.words[k])):
        iso = make_date(m[1], m[2], m[3], bound, hint)
        return k + 1, iso, iso is not None
    parts: list[list[str]] = [[]]
    j = k
    for word in ("thang", "nam"):
        while j < hi and j - k < 8 and not _date_word(tokens.folded[j], word):
            parts[-1].append(tokens.words[j])
            j += 1
        if j >= hi or len(parts[-1]) > 3:
            return None
        parts.append([])
        j += 1
    if j >= hi:
        return None
    year = re.match(r"^\W?(\d{4,5})\b", tokens.words[j])
    if not year:
        # "năm (0226": the date line is there, its year unreadable
        return (j + 1, None, False) if any(c.isdigit() for c in tokens.words[j]) else None
    day, month = ("".join(p).strip(" /.,-") for p in parts[:2])
    if not (day.isdigit() and month.isdigit()):
        return j + 1, None, False
    iso = make_date(day, month, year[1], bound, hint)
    return j + 1, iso, iso is not None


def _date_word(folded: str, word: str) -> bool:
    """The date words as OCR may read them: one letter wrong ("ngắt", "thủng") but never
    the first two, which the short words share with others."""
    if folded == word:
        return True
    return len(folded) == len(word) and folded[:2] == word[:2] and \
        sum(a != b for a, b in zip(folded, word)) == 1
