"""Signature blocks: authority prefix (TM., KT., TL. …), title, seal text, and the name.

``TM. CHÍNH PHỦ / KT. THỦ TƯỚNG / PHÓ THỦ TƯỚNG / Phạm Thị Thanh Trà``: the signer is the
name, the title is the position line above it. A red seal or OCR debris can sit between the
title and the name ("QUẬN ỦY / HÀ ĐÔNG", "[", "(Đã ký)"); those lines are kept as ``seal``
because a seal names the issuing body.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .layout import fold_aligned as fold, is_upper_line
from .names import is_title_line, person_name, title_case

__all__ = ["Signature", "find_signatures", "last_name_line", "AUTHORITY"]

AUTHORITY = re.compile(r"^(?:T/M|T\.M|TM|KT|K/T|TL|T/L|Q|TUQ|TTL)\s*[.:]?\s+(?P<body>\S.*)$")
_MAX_GAP = 8  # lines between the first authority/title line and the name


@dataclass(frozen=True)
class Signature:
    start: int
    end: int  # index of the name line
    name: str
    title: str | None
    authority: tuple[str, ...] = ()  # bodies after TM./KT./TL. ("CHÍNH PHỦ", "BỘ TRƯỞNG")
    seal: tuple[str, ...] = ()  # capitals between the title and the name


def _is_block_line(line: str) -> bool:
    return bool(AUTHORITY.match(line)) or (is_upper_line(line) and is_title_line(line))


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
        sig = _read_block(lines, i, hi)
        if sig is None:
            i += 1
            continue
        found.append(sig)
        i = sig.end + 1
    return found


def _read_block(lines: list[str], start: int, hi: int) -> Signature | None:
    authority: list[str] = []
    titles: list[str] = []
    seal: list[str] = []
    for j in range(start, min(hi, start + _MAX_GAP + 1)):
        line = lines[j]
        if not line or _is_debris(line):
            continue
        m = AUTHORITY.match(line)
        if m:
            if seal:  # an authority line after seal text starts another block
                return None
            authority.append(m["body"])
            continue
        if is_upper_line(line):
            (titles if is_title_line(line) else seal).append(line)
            continue
        name = person_name(line)
        if name is None:
            return None
        title = title_case(titles[-1]) if titles else None
        if title is None and authority and is_title_line(authority[-1]):
            title = title_case(authority[-1])
        return Signature(start, j, name, title, tuple(authority), tuple(seal))
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
