"""Names: recognising organ names, position titles and people, and writing them in proper case.

Headers print names in capitals ("ỦY BAN NHÂN DÂN / QUẬN HOÀN KIẾM"); records carry them as
they are written in running text ("Ủy ban nhân dân quận Hoàn Kiếm").
"""
from __future__ import annotations

import re

from .doctypes import NAME_ONLY_TYPES, NATIONAL_ISSUERS, TYPE_NAMES
from .layout import fold_aligned as fold

__all__ = ["organ_case", "title_case", "running_case", "keeps_capitals", "is_organ_start",
           "is_title_line", "read_title", "person_name", "strip_rank", "SURNAMES", "organ_head",
           "known_body", "title_head"]

# Fixed spellings of central bodies and proper nouns inside names (folded → written).
_FIXED = {
    "chinh phu": "Chính phủ", "thu tuong chinh phu": "Thủ tướng Chính phủ",
    "quoc hoi": "Quốc hội", "uy ban thuong vu quoc hoi": "Ủy ban Thường vụ Quốc hội",
    "van phong chinh phu": "Văn phòng Chính phủ", "thanh tra chinh phu": "Thanh tra Chính phủ",
    "ngan hang nha nuoc viet nam": "Ngân hàng Nhà nước Việt Nam",
    "uy ban chung khoan nha nuoc": "Ủy ban Chứng khoán Nhà nước",
    "chu tich nuoc": "Chủ tịch nước", "ban chap hanh trung uong": "Ban Chấp hành Trung ương",
    "bo chinh tri": "Bộ Chính trị", "ban bi thu": "Ban Bí thư",
}
# Central bodies are a closed list: a header that folds to one of them is that body, with
# the diacritics OCR got wrong put right ("BỘ NGOẠI GIÁO" is Bộ Ngoại giao).
_CENTRAL = {fold(name): name for name in NATIONAL_ISSUERS.values()}
# Organ heads: words that start an issuing body's name (folded).
_ORGAN_HEADS = (
    "uy ban", "ubnd", "hoi dong nhan dan", "hdnd", "bo ", "chinh phu", "thu tuong",
    "quoc hoi", "thanh uy", "tinh uy", "quan uy", "huyen uy", "thi uy", "dang uy", "dang bo",
    "ban thuong vu", "thuong truc", "ban chap hanh", "so ", "van phong", "cuc ", "tong cuc",
    "ngan hang nha nuoc", "thanh tra", "kiem toan nha nuoc", "toa an", "vien kiem sat",
    "ban chi dao", "ban tuyen giao", "ban to chuc", "chi bo", "mat tran", "dang doan",
    "ban can su", "hoc vien", "dai hoc", "tong cong ty", "tap doan",
)
_HEADS_LONGEST = sorted((h.split() for h in _ORGAN_HEADS), key=len, reverse=True)
# Names that are one body as a whole, though they hold another head ("ỦY BAN THƯỜNG VỤ
# QUỐC HỘI", "VĂN PHÒNG CHÍNH PHỦ"): folded word tuples, longest first.
_KNOWN = sorted({tuple(k.split()) for k in _CENTRAL} | {tuple(k.split()) for k in _FIXED},
                key=len, reverse=True)
_PARTY_COMMITTEES = ("thanh uy", "tinh uy", "quan uy", "huyen uy", "thi uy", "dang uy",
                     "dang bo", "chi bo")
_NAMED_UNITS = ("tong cuc", "chi cuc", "cuc", "so", "vu")  # folded heads of departments
_LOCALITIES = ("thanh pho", "thi xa", "thi tran", "quan", "huyen", "tinh", "phuong", "xa")
_PREFIXES = {"thuong truc": "Thường trực", "ban thuong vu": "Ban Thường vụ",
             "ban chap hanh": "Ban Chấp hành", "dang doan": "Đảng đoàn",
             "ban can su dang": "Ban cán sự đảng"}
