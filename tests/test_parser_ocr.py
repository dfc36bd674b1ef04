"""The parser on OCR'd text: the rendered seed scans end to end, and each OCR repair rule.

The scan tests run the real reader (``ingest.readers.read_many``) on ``samples/scans`` once
per session and parse its text. They assert what the parser recovers from the scans; what
OCR destroyed beyond repair is left out on purpose and listed here:

* 001: the issuer. The scan has no issuer column; the seal under the signature reads
  "QUẬN UY. / HA ĐỌNG", and a place name cannot be repaired from a closed table.
* 003: citation 58/BVHTTDL-VHCS is read "38/…": a digit error, out of reach from the text.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.errors import IngestError
from archive.record import Record
from archive.settings import Settings
from ingest.parser import parse
from ingest.parser.doctypes import repair_code
from ingest.parser.layout import clean_text, split_lines
from ingest.parser.names import organ_case, read_title
from ingest.parser.numbers import parse_ref, read_number_line
from ingest.parser.repairs import repair_glyphs, repair_organ_words
from ingest.parser.signature import find_signatures

SCANS = Path(__file__).resolve().parent.parent / "samples" / "scans"

# seed → fields the parser must recover from the scan (the seed table, minus what is lost).
SCAN_TABLE = {
    "000": dict(ref="1919-CV/QU", doc_type="CV", issuer="Quận ủy Hoàn Kiếm",
                parent_issuer="Đảng bộ thành phố Hà Nội", date="2023-08-25",
                signer="Nguyễn Quốc Khánh", signer_title="Phó Bí thư Thường trực",
                subject="V/v chủ động triển khai công tác phòng chống dịch bệnh trên địa bàn "
                        "quận Hoàn Kiếm"),
    "001": dict(ref=None, doc_type="TB", date=None, signer="Nguyễn Văn Trường",
                signer_title="Phó Bí thư Thường trực",
                subject="Kết luận của Ban Thường vụ Quận ủy về công tác phòng, chống dịch "
                        "Covid-19 trên địa bàn Quận"),
    "002": dict(ref="100-CV/ĐU", doc_type="CV", issuer="Đảng ủy phường Hòa Minh",
                date="2021-07-19", signer="Đặng Công Chúng",
                subject="Khẩn trương thực hiện công tác phòng, chống dịch COVID-19"),
    "003": dict(ref=None, doc_type="Điện", issuer="Thường trực Thành ủy Hà Nội",
                date="2022-01-17", signer="Đình Tiên Dũng", signer_title="Bí thư",
                subject="về tiếp tục tăng cường công tác phòng, chống dịch bệnh Covid-19 trên "
                        "địa bàn thành phố Hà Nội"),
    "004": dict(ref="1196/UBND-VP", doc_type="CV", issuer="Ủy ban nhân dân quận Hoàn Kiếm",
                date="2021-08-11", signer="Phạm Tuấn Long", signer_title="Chủ tịch",
                subject="V/v chấn chỉnh trong điều hành công tác phòng, chống dịch COVID-19"),
}
# seed → (ref, date, relation, issuer) of citations recovered; None = not asserted.
SCAN_CITATIONS = {
    "000": [("835-CV/TU", "2023-08-22", "thực hiện", "Thành ủy Hà Nội"),
            ("38/NQ-CP", "2022-03-17", None, "Chính phủ"),
            ("5103/BYT-DP", "2023-08-12", None, "Bộ Y tế")],
    "001": [("28/CĐ-TTg", "2022-01-11", None, "Thủ tướng Chính phủ"),
            ("632-TB/TU", "2022-01-07", None, None)],
    "002": [("180-CV/QU", "2021-07-16", "thực hiện", None)],
    "003": [("35/CT-TTg", "2021-12-31", None, None)],
    "004": [("17/CT-UBND", "2021-07-23", "thực hiện", None),
            ("18/CĐ-UBND", "2021-08-06", "thực hiện", None),
            ("1139/UBND-CA", "2021-08-11", None, None), ("68/NQ-CP", "2021-07-01", None, None),
            ("23/2020/QĐ-TTg", "2021-07-07", None, "Thủ tướng Chính phủ"),
            ("3642/QĐ-UBND", "2021-07-21", None, None),
            ("15/NQ-HĐND", "2021-08-13", None, None), ("188/KH-UBND", "2021-08-15", None, None)],
}


@pytest.fixture(scope="session")
def scan_records() -> dict[str, Record]:
    """All five rendered scans, OCR'd in one batch (their pages share the process pool)."""
    from ingest.readers import read_many

    paths = sorted(SCANS.glob("*.pdf"))
    assert len(paths) == 5, paths
    docs = list(read_many(paths, Settings(jobs=2), progress=False))
    errors = [d for d in docs if isinstance(d, IngestError)]
    assert not errors, errors
    return {Path(d.path).name[:3]: parse(d.text) for d in docs}


