"""Signature blocks: authority prefix (TM., KT., TL. …), title, seal text, and the name.

``TM. CHÍNH PHỦ / KT. THỦ TƯỚNG / PHÓ THỦ TƯỚNG / Phạm Thị Thanh Trà``: the signer is the
name, the title is the position line above it. A red seal or OCR debris can sit between the
title and the name ("QUẬN ỦY / HÀ ĐÔNG", "[", "(Đã ký)"); those lines are kept as ``seal``
because a seal names the issuing body.

On scans OCR interleaves the "Nơi nhận:" column with the block (its "- …" lines are
skipped), slips in the title ("CHỦ TIC", "BÍTHƯ": :func:`names.read_title`), and may put
an "Đã ký: <name>" line above the block instead of below it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .layout import fold_aligned as fold, is_upper_line
from .names import is_title_line, person_name, read_title, title_case
from .numbers import read_number_line

__all__ = ["Signature", "find_signatures", "last_name_line", "AUTHORITY"]

# "KT, CHỦ TỊCH": OCR reads the period as a comma.
AUTHORITY = re.compile(r"^(?:T/M|T\.M|TM|KT|K/T|TL|T/L|Q|TUQ|TTL)\s*[.:,]?\s+(?P<body>\S.*)$")
_MAX_TITLE_CHARS = 80
_MAX_GAP = 8  # block lines between the first authority/title line and the name
_LEAD_PUNCT = re.compile(r"^[-–•“”\"'.,:;]+\s*")  # "-T/M BAN …", "“TM BAN …" on scans
_LIST_LINE = re.compile(r"^[-–•+~]\s*\S|^n[oơ]i\s*nh[aậ]n\b", re.IGNORECASE)
_SIGNED_ABOVE = re.compile(r"^\(?\s*Đã\s*ký\s*[:)]", re.IGNORECASE)
_SIGNED_LOOKBACK = 4  # non-empty lines above a block searched for "Đã ký: <name>"


@dataclass(frozen=True)
class Signature:
    start: int
    end: int  # index of the block's last line: the name, unless printed above the block
    name: str
    title: str | None
    authority: tuple[str, ...] = ()  # bodies after TM./KT./TL. ("CHÍNH PHỦ", "BỘ TRƯỞNG")
    seal: tuple[str, ...] = ()  # capitals between the title and the name


def _authority(line: str) -> re.Match[str] | None:
    if line.lstrip("-–•“”\"'.,:; ")[:1] not in ("T", "K", "Q"):
        return None  # every authority prefix starts so: most lines are rejected here
    return AUTHORITY.match(_LEAD_PUNCT.sub("", line))


def _is_block_line(line: str) -> bool:
    # Authority and title lines are short; a body paragraph is not worth the case test.
    return bool(_authority(line)) or (len(line) <= _MAX_TITLE_CHARS and is_upper_line(line)
                                      and is_title_line(line))


def _is_debris(line: str) -> bool:
    letters = sum(c.isalpha() for c in line)
    return letters < 2 or fold(line).strip("() .:") in ("da ky", "ky", "ky ten", "dong dau")


def find_signatures(lines: list[str], lo: int = 0, hi: int | None = None) -> list[Signature]:
    """Every signature block in ``lines[lo:hi]``, in order.

    >>> s = find_signatures(["TM. CHÍNH PHỦ", "KT. THỦ TƯỚNG", "PHÓ THỦ TƯỚNG", "Phạm Bình Minh"])
    >>> (s[0].name, s[0].title, s[0].authority)
    ('Phạm Bình Minh', 'Phó Thủ tướng', ('CHÍNH PHỦ', 'THỦ TƯỚNG'))
    """
    hi = len(lines) if hi is None else hi
    found: list[Signature] = []
    i = lo
    while i < hi:
        if not _is_block_line(lines[i]):
            i += 1
            continue
        # The name-above fallback must not take the previous block's name again.
        sig = _read_block(lines, i, hi, found[-1].end + 1 if found else lo)
        if sig is None:
            i += 1
            continue
        found.append(sig)
        i = sig.end + 1
    return found


def _read_block(lines: list[str], start: int, hi: int, lo: int = 0) -> Signature | None:
    authority: list[str] = []
    titles: list[str] = []
    seal: list[str] = []
    last = start
    seen = 0
    for j in range(start, hi):
        line = lines[j]
        if not line or _is_debris(line):
            continue
        m = _authority(line)
        if m is None and (_LIST_LINE.match(line) or read_number_line(line)):
            continue  # the recipients column or a copy's number, read across the block
        seen += 1
        if seen > _MAX_GAP + 1:
            break
        if m:
            if seal:  # an authority line after seal text starts another block
                return None
            authority.append(m["body"])
            last = j
            continue
        if is_upper_line(line):
            title = read_title(line)
            if title:
                titles.append(title)
                last = j
            else:
                seal.append(line)
            continue
        name = person_name(line)
        if name is None:
            break
        return Signature(start, j, name, _title(titles, authority), tuple(authority), tuple(seal))
    above = _signed_above(lines, start, lo)
    if above is None or not (titles or authority):
        return None
    return Signature(above[0], last, above[1], _title(titles, authority), tuple(authority))


def _title(titles: list[str], authority: list[str]) -> str | None:
    if titles:
        return title_case(titles[-1])
    if authority and is_title_line(authority[-1]):
        return title_case(authority[-1])
    return None


def _signed_above(lines: list[str], start: int, lo: int) -> tuple[int, str] | None:
    """An "Đã ký: <name>" line just above the block: OCR read the name first."""
    seen = 0
    for k in range(start - 1, lo - 1, -1):
        if not lines[k]:
            continue
        if _SIGNED_ABOVE.match(lines[k]):
            name = person_name(lines[k])
            return (k, name) if name else None
        seen += 1
        if seen >= _SIGNED_LOOKBACK:
            return None
    return None


def last_name_line(lines: list[str], lo: int, hi: int) -> tuple[int, str] | None:
    """A signer printed with no title block (seed 002): the last bare name at the end.

    Without a title above it a line is only taken as a name if it starts with a
    Vietnamese surname and stands in the closing part of the document.
    """
    closing = max(lo, hi - 25)
    for j in range(hi - 1, closing - 1, -1):
        name = person_name(lines[j], need_surname=True)
        if name:
            return j, name
    return None