_KEEP_UPPER = {"ubnd", "hdnd", "mttq", "ubmttq", "ct-xh"}

# Positions a signer holds, as written; a title line starts with one of these.
_TITLES_WRITTEN = (
    "Phó Bí thư", "Bí thư", "Phó Chủ tịch", "Chủ tịch", "Phó Thủ tướng", "Thủ tướng",
    "Thứ trưởng", "Bộ trưởng", "Phó Chánh Văn phòng", "Chánh Văn phòng", "Phó Giám đốc",
    "Giám đốc", "Tổng Giám đốc", "Phó Cục trưởng", "Cục trưởng", "Phó Vụ trưởng", "Vụ trưởng",
    "Phó Trưởng ban", "Trưởng ban", "Trưởng phòng", "Phó Trưởng phòng", "Chủ nhiệm",
    "Phó Chủ nhiệm", "Tổng Cục trưởng", "Viện trưởng", "Chánh án", "Tổng Kiểm toán",
    "Thống đốc", "Phó Thống đốc", "Tổng Thư ký", "Chánh Thanh tra", "Tổng Thanh tra",
    "Ủy viên",
)
_TITLES = tuple(fold(t) for t in _TITLES_WRITTEN)  # folded
_TITLE_HEADS = tuple(t + " " for t in _TITLES)  # one startswith call tries them all
_TITLE_WORDS = {"bi thu": "Bí thư", "chu tich": "Chủ tịch", "thu tuong": "Thủ tướng",
                "thuong truc": "Thường trực", "van phong": "Văn phòng", "quoc hoi": "Quốc hội",
                "chinh phu": "Chính phủ", "nha nuoc": "Nhà nước"}

_RANKS = ("Đại tướng", "Thượng tướng", "Trung tướng", "Thiếu tướng", "Đại tá", "Thượng tá",
          "Trung tá", "Thiếu tá", "Chuẩn Đô đốc", "Phó Đô đốc", "Đô đốc", "PGS.TS.", "GS.TS.",
          "PGS.", "GS.", "TS.", "ThS.", "Bác sĩ", "BS.")
SURNAMES = frozenset(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn Vương "
    "Trịnh Đinh Lâm Phùng Mai Tô Trương Hà Cao Lưu Tạ Quách Thái Lương Hứa Lại Kiều Đàm Chu "
    "Tăng Triệu Mạc La Khúc Tôn Nông Thân Lục Giáp Ninh Vi Âu Đồng Bạch Từ Kim Tiêu Nghiêm "
    "Hầu Doãn Lã Văn Khổng Tống Thạch Ông Đường Diệp Quan Châu Hàn Lò Sầm".split()
)


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def _place(words: list[str]) -> list[str]:
    return [_cap(w) for w in words]