@pytest.mark.ocr
@pytest.mark.parametrize("seed", sorted(SCAN_TABLE))
def test_scan_fields(scan_records, seed):
    r = scan_records[seed]
    want = SCAN_TABLE[seed]
    assert {field: getattr(r, field) for field in want} == want


@pytest.mark.ocr
@pytest.mark.parametrize("seed", sorted(SCAN_CITATIONS))
def test_scan_citations(scan_records, seed):
    cites = {c.ref: c for c in scan_records[seed].citations}
    for ref, date, relation, issuer in SCAN_CITATIONS[seed]:
        assert ref in cites, sorted(cites)
        c = cites[ref]
        assert c.date == date, ref
        if relation is not None:
            assert c.relation == relation, ref
        if issuer is not None:
            assert c.issuer == issuer, ref


@pytest.mark.ocr
@pytest.mark.parametrize("seed", ["000", "004"])
def test_scan_citation_refs_are_exactly_the_seeds(scan_records, seed):
    assert {c.ref for c in scan_records[seed].citations} == {c[0] for c in SCAN_CITATIONS[seed]}


@pytest.mark.ocr
def test_scan_repaired_symbol_keeps_its_printed_form(scan_records):
    c = next(c for c in scan_records["003"].citations if c.ref == "35/CT-TTg")
    assert c.printed is None or c.printed != c.ref  # e.g. "35/CT-TTE" as OCR read it


@pytest.mark.ocr
def test_scan_copy_block(scan_records):
    r = scan_records["003"]
    assert len(r.copies) == 1
    c = r.copies[0]
    assert (c.ref, c.doc_type, c.kind, c.issuer, c.place, c.date) == (
        "49-BS/QU", "BS", "sao lục", "Quận ủy Hà Đông", "Hà Đông", "2022-01-20")
    assert (c.signer, c.signer_title) == ("Nguyễn Sĩ Hoạt", "Chánh Văn phòng")
    assert "49-BS/QU" not in {x.ref for x in r.citations}


@pytest.mark.ocr
def test_scan_text_has_no_junk_glyphs(scan_records):
    assert all("€" not in r.text for r in scan_records.values())


# ----------------------------------------------------------- symbol confusions (§2, §5)

@pytest.mark.parametrize(
    "printed, ref",
    [
        ("35/CT-TTE", "35/CT-TTg"),  # g read as E (reference §5)
        ("35/CT-TTq", "35/CT-TTg"),
        ("35/CT-TTG", "35/CT-TTg"),  # case
        ("68/NQ-CF", "68/NQ-CP"),
        ("5103/BVT-DP", "5103/BYT-DP"),  # a công văn: the issuer comes first
        ("02-NO/TW", "02-NQ/TW"),  # Party form, type code repaired
        ("15/NQ-HDND", "15/NQ-HĐND"),
        ("100-CV/DU", "100-CV/ĐU"),
        ("1O5/QĐ-UBND", "105/QĐ-UBND"),  # O for 0 in the number
        ("l96/UBND-VP", "196/UBND-VP"),  # l for 1
        ("23/2020/QĐ-TTE", "23/2020/QĐ-TTg"),
    ],
)
def test_symbol_confusions_are_repaired_and_printed_form_kept(printed, ref):
    got = parse_ref(printed)
    assert (got.ref, got.printed) == (ref, printed)


@pytest.mark.parametrize(
    "printed",
    ["12/SYT-NVY", "45/STC-QLNS", "7/BCĐ-VP", "36-HD/VPTW", "1139/UBND-CA", "58/BVHTTDL-VHCS"],
)
def test_unknown_or_known_codes_are_left_as_printed(printed):
    got = parse_ref(printed)
    assert got.ref == printed and got.printed is None


