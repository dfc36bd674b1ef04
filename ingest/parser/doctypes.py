"""Reading document types and issuer codes (Decree 30/2020/NĐ-CP, Guidance 36-HD/VPTW).

The code ↔ name table itself is ``archive.doctypes``, shared with the search index.
"""
from __future__ import annotations

from archive.doctypes import NAME_ONLY_TYPES, TYPE_NAMES
from archive.vntext import fold

from .layout import fold_aligned

__all__ = [
    "TYPE_NAMES", "NAME_ONLY_TYPES", "COPY_TYPES", "COPY_HEADINGS", "type_name", "type_from_name",
    "canonical_code", "is_type_code", "NATIONAL_ISSUERS", "national_issuer", "LOCAL_ORGANS",
    "is_issuer_code", "repair_code",
]

COPY_TYPES = frozenset({"BS", "SY", "TrS", "SL"})
# Headings of a copy block (folded) → the kind of copy; "bản sao" names no kind.
COPY_HEADINGS: dict[str, str | None] = {
    "sao luc": "sao lục", "sao y": "sao y", "sao y ban chinh": "sao y",
    "trich sao": "trích sao", "ban sao": None,
}

# OCR and ASCII typing lose the bar of Đ; these spellings only ever mean one code.
_ASCII_CODES = {"CD": "CĐ", "QD": "QĐ", "ND": "NĐ", "QyD": "QyĐ", "QDi": "QĐi"}

_BY_FOLDED_NAME: dict[str, str] = {}
for _code, _name in TYPE_NAMES.items():
    _BY_FOLDED_NAME.setdefault(fold(_name), _code)
for _name in NAME_ONLY_TYPES:
    _BY_FOLDED_NAME[fold(_name)] = _name
_BY_FOLDED_NAME[fold("Quy định")] = "QyĐ"
_NO_SPACE = {k.replace(" ", ""): v for k, v in _BY_FOLDED_NAME.items()}


def canonical_code(code: str) -> str:
    """The official spelling of a type code read from a symbol.

    >>> canonical_code("CD"), canonical_code("NQ")
    ('CĐ', 'NQ')
    """
    return _ASCII_CODES.get(code, code)


def is_type_code(code: str) -> bool:
    """True for a code that names a document type (after ASCII repair).

    >>> is_type_code("CD"), is_type_code("UBND")
    (True, False)
    """
    return canonical_code(code) in TYPE_NAMES


def type_name(code: str | None) -> str | None:
    """The Vietnamese name of a type code.

    >>> type_name("CV"), type_name("Điện"), type_name("XYZ")
    ('Công văn', 'Điện', None)
    """
    if code is None:
        return None
    if code in NAME_ONLY_TYPES:
        return code
    return TYPE_NAMES.get(canonical_code(code))


def type_from_name(name: str) -> str | None:
    """The code of a type name written in any case or accent spelling.

    >>> type_from_name("NGHỊ QUYẾT"), type_from_name("QUYÉT ĐỊ NH"), type_from_name("ĐIỆN")
    ('NQ', 'QĐ', 'Điện')
    """
    key = fold_aligned(name)
    # OCR splits syllables ("QUYẾT ĐỊ NH"): fall back to a comparison without spaces.
    return _BY_FOLDED_NAME.get(" ".join(key.split())) or _NO_SPACE.get(key.replace(" ", ""))


