"""E-signing stamps: the text a digital signature prints on a born-digital document.

Two forms are seen. Labelled, as the government portal stamps a scan::

    Ký bởi: Cổng Thông tin điện tử Chính phủ
    Email: thongtinchinhphu@chinhphu.vn
    Cơ quan: Văn phòng Chính phủ
    Thời gian ký: 27.12.2017 14:13:14 +07:00

and bare, as a provincial signing service prints it above the header: the organisation's
name over one to three lines, an e-mail address, and the time. The stamp is no part of the
header (its organisation is not the issuer's column, its time not the document's date), so
its lines are removed before the header is read; what it says is kept as a
:class:`~archive.record.Signing` — an independent witness: a document is signed on or
before its stamp.
"""
from __future__ import annotations

import re

from archive.record import Signing

from .layout import fold_aligned as fold

__all__ = ["read_stamps", "is_stamp_line"]

_LABEL = re.compile(r"^(ký bởi|người ký|cơ quan|email|e-mail|thời gian ký|ngày ký)\s*:\s*(.*)$",
                    re.IGNORECASE)
_FIELD_OF = {"ky boi": "signed_by", "nguoi ky": "signed_by", "co quan": "organisation",
             "thoi gian ky": "time", "ngay ky": "time"}
_TIME = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
                   r"\s*([+-])(\d{2}):?(\d{2})")
_TIME_LINE = re.compile(r"^\s*" + _TIME.pattern + r"\s*[,.]?\s*$")
_EMAIL_LINE = re.compile(r"^\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*[,.]?\s*$")
_MAX_NAME_LINES = 3


def is_stamp_line(line: str) -> bool:
    """A labelled stamp line, or an e-mail address or a signing time alone on a line.

    >>> is_stamp_line("Thời gian ký: 27.12.2017 14:13:14 +07:00"), is_stamp_line("a@b.vn")
    (True, True)
    >>> is_stamp_line("Cơ quan chủ trì: Bộ Y tế"), is_stamp_line("Hà Nội, ngày 5/3/2025")
    (False, False)
    """
    return bool(_LABEL.match(line) or _EMAIL_LINE.match(line) or _TIME_LINE.match(line))


def _iso(text: str) -> str | None:
    """ "27.12.2017 14:13:14 +07:00" → "2017-12-27T14:13:14+07:00"."""
    m = _TIME.search(text)
    if not m:
        return None
    d, mo, y, h, mi, s, sign, oh, om = m.groups()
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31 and int(h) < 24 and int(mi) < 60):
        return None
    return f"{y}-{int(mo):02d}-{int(d):02d}T{int(h):02d}:{mi}:{s or '00'}{sign}{oh}:{om}"


def read_stamps(lines: list[str]) -> tuple[Signing | None, list[str]]:
    """The first stamp's content, and the lines with every stamp line blanked.

    >>> sig, rest = read_stamps(["Sở Nội vụ", "Tỉnh Thanh Hóa", "sonv@thanhhoa.gov.vn",
    ...                          "24.01.2025 10:15:32 +07:00", "ỦY BAN NHÂN DÂN"])
    >>> sig.signed_by, sig.time, rest
    ('Sở Nội vụ Tỉnh Thanh Hóa', '2025-01-24T10:15:32+07:00', ['', '', '', '', 'ỦY BAN NHÂN DÂN'])
    >>> sig, _ = read_stamps(["Ký bởi: Cổng Thông tin điện tử Chính phủ", "Email: a@b.vn",
    ...                       "Cơ quan: Văn phòng Chính phủ", "Thời gian ký: 27.12.2017 14:13:14 +07:00"])
    >>> sig.organisation, sig.time
    ('Văn phòng Chính phủ', '2017-12-27T14:13:14+07:00')
    """
    out = list(lines)
    first: Signing | None = None
    i = 0
    while i < len(lines):
        if ":" not in lines[i] and "@" not in lines[i]:  # every stamp line has one
            i += 1
            continue
        block = _labelled(lines, i) or _bare(lines, i)
        if block is None:
            i += 1
            continue
        start, end, signing = block
        for k in range(start, end):
            out[k] = ""
        if first is None and (signing.signed_by or signing.organisation or signing.time):
            first = signing
        i = end
    return first, out


def _labelled(lines: list[str], i: int) -> tuple[int, int, Signing] | None:
    """Labelled lines from ``i``, a line without a label continuing the one above it.
    One label alone ("Cơ quan: …" in a form) is no stamp: it takes two, or a time."""
    if not _LABEL.match(lines[i]):
        return None
    values: dict[str, str] = {}
    labels = 0
    last = None
    j = i
    while j < len(lines) and lines[j]:
        m = _LABEL.match(lines[j])
        if m:
            labels += 1
            last = _FIELD_OF.get(" ".join(fold(m[1]).split()))
            if last:
                values[last] = m[2].strip()
        elif last in ("signed_by", "organisation") and not _TIME.search(lines[j]) \
                and len(lines[j]) < 60:
            values[last] += " " + lines[j].strip()
        else:
            break
        j += 1
    time = _iso(values.get("time", ""))
    if labels < 2 and time is None:
        return None
    return i, j, Signing(values.get("signed_by") or None, values.get("organisation") or None,
                         time)


def _bare(lines: list[str], i: int) -> tuple[int, int, Signing] | None:
    """Name lines, an e-mail line and a time line, with no labels: found at the e-mail or
    time line, the name lines are the few above it since the last blank line."""
    if not (_EMAIL_LINE.match(lines[i]) or _TIME_LINE.match(lines[i])):
        return None
    end = i
    time = None
    while end < len(lines) and (_EMAIL_LINE.match(lines[end]) or _TIME_LINE.match(lines[end])):
        time = time or (_iso(lines[end]) if _TIME_LINE.match(lines[end]) else None)
        end += 1
    if time is None:
        return None  # an e-mail address alone is a contact line, not a stamp
    start = i
    while start > 0 and i - start < _MAX_NAME_LINES and lines[start - 1] \
            and not any(c.isdigit() for c in lines[start - 1]):
        start -= 1
    name = " ".join(lines[start:i]) or None
    return start, end, Signing(name, None, time)
