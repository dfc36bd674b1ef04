"""Handwritten numbers and e-signing stamps on real scans, with real Tesseract (slow).

The dev corpus' Nghị quyết 115/NQ-CP and Quyết định 109/QĐ-BTC had their numbers and days
written by hand; Tesseract reads 445 and 403 (403 with high confidence). Neither may pass
for right: both come out marked for review, listed by `vanthu review`, printed by `vanthu
show`, and a correction confirms them. A clean printed scan is not marked.
"""
from __future__ import annotations

import ctypes
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.settings import Settings
from ingest import pdf
from ingest.parser import parse
from ingest.readers import read
from paths import CONGBAO, CORPUS, SAMPLES
from vanthu.cli import cli

pytestmark = pytest.mark.ocr

NQ_115 = SAMPLES / "corpus" / "nghi-quyet-so-115-nq-cp-469452.pdf"
QD_109 = SAMPLES / "corpus" / "quyet-dinh-so-109-qd-btc-468842.pdf"
CLEAN = CORPUS / "scans" / "ocr_vbpl__pline_1.jpg"  # Nghị định 28/2021/NĐ-CP, printed number
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # fonts-dejavu-core


def run(*args: object, archive: Path, ok: bool = True):
    result = CliRunner().invoke(cli, ["--archive", str(archive), *map(str, args)],
                                catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def first_page(src: Path, dest: Path) -> Path:
    """The scan's first page alone (its number and date; the other pages only cost OCR)."""
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_page(pypdf.PdfReader(src).pages[0])
    with dest.open("wb") as out:
        writer.write(out)
    return dest


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("review")
    pages = [first_page(path, folder / path.name) for path in (NQ_115, QD_109)]
    root = folder / "archive"
    result = run("ingest", "--no-progress", "--jobs", "2", *pages, CLEAN, archive=root)
    (folder / "ingest-output.txt").write_text(result.stdout)
    return root


def show(archive: Path, key: str) -> dict:
    return json.loads(run("show", key, "--json", archive=archive).stdout)


def test_handwritten_numbers_are_listed_for_review(archive):
    listed = json.loads(run("review", "--json", archive=archive).stdout)
    by_ref = {item["ref"]: item for item in listed}
    assert set(by_ref) == {"445/NQ-CP", "403/QĐ-BTC"}  # as OCR read them, never as right
    assert all("number" in item["fields"] and "date" in item["fields"] for item in listed)
    assert "28/2021/NĐ-CP" not in by_ref


def test_ingest_says_which_documents_to_review(archive):
    lines = (archive.parent / "ingest-output.txt").read_text().splitlines()
    marked = {line.split(" → ")[1].split()[1]: line for line in lines if line.startswith("stored:")}
    assert set(marked) == {"445/NQ-CP", "403/QĐ-BTC", "28/2021/NĐ-CP"}, lines
    assert marked["445/NQ-CP"].endswith("to review: number, date")
    assert "to review" not in marked["28/2021/NĐ-CP"]


def test_the_record_says_where_and_how_surely_the_number_was_read(archive):
    record = show(archive, "403/QĐ-BTC")
    assert record["needs_review"] == ["number", "date"]
    number = record["fields"]["number"]
    assert number["page"] == 1 and number["confidence"] < 60
    x0, y0, x1, y1 = number["box"]
    assert 0 < x0 < x1 and 0 < y0 < y1 < 1500  # in the header of a 300 dpi page
    clean = show(archive, "28/2021/NĐ-CP")
    assert clean["needs_review"] == [] and clean["fields"]["number"]["confidence"] >= 60


def test_show_prints_the_marks(archive):
    out = run("show", "445/NQ-CP", archive=archive).stdout
    assert "Cần kiểm tra: số" in out and "ngày" in out


def test_a_correction_confirms_the_number_and_a_reparse_keeps_it(archive):
    doc = show(archive, "445/NQ-CP")["id"]
    fixed = json.loads(run("correct", doc, "number=115", "--by", "lan", "--json",
                           archive=archive).stdout)
    assert (fixed["ref"], fixed["needs_review"]) == ("115/NQ-CP", ["date"])
    run("reparse", doc, archive=archive)
    again = show(archive, "115/NQ-CP")
    assert again["id"] == doc and again["needs_review"] == ["date"]
    listed = {i["id"]: i["fields"] for i in json.loads(run("review", "--json", archive=archive).stdout)}
    assert listed[doc] == ["date"]


# -- an e-signing stamp as a scan's only text layer -------------------------------------

STAMP = ["Cổng Thông tin điện tử Chính phủ - Trung tâm Thông tin, Công báo Chính phủ",
         "Ký bởi: Cổng Thông tin điện tử Chính phủ", "Email: thongtinchinhphu@chinhphu.vn",
         "Cơ quan: Văn phòng Chính phủ", "Thời gian ký: 12.05.2026 09:41:27 +07:00"]


def stamped(src: Path, dest: Path, lines: list[str]) -> Path:
    """``src`` with a signing stamp written as text under the body of its first page, as a
    signing service prints it (PDFium's own text objects, DejaVu Sans 7 pt)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    doc = pdfium.PdfDocument(src)
    page = doc[0]
    width, height = page.get_size()
    data = FONT.read_bytes()
    buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
    font = raw.FPDFText_LoadFont(doc.raw, buffer, len(data), raw.FPDF_FONT_TRUETYPE, 1)
    for i, line in enumerate(lines):
        obj = raw.FPDFPageObj_CreateTextObj(doc.raw, font, 7.0)
        text = ctypes.create_string_buffer((line + "\0").encode("utf-16-le"))
        raw.FPDFText_SetText(obj, ctypes.cast(text, ctypes.POINTER(raw.FPDF_WCHAR)))
        raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, width * 0.12, height * 0.105 - i * 9)
        raw.FPDFPage_InsertObject(page.raw, obj)
    raw.FPDFPage_GenerateContent(page.raw)
    doc.save(dest)
    doc.close()
    return dest


@pytest.mark.parametrize("signatures", [1, 2], ids=["one stamp", "issuer and publisher"])
def test_scan_whose_only_text_is_a_stamp_is_ocrd(tmp_path, signatures):
    lines = STAMP * signatures
    assert sum(len(line) for line in lines) >= 210 * signatures  # "≈220 characters" a stamp
    path = stamped(CONGBAO / "nghi-quyet-so-99-nq-cp-469343.pdf", tmp_path / "stamped.pdf", lines)
    import pdfplumber

    with pdfplumber.open(path) as doc:
        assert "Ký bởi: Cổng Thông tin điện tử Chính phủ" in doc.pages[0].extract_text()
    assert pdf.text_pass(path)[0].text is None  # judged by body text, the stamp is none: OCR


def test_stamp_read_from_an_ocrd_scan_is_kept(tmp_path):
    path = stamped(first_page(NQ_115, tmp_path / "page1.pdf"), tmp_path / "stamped.pdf", STAMP)
    document = read(path, Settings(jobs=2))
    assert document.pages[0].ocr
    record = parse(document.text, document.words)
    assert record.source.signature.time == "2026-05-12T09:41:27+07:00"
    assert record.source.signature.organisation == "Văn phòng Chính phủ"
    assert record.ref == "445/NQ-CP" and "number" in record.needs_review
