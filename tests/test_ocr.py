"""OCR end to end on the rendered seed scans (samples/scans) and a real gazette scan.

What the readers must deliver on a scan: the header's two columns on lines of their own
(issuer lines together, not merged with the national motto), the number line, the date
line and the signer's name. Reading the fields out of that text is the parser's job; the
last tests check that it can, on the OCR text.
"""
from __future__ import annotations


import pytest

from archive.settings import Settings
from archive.vntext import normalize_ref
from ingest.readers import Document, read, read_many
from paths import SAMPLES

pytestmark = pytest.mark.ocr

SCANS = SAMPLES / "scans"
SEED_004 = "004_0881eebd51305214"
SEED_000 = "000_e7dc2de3e10d718d"

EXPECTED = {
    SEED_004: {
        "ref": "1196/UBND-VP",
        "date_line": "Hoàn Kiếm, ngày 11 tháng 8 năm 2021",
        "issuer_lines": ["ỦY BAN NHÂN DÂN", "QUẬN HOÀN KIẾM"],
        "motto": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "signer": "Phạm Tuấn Long",
        # What ingest.parser.parse must recover from the OCR text.
        "record": {"ref": "1196/UBND-VP", "date": "2021-08-11",
                   "issuer": "Ủy ban nhân dân quận Hoàn Kiếm", "signer": "Phạm Tuấn Long"},
    },
    SEED_000: {
        "ref": "1919-CV/QU",
        "date_line": "Hoàn Kiếm, ngày 25 tháng 8 năm 2023",
        "issuer_lines": ["QUẬN ỦY HOÀN KIẾM"],
        "motto": "ĐẢNG CỘNG SẢN VIỆT NAM",
        "signer": "Nguyễn Quốc Khánh",
        "record": {"ref": "1919-CV/QU", "date": "2023-08-25",
                   "issuer": "Quận ủy Hoàn Kiếm", "signer": "Nguyễn Quốc Khánh"},
    },
}


@pytest.fixture(scope="module")
def scans() -> dict[str, Document]:
    """Both scanned PDFs, read in one batch (their 5 pages share the process pool)."""
    paths = [SCANS / f"{seed}.pdf" for seed in EXPECTED]
    docs = list(read_many(paths, Settings(jobs=2), progress=False))
    assert all(isinstance(d, Document) for d in docs), docs
    return {d.path.stem: d for d in docs}


def _number_line(text: str) -> str:
    line = next(line for line in text.splitlines() if line.startswith("Số"))
    return normalize_ref(line.removeprefix("Số").lstrip(": "))


@pytest.mark.parametrize("seed", list(EXPECTED))
def test_scan_pages_are_ocred(scans, seed):
    doc = scans[seed]
    assert doc.media_type == "application/pdf"
    assert len(doc.pages) >= 2 and all(p.ocr for p in doc.pages)
    assert doc.ocr and 85 < doc.ocr_confidence <= 100


@pytest.mark.parametrize("seed", list(EXPECTED))
def test_header_columns_come_out_on_their_own_lines(scans, seed):
    expected = EXPECTED[seed]
    lines = scans[seed].pages[0].text.splitlines()
    assert _number_line(scans[seed].text) == expected["ref"]
    assert expected["date_line"] in lines
    assert expected["motto"] in lines
    at = lines.index(expected["issuer_lines"][0])
    assert lines[at : at + len(expected["issuer_lines"])] == expected["issuer_lines"]


@pytest.mark.parametrize("seed", list(EXPECTED))
def test_signer_name_is_a_line_of_the_last_page(scans, seed):
    assert EXPECTED[seed]["signer"] in scans[seed].pages[-1].text.splitlines()


def test_one_bit_png_page():
    doc = read(SCANS / "pages" / f"{SEED_004}-p1.png", Settings(jobs=1))
    assert doc.media_type == "image/png" and [p.ocr for p in doc.pages] == [True]
    lines = doc.text.splitlines()
    assert _number_line(doc.text) == "1196/UBND-VP"
    assert lines[lines.index("ỦY BAN NHÂN DÂN") + 1] == "QUẬN HOÀN KIẾM"


def test_image_only_gazette_pdf():
    # Real Công báo scan: the text layer holds only the running header and the signature
    # block; the number "115" is handwritten, so only printed text is checked.
    doc = read(SAMPLES / "corpus" / "nghi-quyet-so-115-nq-cp-469452.pdf", Settings(jobs=2))
    assert [p.ocr for p in doc.pages] == [True, True]
    lines = doc.text.splitlines()
    assert "CHÍNH PHỦ" in lines and "NGHỊ QUYẾT" in lines
    assert "Về việc chuyển giao Vườn quốc gia Ba Vì" in lines or "Vườn quốc gia Ba Vì" in doc.text
    assert "Hồ Quốc Dũng" in lines


@pytest.mark.parametrize("seed", list(EXPECTED))
def test_parser_recovers_the_fields_from_the_ocr_text(scans, seed):
    from ingest.parser import parse

    record = parse(scans[seed].text)
    got = {field: getattr(record, field) for field in EXPECTED[seed]["record"]}
    assert got == EXPECTED[seed]["record"]
