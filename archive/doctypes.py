"""Document types: the official codes and their names (Decree 30/2020/NĐ-CP, Guidance
36-HD/VPTW). One table for the parser, which reads codes and names in documents, and for
the search index, which lets users type either (``type:CV``, ``type:"công văn"``).

Types that have no official abbreviation (Luật, Điện, Pháp lệnh …) use their own name as
their code, so ``doc_type`` is never an invented abbreviation.
"""
from __future__ import annotations

__all__ = ["TYPE_NAMES", "NAME_ONLY_TYPES"]

# code → name. State codes first, then Party additions, then copies.
TYPE_NAMES: dict[str, str] = {
    "NQ": "Nghị quyết", "QĐ": "Quyết định", "CT": "Chỉ thị", "QC": "Quy chế",
    "QyĐ": "Quy định", "TB": "Thông báo", "HD": "Hướng dẫn", "CTr": "Chương trình",
    "KH": "Kế hoạch", "PA": "Phương án", "ĐA": "Đề án", "DA": "Dự án", "BC": "Báo cáo",
    "BB": "Biên bản", "TTr": "Tờ trình", "HĐ": "Hợp đồng", "CĐ": "Công điện",
    "BGN": "Bản ghi nhớ", "BTT": "Bản thỏa thuận", "GUQ": "Giấy ủy quyền", "GM": "Giấy mời",
    "GGT": "Giấy giới thiệu", "GNP": "Giấy nghỉ phép", "PG": "Phiếu gửi", "PC": "Phiếu chuyển",
    "PB": "Phiếu báo", "TT": "Thông tư", "TTLT": "Thông tư liên tịch", "NĐ": "Nghị định",
    "VBHN": "Văn bản hợp nhất", "KL": "Kết luận", "QĐi": "Quy định", "CV": "Công văn",
    "BS": "Bản sao", "SY": "Bản sao y", "TrS": "Bản trích sao", "SL": "Bản sao lục",
}
# Types without an abbreviation: the name is the code.
NAME_ONLY_TYPES = ("Luật", "Bộ luật", "Pháp lệnh", "Hiến pháp", "Lệnh", "Điện")
