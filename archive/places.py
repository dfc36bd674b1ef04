"""Bodies' names as comparable words, and the places (with their level) they name.

"Chủ tịch UBND TP. Hà Nội" and "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI" are one body; "Ủy ban
nhân dân tỉnh Thanh Hóa" names the province of Thanh Hóa. Used by :mod:`archive.resolve`
to narrow a citation's candidates by issuer and by locality.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .vntext import fold, normalize

__all__ = ["issuer_key", "localities", "placed"]

_ABBREVIATIONS = [
    (r"\bubnd\b", "uy ban nhan dan"), (r"\bhdnd\b", "hoi dong nhan dan"),
    (r"\bub\b", "uy ban"), (r"\btp\b", "thanh pho"), (r"\bmttq\b", "mat tran to quoc"),
    (r"\bttg\b", "thu tuong chinh phu"), (r"\bbch\b", "ban chap hanh"),
    (r"\bbtv\b", "ban thuong vu"), (r"\btw\b", "trung uong"),
]
# Who in a body signed is not which body issued: "Chủ tịch UBND …" is the UBND.
_ROLES = re.compile(
    r"^(?:(?:tm|kt|tl|tuq|q)\s+|pho chu tich\s+|chu tich\s+|ban thuong vu\s+|thuong truc\s+"
    r"|thuong vu\s+|ban chap hanh\s+|pho bi thu\s+|bi thu\s+|ban can su dang\s+|dang doan\s+)+"
)


@lru_cache(maxsize=1 << 16)  # pure, and called for every candidate
def issuer_key(name: str | None) -> str | None:
    """A body's name as comparable words.

    >>> issuer_key("Chủ tịch UBND TP. Hà Nội")
    'uy ban nhan dan thanh pho ha noi'
    >>> issuer_key("Quận ủy Liên Chiêu") == issuer_key("QUẬN UỶ LIÊN CHIỂU")
    True
    """
    if not name:
        return None
    text = re.sub(r"[^a-z0-9]+", " ", fold(normalize(name))).strip()
    for pattern, full in _ABBREVIATIONS:
        text = re.sub(pattern, full, text)
    text = _ROLES.sub("", text).strip()
    return text or None


_UNIT = re.compile(
    r"\b(?P<unit>thanh pho|thi xa|thi tran|tinh|quan|huyen|phuong|xa|thanh(?= uy)|thi(?= uy)"
    r"|dang bo)(?: uy)?\s+"
)
# The level of the place a unit word names: province, district, commune. A "thành phố" is a
# province when it is one of the cities under the central government, else a district.
_LEVEL_OF = {"tinh": "province", "quan": "district", "huyen": "district", "thi xa": "district",
             "thi": "district", "phuong": "commune", "xa": "commune", "thi tran": "commune"}
_CENTRAL_CITIES = frozenset({"ha noi", "ho chi minh", "hai phong", "da nang", "can tho", "hue"})


@lru_cache(maxsize=1 << 16)  # pure, and called for every candidate
def localities(name: str | None, *, place: bool = False) -> frozenset[str]:
    """Place names inside a body's name, or a place line when *place* (folded).

    >>> sorted(localities("Ủy ban nhân dân quận Hoàn Kiếm")), sorted(localities("Chính phủ"))
    (['hoan kiem'], [])
    >>> sorted(localities("Đảng ủy phường Hòa Minh")), sorted(localities("Hà Nội", place=True))
    (['hoa minh'], ['ha noi'])
    """
    key = issuer_key(name)
    if not key:
        return frozenset()
    found = list(_UNIT.finditer(key))
    if not found:
        # A place line ("Hoàn Kiếm") is the place itself; a body without a unit word
        # ("chinh phu", "bo y te") names none.
        return frozenset([key]) if place else frozenset()
    rest = key[found[-1].end():].strip()
    return frozenset([rest]) if rest else frozenset()


@lru_cache(maxsize=1 << 16)  # pure, and called for every candidate
def placed(name: str | None, *, place: bool = False) -> frozenset[tuple[str, str]]:
    """Like :func:`localities`, with each place's level ("province", "district", "commune",
    or "" when a place line or "Đảng bộ" does not say).

    >>> sorted(placed("Ủy ban nhân dân tỉnh Thanh Hóa")), sorted(placed("Thành ủy Hà Nội"))
    ([('province', 'thanh hoa')], [('province', 'ha noi')])
    >>> sorted(placed("UBND thành phố Vinh")), sorted(placed("Hoàn Kiếm", place=True))
    ([('district', 'vinh')], [('', 'hoan kiem')])
    """
    key = issuer_key(name)
    names = localities(name, place=place)
    if not key or not names:
        return frozenset()
    found = list(_UNIT.finditer(key))
    unit = found[-1]["unit"] if found else ""
    (only,) = names
    level = _LEVEL_OF.get(unit, "")
    if unit in ("thanh pho", "thanh"):
        level = "province" if only in _CENTRAL_CITIES else "district"
    return frozenset([(level, only)])