# Issuer codes of central bodies: unambiguous by law, so a symbol names its issuer.
# Local codes (UBND, HĐND, TU, QU, ĐU …) are not here: they need a locality.
NATIONAL_ISSUERS: dict[str, str] = {
    "CP": "Chính phủ", "TTg": "Thủ tướng Chính phủ", "QH": "Quốc hội",
    "UBTVQH": "Ủy ban Thường vụ Quốc hội", "BTC": "Bộ Tài chính", "BYT": "Bộ Y tế",
    "BLĐTBXH": "Bộ Lao động - Thương binh và Xã hội", "BKHĐT": "Bộ Kế hoạch và Đầu tư",
    "BQP": "Bộ Quốc phòng", "BNG": "Bộ Ngoại giao", "BCA": "Bộ Công an", "BNV": "Bộ Nội vụ",
    "BCT": "Bộ Công Thương", "BTP": "Bộ Tư pháp", "BGDĐT": "Bộ Giáo dục và Đào tạo",
    "BVHTTDL": "Bộ Văn hóa, Thể thao và Du lịch", "BXD": "Bộ Xây dựng",
    "BGTVT": "Bộ Giao thông vận tải", "BTNMT": "Bộ Tài nguyên và Môi trường",
    "BNNPTNT": "Bộ Nông nghiệp và Phát triển nông thôn", "BNNMT": "Bộ Nông nghiệp và Môi trường",
    "BKHCN": "Bộ Khoa học và Công nghệ", "BTTTT": "Bộ Thông tin và Truyền thông",
    "NHNN": "Ngân hàng Nhà nước Việt Nam", "VPCP": "Văn phòng Chính phủ",
    "TTCP": "Thanh tra Chính phủ", "TW": "Trung ương",
}


def national_issuer(code: str) -> str | None:
    """The central body named by an issuer code; QH15 and UBTVQH15 carry the term number.

    >>> national_issuer("UBTVQH15"), national_issuer("UBND")
    ('Ủy ban Thường vụ Quốc hội', None)
    """
    bare = code.rstrip("0123456789") if code[:2] in ("QH", "UB") else code
    return NATIONAL_ISSUERS.get(bare)


# Local issuer codes → the organ word that a body phrase must contain (seed 002 style).
LOCAL_ORGANS: dict[str, tuple[str, ...]] = {
    "ĐU": ("Đảng ủy",), "QU": ("Quận ủy",), "HU": ("Huyện ủy",), "TU": ("Thành ủy", "Tỉnh ủy"),
    "UBND": ("Ủy ban nhân dân", "UBND"), "HĐND": ("Hội đồng nhân dân", "HĐND"),
}


# Issuer codes a symbol may carry (reference §2): the central ones above and the local ones.
_LOCAL_CODES = frozenset(LOCAL_ORGANS) | {"VP"}

# Characters Tesseract reads for a code letter, printed → meant (reference §5: TTg → TTE).
# Small on purpose: a repair must come from a known confusion, not from any edit.
_CONFUSIONS: dict[str, str] = {
    "E": "g", "q": "g", "F": "P", "P": "F", "O": "Q", "Q": "O", "D": "Đ",
    "V": "YU", "Y": "V", "U": "V",
}


def is_issuer_code(code: str) -> bool:
    """True for a code that names an issuer (QH15, UBTVQH15 carry a term number).

    >>> is_issuer_code("TTg"), is_issuer_code("UBTVQH15"), is_issuer_code("TTE")
    (True, True, False)
    """
    return code in _LOCAL_CODES or national_issuer(code) is not None


def _one_confusion_away(code: str) -> set[str]:
    out = {code.upper()} if code.upper() != code else set()
    for i, ch in enumerate(code):
        for meant in _CONFUSIONS.get(ch, ""):
            out.add(code[:i] + meant + code[i + 1:])
    return out


def repair_code(code: str, kind: str) -> str:
    """A symbol part that is no known code but one OCR confusion away from exactly one.

    ``kind`` is "type" or "issuer". Anything else, or an ambiguous repair, comes back as
    printed: an unknown code may be a real one we do not list.

    >>> repair_code("TTE", "issuer"), repair_code("CF", "issuer"), repair_code("BVT", "issuer")
    ('TTg', 'CP', 'BYT')
    >>> repair_code("N0", "type"), repair_code("NO", "type"), repair_code("HDND", "issuer")
    ('N0', 'NQ', 'HĐND')
    >>> repair_code("SYT", "issuer"), repair_code("TTG", "issuer")
    ('SYT', 'TTg')
    """
    known = is_type_code if kind == "type" else is_issuer_code
    if known(code):
        return code
    table = TYPE_NAMES if kind == "type" else _LOCAL_CODES | set(NATIONAL_ISSUERS)
    hits = {c for c in _one_confusion_away(code) if known(c)}
    hits |= {k for k in table if k.casefold() == code.casefold()}  # case: "TTG"
    hits = {canonical_code(h) if kind == "type" else h for h in hits}
    return hits.pop() if len(hits) == 1 else code