@pytest.mark.parametrize("text", ["lO/CT-TTg", "Ol-CV/QU", "Covid-19/ABC", "lớp/CT-TTg"])
def test_letters_alone_are_no_number(text):
    assert parse_ref(text) is None


def test_repair_code_needs_a_unique_known_code():
    assert repair_code("TTE", "issuer") == "TTg"
    assert repair_code("XYZ", "issuer") == "XYZ"
    assert repair_code("NO", "type") == "NQ"
    assert repair_code("NQ", "type") == "NQ"


def test_number_line_with_ocr_confusions():
    ref, _ = read_number_line("Số: l196/UBND-VP")
    assert (ref.ref, ref.printed) == ("1196/UBND-VP", "l196/UBND-VP")


def test_citation_with_confused_symbol_is_found_under_its_real_ref():
    r = parse("Thực hiện Chỉ thị số 35/CT-TTE ngày 31/12/2021 của Thủ tướng Chính phủ.")
    c = {c.ref: c for c in r.citations}["35/CT-TTg"]
    assert (c.printed, c.date, c.doc_type) == ("35/CT-TTE", "2021-12-31", "CT")


# ------------------------------------------------------------------ organ words, glyphs

@pytest.mark.parametrize(
    "text, repaired",
    [
        ("ĐẲNG BỘ THÀNH PHỐ HÀ NỘI", "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI"),
        ("ĐẲNG ỦY PHƯỜNG HÒA MINH", "ĐẢNG ỦY PHƯỜNG HÒA MINH"),
        ("ĐẲNG CỘNG SẢN VIỆT NAM", "ĐẢNG CỘNG SẢN VIỆT NAM"),
        ("Ban Thường vụ Đẳng ủy phường", "Ban Thường vụ Đảng ủy phường"),
        ("Đẳng đoàn HĐND", "Đảng đoàn HĐND"),
        ("quyền bình đẳng giới", "quyền bình đẳng giới"),
        ("đẳng cấp", "đẳng cấp"),
    ],
)
def test_organ_word_repairs(text, repaired):
    assert repair_organ_words(text) == repaired


def test_parent_issuer_with_ocr_breve_is_dang():
    r = parse("ĐẲNG BỘ THÀNH PHỐ HÀ NỘI\nQUẬN ỦY HOÀN KIẾM\nSố 1919-CV/QU\n"
              "Hoàn Kiếm, ngày 25 tháng 8 năm 2023\n")
    assert (r.parent_issuer, r.issuer) == ("Đảng bộ thành phố Hà Nội", "Quận ủy Hoàn Kiếm")


def test_central_body_names_get_their_diacritics_from_the_table():
    assert organ_case("BỘ NGOẠI GIÁO") == "Bộ Ngoại giao"
    assert organ_case("BỘ TAI CHINH") == "Bộ Tài chính"


@pytest.mark.parametrize(
    "text, repaired",
    [("dịch bệnh €ovid-19", "dịch bệnh Covid-19"), ("Ƒ0 tại nhà", "F0 tại nhà"),
     ("khoản vay 5 € mỗi năm", "khoản vay 5 € mỗi năm"), ("giá 20€.", "giá 20€.")],
)
def test_glyph_repairs(text, repaired):
    assert repair_glyphs(text) == repaired


def test_leading_specks_are_dropped_from_lines():
    lines = split_lines(clean_text("____ Hòa Minh, ngày 19 tháng 7 năm 2021\n_- Các phòng, ban;\n"
                                   "ˆ Công văn số 5\n.- Lưu VT."))
    assert lines == ["Hòa Minh, ngày 19 tháng 7 năm 2021", "- Các phòng, ban;",
                     "Công văn số 5", "- Lưu VT."]


# ---------------------------------------------------------------------- copy block issuer

COPY_TEXT = """\
ĐIỆN
CỦA THƯỜNG TRỰC THÀNH ỦY
về việc X
Hà Nội, ngày 17 tháng 01 năm 2022
Thực hiện Chỉ thị số 35/CT-TTg ngày 31/12/2021.
T/M BAN THƯỜNG VỤ
BÍ THƯ
Đã ký: Đinh Văn An
QUẬN ỦY HÀ ĐÔNG
SAO LỤC
Số 49-BS/QU
Hà Đông, ngày 20 tháng 1 năm 2022
T/L BAN THƯỜNG VỤ
CHÁNH VĂN PHÒNG
Nguyễn Văn Bình
"""