def organ_case(name: str) -> str:
    """An issuing body's name in the case used in running text.

    >>> organ_case("ỦY BAN NHÂN DÂN QUẬN HOÀN KIẾM")
    'Ủy ban nhân dân quận Hoàn Kiếm'
    >>> organ_case("BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI")
    'Bộ Lao động - Thương binh và Xã hội'
    >>> organ_case("THƯỜNG TRỰC THÀNH ỦY HÀ NỘI"), organ_case("ĐẢNG BỘ THÀNH PHỐ HÀ NỘI")
    ('Thường trực Thành ủy Hà Nội', 'Đảng bộ thành phố Hà Nội')
    >>> organ_case("BỘ NGOẠI GIÁO")
    'Bộ Ngoại giao'
    >>> organ_case("CỤC THUẾ"), organ_case("SỞ Y TẾ TỈNH THANH HÓA"), organ_case("SỞ")
    ('Cục Thuế', 'Sở Y tế tỉnh Thanh Hóa', 'Sở')
    """
    words = name.split()
    if not words:
        return name
    key = fold(" ".join(words))
    if key in _FIXED:
        return _FIXED[key]
    if key in _CENTRAL:
        return _CENTRAL[key]
    for prefix, written in _PREFIXES.items():
        if key.startswith(prefix + " "):
            return written + " " + organ_case(" ".join(words[len(prefix.split()):]))
    lower = [w if fold(w) in _KEEP_UPPER else w.lower() for w in words]
    if key.startswith("bo ") and len(words) > 1:
        # Bộ + field names: each component after "Bộ", "-", "và", "," is capitalised.
        out = [_cap(lower[0])]
        cap_next = True
        for w in lower[1:]:
            out.append(_cap(w) if cap_next else w)
            cap_next = w in ("-", "và", "–") or w.endswith(",")
        return " ".join(out)
    out = [_cap(lower[0])]
    i = 1
    named = next((len(h.split()) for h in _NAMED_UNITS if key.startswith(h + " ")), 0)
    if named and len(lower) > named and not any(
            fold(" ".join(lower[named:])).startswith(loc + " ") for loc in _LOCALITIES):
        # A department's own name is a name: "Cục Thuế", "Sở Y tế", "Vụ Pháp chế".
        out = [_cap(lower[0])] + lower[1:named] + [_cap(lower[named])]
        i = named + 1
    elif any(key.startswith(c) for c in _PARTY_COMMITTEES):
        out.append(lower[1] if len(lower) > 1 else "")
        i = 2
        if len(lower) > 2 and not any(fold(" ".join(lower[2:])).startswith(loc + " ")
                                      for loc in _LOCALITIES):
            return " ".join(out + _place(lower[2:]))
    while i < len(lower):
        rest = fold(" ".join(lower[i:]))
        loc = next((loc for loc in _LOCALITIES if rest.startswith(loc + " ")), None)
        if loc:
            n = len(loc.split())
            return " ".join(out + lower[i:i + n] + _place(lower[i + n:]))
        out.append(lower[i])
        i += 1
    text = " ".join(w for w in out if w)
    for written in _FIXED.values():
        text = re.sub(r"(?i)\b" + re.escape(written) + r"\b", written, text)
    return text


_SYMBOL = re.compile(r"[A-ZĐ]+(?:[-/][A-ZĐ]+)+")  # "TT-BTC", "TTLT/BNG"
# Written the same in running text whatever the case around them. Longest first; "Chính
# phủ" is no body's name in "tổ chức phi chính phủ".
_PROPER = sorted({*NATIONAL_ISSUERS.values(), *_FIXED.values(), "Việt Nam", "Liên hợp quốc",
                  "Hoa Kỳ", "Kho bạc Nhà nước", "Quân đội nhân dân Việt Nam"}, key=len, reverse=True)
_PROPER_RE = re.compile(r"(?<!\w)(?<!phi )(%s)(?!\w)" % "|".join(map(re.escape, _PROPER)),
                        re.IGNORECASE)
_PROPER_OF = {name.lower(): name for name in _PROPER}
# A type named with its number: "Thông tư số 15/2014/TT-BTNMT", "Nghị định 152/2025/NĐ-CP".
_NUMBERED = sorted({*TYPE_NAMES.values(), *NAME_ONLY_TYPES}, key=len, reverse=True)
_NUMBERED_RE = re.compile(r"(?<!\w)(%s)(?= số \d| \d+/)" % "|".join(map(re.escape, _NUMBERED)),
                          re.IGNORECASE)
# A law named after the articles it details or as what is carried out: "một số điều của
# Luật Việc làm" (not "luật sư", "luật pháp", "luật lệ").
_LAW_RE = re.compile(r"(?<!\w)(điều của|thi hành|hướng dẫn|thực hiện) luật (?!(?:sư|pháp|lệ)\b)(\w)")
# An article or chapter with its number ("Điều 23", "Chương II"; a "khoản" stays lower case),
# a legislature's number ("khóa XV").
_NUMBERED_PART_RE = re.compile(r"(?<!\w)(điều|chương|khóa|khoá) (\d\w*|[ivxlc]+)(?!\w)")
# A position held in a body named after it: "Bộ trưởng Bộ Tài chính".
_HEADS_RE = re.compile(r"(?<!\w)(%s) (?=\w)" % "|".join(
    re.escape(t.lower()) for t in sorted(_TITLES_WRITTEN, key=len, reverse=True)))
