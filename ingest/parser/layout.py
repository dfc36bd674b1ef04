"""Turn extracted or OCR'd text into clean lines the other parser modules can read.

What gets in the way (reference §1, §5 and the corpus notes): markdown emphasis from the
OCR converter, the Công báo running header and page numbers, the gazette's digital-signature
stamp, separator rules, and two-column headers extracted as one line
("BỘ TÀI CHÍNH CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 40/2026/TT-BTC Hà Nội, ngày …").
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

from archive.vntext import fold, normalize

from .repairs import repair_glyphs, repair_organ_words

__all__ = ["clean_text", "split_lines", "gazette_date", "fold_aligned", "is_upper_line",
           "RUNNING_HEADER"]

# The gazette's running header, also when extraction glued it to other text.
RUNNING_HEADER = re.compile(
    r"(?:^\d{1,4}\s+)?CÔNG\s*BÁO\s*/\s*Số[^/\n]{0,20}/\s*Ngày\s*(?P<d>\d{1,2})-(?P<m>\d{1,2})-"
    r"(?P<y>\d{4})(?:\s+\d{1,4}(?!\S))?", re.MULTILINE
)
_GAZETTE = re.compile(r"CÔNG\s*BÁO")
_HEADING_MARK = re.compile(r"^#{1,6}\s+", re.MULTILINE)  # the OCR converter's markdown
_RULE = re.compile(r"^[_=\-–—.…~\s]{3,}$")
_PAGE_NO = re.compile(r"^\d{1,4}$")
_MAX_COLUMNS_CHARS = 200
# A right-column text holds one of these as printed: the national and Party lines end in
# "NAM" (OCR: "VIỆTNAM"), the motto in "phúc", the consolidation line in "NHẤT".
_MARK_HINT = re.compile("NAM|húc|HÚC|huc|HUC|NHẤT|NHAT")
# Specks OCR reads at a line start: underscores of a rule, a stray circumflex or tilde,
# a dot before a bullet ("____ Hòa Minh, ngày …", "_- Các phòng …", ".- Các đ/c …").
_LEAD_SPECKS = re.compile(r"^(?:[_ˆ˜]|\.(?=[-_.ˆ]))+\s*")
# Right-column texts that extraction glues onto the left column (folded, lower case).
_COLUMN_MARKS = re.compile(
    r"cong hoa xa hoi chu nghia viet nam|dang cong san viet nam|"
    r"doc lap\s*[-–—]\s*tu do\s*[-–—]\s*hanh phuc|xac thuc van ban hop nhat"
)
_NUMBER_AND_PLACE = re.compile(
    r"^(?P<num>(?:[^\W\d_][\w ]{0,25}?\s)?S\w\s*:?\s*\d.*?)\s+"
    r"(?P<place>[A-ZĐÀ-Ỹ][\w]*(?:\s+[A-ZĐÀ-Ỹ][\w]*){0,3},\s*ngày.*)$"
)


def _fold_table() -> dict[int, str]:
    table = {}
    for code in list(range(0x41, 0x5B)) + list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(code)
        folded = fold(ch)
        if len(folded) == 1 and folded != ch:
            table[code] = folded
    return table


_FOLD = _fold_table()


def fold_aligned(text: str) -> str:
    """``fold`` one character at a time, so positions match the original string.

    >>> fold_aligned("Ủy ban ĐẢNG") == "uy ban dang"
    True
    """
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFC", text).translate(_FOLD)


def clean_text(raw: str) -> str:
    """Normalised text without the OCR converter's markdown emphasis, with the
    one-reading OCR repairs of :mod:`repairs` applied.

    >>> clean_text("**ĐIỆN**  \\n*Đã ký: A*  \\n\\\\*")
    'ĐIỆN\\nĐã ký: A\\n'
    >>> clean_text("ĐẲNG BỘ THÀNH PHỐ\\n€ovid-19")
    'ĐẢNG BỘ THÀNH PHỐ\\nCovid-19'
    """
    text = normalize(raw).replace("\r\n", "\n").replace("\r", "\n")
    text = repair_organ_words(repair_glyphs(text))
    text = text.replace("\\*", "").replace("*", "")
    if "#" in text:  # few texts have one: the regex would try every line start
        text = _HEADING_MARK.sub("", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def gazette_date(text: str) -> dt.date | None:
    """The Công báo issue date from the running header; a bound for the signing date."""
    # The search starts where "CÔNG BÁO" first stands (found fast: the pattern opens with
    # letters): the optional page number before it holds none, and a regex that opens with
    # an optional group tries every position of the text.
    hint = _GAZETTE.search(text)
    m = RUNNING_HEADER.search(text, hint.start()) if hint else None
    if m:
        try:
            return dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            return None
    return None


_LETTER = re.compile(r"[^\W\d_]")


def is_upper_line(line: str) -> bool:
    """True when the letters of the line are (nearly) all capitals.

    >>> is_upper_line("QUẬN ỦY HOÀN KIẾM"), is_upper_line("Quận ủy")
    (True, False)
    """
    if line == line.lower():
        return False
    letters = len(_LETTER.findall(line))
    if letters < 2:
        return False
    return sum(map(str.isupper, line)) >= 0.85 * letters


def split_lines(text: str) -> list[str]:
    """Clean text → stripped lines, noise dropped, glued header columns separated.

    Blank lines are kept as ``""``: in OCR output they separate blocks.

    >>> split_lines("BỘ Y TẾ CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\\nSố: 5/BYT-DP Hà Nội, ngày 1/2/2021")
    ['BỘ Y TẾ', 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM', 'Số: 5/BYT-DP', 'Hà Nội, ngày 1/2/2021']
    """
    out: list[str] = []
    raws = [_one_spaced(raw) for raw in text.split("\n")]
    for k, line in enumerate(raws):
        if not line:
            out.append("")
            continue
        if "BÁO" in line:
            line = " ".join(RUNNING_HEADER.sub(" ", line).split())
            if not line:
                continue
        if (_RULE.match(line)
                or (_PAGE_NO.match(line) and _page_edge(raws, k))):
            continue
        if line[0] in "_ˆ˜.":  # what a speck starts with: most lines are left alone
            line = _LEAD_SPECKS.sub("", line)
        if not line:
            continue
        out.extend(_split_columns(line))
    return out


def _one_spaced(line: str) -> str:
    """The line with every run of white space made one space, stripped.

    >>> _one_spaced("  Số:\t 5/UBND  ")
    'Số: 5/UBND'
    """
    # Most lines have single spaces only (no other space is printable): strip() is enough.
    if "  " not in line and line.isprintable():
        return line.strip()
    return " ".join(line.split())


def _page_edge(raws: list[str], k: int) -> bool:
    """A line of digits alone is a page number where a page starts or ends (beside a blank
    line or the gazette's running header); elsewhere it is a piece of a number or date
    that a web page put on a line of its own ("Số:" / "70" / "/2025/TT-NHNN")."""
    def edge(j: int) -> bool:
        return not 0 <= j < len(raws) or not raws[j] or bool(RUNNING_HEADER.search(raws[j]))
    before = raws[k - 1].split() if k > 0 else []
    if before and fold_aligned(before[-1]).rstrip(":") in ("nam", "thang", "ngay", "so"):
        return False  # "… tháng 8 năm" / "2021": a date's or a number's piece, not a page
    return edge(k - 1) or edge(k + 1)


def _split_columns(line: str) -> list[str]:
    if len(line) > _MAX_COLUMNS_CHARS:
        return [line]  # a body paragraph; header columns glued together are far shorter
    parts: list[str] = []
    rest = line
    while rest:
        if not _MARK_HINT.search(rest):
            parts.append(rest)  # cheap test first: most lines carry no right column
            break
        m = _COLUMN_MARKS.search(fold_aligned(rest))
        if not m:
            parts.append(rest)
            break
        before, mark, rest = rest[:m.start()], rest[m.start():m.end()], rest[m.end():]
        parts.extend(p for p in (before.strip(" _-"), mark) if p)
        rest = rest.strip(" _")
    result: list[str] = []
    for part in parts:
        m = _NUMBER_AND_PLACE.match(part) if "ngày" in part else None
        result.extend([m["num"].strip(), m["place"].strip()] if m else [part])
    return result