@pytest.mark.parametrize("heading", ["SAO LỤC", "SAO Y", "TRÍCH SAO", "SAO Y BẢN CHÍNH"])
def test_copy_issuer_does_not_absorb_the_copy_heading(heading):
    r = parse(COPY_TEXT.replace("SAO LỤC", heading))
    assert r.copies and r.copies[0].issuer == "Quận ủy Hà Đông"


def test_copy_heading_ends_the_issuer_name():
    r = parse(COPY_TEXT.replace("SAO LỤC", "SAO LỤC\nBAN TUYÊN GIÁO"))
    assert r.copies[0].issuer == "Quận ủy Hà Đông"


def test_copy_number_read_among_the_original_signature_lines():
    # OCR order: the copy's number sits inside the original's signature block.
    text = COPY_TEXT.replace("Số 49-BS/QU\n", "").replace("BÍ THƯ\n", "BÍ THƯ\nSố 49-BS/QU\n")
    r = parse(text)
    assert r.copies[0].ref == "49-BS/QU"
    assert (r.signer, r.signer_title) == ("Đinh Văn An", "Bí thư")


# -------------------------------------------------------------------------- signatures

def _sig(text: str):
    sigs = find_signatures(split_lines(clean_text(text)))
    return (sigs[0].name, sigs[0].title) if sigs else None


def test_signature_across_the_recipients_column():
    text = ("Nơi nhận:\n-T/M BAN THƯỜNG VỤ\n- Thường trực Thành ủy (để b/c),\n"
            "PHÓ BÍ THƯ THƯỜNG TRƯC\n- Đ/c A,\n- TT QU, HĐND,\n- Các đ/c UV,\n"
            "- Thành viên BCĐ,\n- Lưu: VPQU.\nQUẬN ỦY\nHÀ ĐÔNG\nNguyễn Văn Trường\n")
    assert _sig(text) == ("Nguyễn Văn Trường", "Phó Bí thư Thường trực")


def test_signed_name_printed_above_the_block():
    text = "Đã ký: Đình Tiên Dũng\nsử\n“TM BAN THƯỜNG VỤ\nBÍTHƯ .\nKo.\nNơi nhận:\n"
    assert _sig(text) == ("Đình Tiên Dũng", "Bí thư")


def test_a_name_above_without_da_ky_is_not_taken():
    assert _sig("Nguyễn Văn An\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\nNơi nhận:\n") is None


@pytest.mark.parametrize(
    "line, title",
    [("CHỦ TIC", "CHỦ TỊCH"), ("BÍTHƯ .", "BÍ THƯ"), ("PHÓ YU TRƯƠNG", "PHÓ VỤ TRƯỞNG"),
     ("PHÓ CHỦ TỊCH", "PHÓ CHỦ TỊCH"), ("HÀ ĐÔNG", None), ("BỘ TƯ PHÁP", None),
     ("QUẬN ỦY", None)],
)
def test_title_slips(line, title):
    assert read_title(line) == title


def test_title_slip_in_signature_block():
    assert _sig("TM. ỦY BAN NHÂN DÂN\nCHỦ TIC\nPhạm Tuấn Long\n") == ("Phạm Tuấn Long", "Chủ tịch")


def test_bare_signer_of_a_last_page_after_the_recipients():
    text = ("của Chính phủ./.\nNơi nhận:\n- Ban Bí thư Trung ương Đảng;\n- Văn phòng Quốc hội;\n"
            "Nguyễn Văn An\n~ Tòa án nhân dân tối cao;\n- Lưu: VT.\n")
    assert parse(text).signer == "Nguyễn Văn An"


def test_name_above_is_never_taken_twice():
    text = ("T/M BAN THƯỜNG VỤ\nBÍ THƯ\nĐã ký: Đinh Văn An\nT/L BAN THƯỜNG VỤ\n"
            "CHÁNH VĂN PHÒNG\nNơi nhận:\n")
    sigs = find_signatures(split_lines(clean_text(text)))
    assert [s.name for s in sigs] == ["Đinh Văn An"]