_HEAD_OF = {t.lower(): t for t in _TITLES_WRITTEN}


# Provinces and centrally run cities (the 63 before the 2025 mergers hold every name since).
_PROVINCES = (
    "Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế", "Thừa Thiên Huế",
    "An Giang", "Bà Rịa - Vũng Tàu", "Bắc Giang", "Bắc Kạn", "Bạc Liêu", "Bắc Ninh", "Bến Tre",
    "Bình Định", "Bình Dương", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Đắk Lắk",
    "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam",
    "Hà Tĩnh", "Hải Dương", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang",
    "Kon Tum", "Lai Châu", "Lâm Đồng", "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An",
    "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi",
    "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên",
    "Thanh Hóa", "Tiền Giang", "Trà Vinh", "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)
# Only after the word that says it is a place: "hòa bình" alone is peace.
_PLACE_RE = re.compile(r"(?<!\w)(?:tinh|thanh pho|thu do|cang vu hang hai) (%s)(?!\w)" % "|".join(
    sorted((re.escape(fold(p).lower()) for p in _PROVINCES), key=len, reverse=True)))


def _places(text: str) -> str:
    """Capitalise the provinces named in lower-case running text (matched folded, so any
    tone placement or Đ/Ð matches)."""
    out, at = [], 0
    for m in _PLACE_RE.finditer(fold(text)):
        out += [text[at:m.start(1)], " ".join(_cap(w) for w in text[m.start(1):m.end(1)].split(" "))]
        at = m.end(1)
    return "".join(out) + text[at:]


def keeps_capitals(word: str) -> bool:
    """A document number, a code or an acronym, written in capitals in any text.

    >>> [keeps_capitals(w) for w in ("05/2011/NĐ-CP,", "TT-BTC", "COVID-19", "UBND", "KINH")]
    [True, True, True, True, False]
    """
    core = word.strip("()[],.;:\"'“”")
    return (any(c.isdigit() for c in core) and any(c.isalpha() for c in core)) \
        or _SYMBOL.fullmatch(core) is not None or fold(core) in _KEEP_UPPER


def _numbered_part(m: re.Match[str], text: str) -> str:
    head, number = m[1], m[2]
    if number in ("vi", "xi", "li") and re.match(r" \w", text[m.end():]):
        return m[0]  # a syllable: "điều vi phạm", "xi măng"
    return f"{head if head.startswith('kh') else _cap(head)} " \
           f"{number if number[0].isdigit() else number.upper()}"


def running_case(text: str) -> str:
    """A title printed in capitals, in the case of running text: a sentence, with numbers,
    codes and acronyms in capitals and the names of central bodies as they are written.

    >>> running_case("SỬA ĐỔI THÔNG TƯ SỐ 15/2014/TT-BTNMT CỦA BỘ TRƯỞNG BỘ TÀI NGUYÊN VÀ MÔI TRƯỜNG")
    'Sửa đổi Thông tư số 15/2014/TT-BTNMT của Bộ trưởng Bộ Tài nguyên và Môi trường'
    >>> running_case("HƯỚNG DẪN THI HÀNH LUẬT VIỆC LÀM TẠI VIỆT NAM VÀ CÁC TỔ CHỨC PHI CHÍNH PHỦ")
    'Hướng dẫn thi hành Luật Việc làm tại Việt Nam và các tổ chức phi chính phủ'
    >>> running_case("CẢNG VỤ HÀNG HẢI QUẢNG NINH, TỈNH HÒA BÌNH; GIỮ GÌN HÒA BÌNH")
    'Cảng vụ Hàng hải Quảng Ninh, tỉnh Hòa Bình; giữ gìn hòa bình'
    >>> running_case("HƯỚNG DẪN KHOẢN 1 ĐIỀU 12A, CHƯƠNG II VÀ MỘT SỐ ĐIỀU, QUỐC HỘI KHÓA XV")
    'Hướng dẫn khoản 1 Điều 12A, Chương II và một số điều, Quốc hội khóa XV'
    >>> running_case("CHƯƠNG VI, NHỮNG ĐIỀU VI PHẠM")
    'Chương VI, những điều vi phạm'
    >>> running_case("QUY ĐỊNH CHỨC DANH CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ, PHÒNG, CHỐNG COVID-19")
    'Quy định chức danh chủ tịch ủy ban nhân dân xã, phòng, chống COVID-19'
    """
    text = " ".join(w if keeps_capitals(w) else w.lower() for w in text.split(" "))
    text = _PROPER_RE.sub(lambda m: _PROPER_OF.get(m[1].lower(), m[1]), text)
    text = _NUMBERED_RE.sub(lambda m: _cap(m[1]), text)
    text = _LAW_RE.sub(lambda m: f"{m[1]} Luật {m[2].upper()}", text)
    text = _NUMBERED_PART_RE.sub(lambda m: _numbered_part(m, text), text)
    text = _HEADS_RE.sub(lambda m: f"{_HEAD_OF[m[1]]} " if text[m.end()].isupper() else m[0], text)
    text = _places(text)
    text = re.sub(r"(?<!\w)cảng vụ hàng hải (?=\w)",
                  lambda m: "Cảng vụ Hàng hải " if text[m.end()].isupper() else m[0], text)
    return _cap(text)


def title_case(title: str) -> str:
    """A signer's position as written in running text.

    >>> title_case("PHÓ BÍ THƯ THƯỜNG TRỰC"), title_case("CHÁNH VĂN PHÒNG")
    ('Phó Bí thư Thường trực', 'Chánh Văn phòng')
    >>> title_case("CHỦ TỊCH QUỐC HỘI"), title_case("PHÓ THỦ TƯỚNG")
    ('Chủ tịch Quốc hội', 'Phó Thủ tướng')
    """
    words = title.lower().split()
    out: list[str] = []
    i = 0
    while i < len(words):
        pair = fold(" ".join(words[i:i + 2]))
        if pair in _TITLE_WORDS:
            out.append(_TITLE_WORDS[pair])
            i += 2
            continue
        out.append(words[i])
        i += 1
    text = " ".join(out)
    if fold(text).startswith("pho ") and len(out) > 1:
        text = "Phó " + _cap(text[4:])
    return _cap(text)


def is_organ_start(line: str) -> bool:
    """True when a line begins with the head word of an issuing body (not a position).

    >>> is_organ_start("QUẬN ỦY HOÀN KIẾM"), is_organ_start("QUẬN HOÀN KIẾM")
    (True, False)
    >>> is_organ_start("BỘ TÀI CHÍNH"), is_organ_start("BỘ TRƯỞNG")
    (True, False)
    """
    key = fold(" ".join(line.split())) + " "
    if is_title_line(line):
        return False
    return any(key.startswith(head.strip() + " ") for head in _ORGAN_HEADS)


def organ_head(words: list[str]) -> int:
    """How many of the folded ``words`` form the head of a body's name (0: none).

    >>> organ_head(["uy", "ban", "nhan", "dan"]), organ_head(["bo", "tai", "chinh"])
    (2, 1)
    >>> organ_head(["bo", "truong"]), organ_head(["quan", "hoan", "kiem"])
    (0, 0)
    """
    if title_head(words):
        return 0
    for head in _HEADS_LONGEST:
        if words[:len(head)] == head:
            return len(head)
    return 0


def known_body(words: list[str]) -> int:
    """How many of the folded ``words`` form a central body's full name (0: none).

    >>> known_body(["uy", "ban", "thuong", "vu", "quoc", "hoi", "x"])
    6
    """
    for name in _KNOWN:
        if tuple(words[:len(name)]) == name:
            return len(name)
    return 0


def title_head(words: list[str]) -> int:
    """How many of the folded ``words`` form a signer's position (0: none).

    >>> title_head(["bo", "truong", "bo", "tai", "chinh"]), title_head(["bo", "tai"])
    (2, 0)
    """
    best = 0
    for title in _TITLES:
        parts = title.split()
        if words[:len(parts)] == parts:
            best = max(best, len(parts))
    return best


def is_title_line(line: str) -> bool:
    """True when a line names a signer's position ("PHÓ BÍ THƯ THƯỜNG TRỰC", "BỘ TRƯỞNG").

    >>> is_title_line("PHÓ CHỦ TỊCH"), is_title_line("QUẬN ỦY")
    (True, False)
    """
    key = fold(line.strip())
    return key in _TITLES or key.startswith(_TITLE_HEADS)


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` becomes ``b`` by one deletion, insertion or substitution."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return a[i + 1:] == b[i + 1:] or a[i:] == b[i + 1:] or a[i + 1:] == b[i:]


def read_title(line: str) -> str | None:
    """A title line of a signature block, in capitals, also when OCR slipped once in it:
    spaces lost ("BÍTHƯ") or one letter lost or changed ("CHỦ TIC"). Positions are a closed
    list, so such a line has one reading; None when it is no title.

    >>> read_title("PHÓ BÍ THƯ THƯỜNG TRỰC"), read_title("BÍTHƯ ."), read_title("CHỦ TIC")
    ('PHÓ BÍ THƯ THƯỜNG TRỰC', 'BÍ THƯ', 'CHỦ TỊCH')
    >>> read_title("HÀ ĐÔNG") is None, read_title("CHỦ") is None
    (True, True)
    """
    text = line.strip(" .,:;'\"“”")
    if is_title_line(text):
        return text
    key = fold(text)
    # One slip in a title of under six letters could as well be another word.
    hits = {w for w, t in zip(_TITLES_WRITTEN, _TITLES)
            if key.replace(" ", "") == t.replace(" ", "") or (len(t) >= 6 and _one_edit(key, t))}
    return hits.pop().upper() if len(hits) == 1 else None


def strip_rank(name: str) -> str:
    """Remove a military or academic rank before a name.

    >>> strip_rank("Trung tướng Vũ Hải Sản")
    'Vũ Hải Sản'
    """
    for rank in _RANKS:
        if name.startswith(rank + " "):
            return name[len(rank) + 1:].strip()
    return name


_SIGNED = re.compile(r"^\(?\s*(?:Đã ký|Ký)\s*[:)]?\s*", re.IGNORECASE)


def person_name(line: str, need_surname: bool = False) -> str | None:
    """The person's name on a signature line, or None if the line is not a name.

    >>> person_name("Đã ký: Đình Tiên Dũng"), person_name("Trung tướng Vũ Hải Sản")
    ('Đình Tiên Dũng', 'Vũ Hải Sản')
    >>> person_name("Hoàn Kiếm"), person_name("Hoàn Kiếm", need_surname=True) is None
    ('Hoàn Kiếm', True)
    >>> person_name("Nơi nhận:") is None
    True
    """
    text = _SIGNED.sub("", line.strip()).strip(" .,;[]()")
    text = strip_rank(text)
    words = text.split()
    if not 2 <= len(words) <= 5:
        return None
    for w in words:
        if not (w.isalpha() and w[0].isupper() and (len(w) == 1 or w[1:].islower())):
            return None
    if need_surname and words[0] not in SURNAMES:
        return None
    return " ".join(words)
