"""ingest.readers on real files: text, text-layer PDFs, scans, and files that cannot be read."""
from __future__ import annotations

import hashlib
import os
import signal
import unicodedata
from pathlib import Path

import pytest

from archive.errors import IngestError
from archive.settings import Settings
from ingest import pdf
from ingest.documents import record_of
from ingest.ocr import Word, layout_text
from ingest.readers import Document, Page, read, read_many, walk
from paths import CONGBAO, SAMPLES, VBPL
from procs import children_left, descendants

CORPUS = CONGBAO
TEXT_PDF = SAMPLES / "corpus" / "thong-tu-so-20-2023-tt-bldtbxh-41198.pdf"
MIXED_PDF = SAMPLES / "corpus" / "quyet-dinh-so-109-qd-btc-468842.pdf"
SCAN_004 = SAMPLES / "scans" / "pages" / "004_0881eebd51305214"


@pytest.fixture
def settings(tmp_path):
    return Settings(archive_dir=tmp_path / "archive", jobs=2)


# --- text files -------------------------------------------------------------------------

def test_txt_with_bom_crlf_and_nfd_becomes_one_nfc_page(tmp_path, settings):
    text = "ỦY BAN NHÂN DÂN\r\nSố: 1196/UBND-VP\r\nQuận uỷ Hoàn Kiếm\r\n"
    path = tmp_path / "cv.txt"
    path.write_bytes(b"\xef\xbb\xbf" + unicodedata.normalize("NFD", text).encode("utf-8"))
    doc = read(path, settings)
    assert doc.media_type == "text/plain"
    assert doc.pages == (Page(1, "ỦY BAN NHÂN DÂN\nSố: 1196/UBND-VP\nQuận ủy Hoàn Kiếm\n", False, None),)
    assert unicodedata.is_normalized("NFC", doc.text)
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.ocr is False and doc.ocr_confidence is None


def test_markdown_seed(settings):
    seed = SAMPLES / "seeds" / "004_0881eebd51305214.txt"
    md = Path(settings.archive_dir.parent / "seed.md")
    md.write_bytes(seed.read_bytes())
    doc = read(md, settings)
    assert doc.media_type == "text/markdown"
    assert "Số: 1196/UBND-VP" in doc.text and "Phạm Tuấn Long" in doc.text


# --- PDFs -------------------------------------------------------------------------------

def test_text_layer_pdf_is_read_without_ocr(settings):
    doc = read(TEXT_PDF, settings)
    assert doc.media_type == "application/pdf"
    assert [p.number for p in doc.pages] == [1, 2, 3, 4]
    assert not doc.ocr and doc.ocr_confidence is None
    assert "20/2023/TT-BLĐTBXH" in doc.text
    assert "01/2023/TT-BLĐTBXH" in doc.text  # the document it cites
    assert doc.text == "\n\n".join(p.text for p in doc.pages)


def _ocr_pages(path: Path) -> list[int]:
    return [p.number for p in pdf.text_pass(path) if p.text is None]


def test_scanned_pages_are_found_by_body_text_not_by_any_text():
    # Every page of the mixed decree carries the Công báo running header in its text layer;
    # page 2 also has the signature block as text, but its body is a scan.
    pages = pdf.text_pass(MIXED_PDF)
    assert all(p.text is None for p in pages)
    assert pages[1].body_chars > 0 and pages[1].body_chars < pdf.MIN_BODY_CHARS


@pytest.mark.parametrize("name, expected", [
    ("nghi-quyet-so-99-nq-cp-469343.pdf", [1, 2, 3, 4]),
    ("nghi-quyet-so-115-nq-cp-469452.pdf", [1, 2]),
    ("quyet-dinh-so-109-qd-btc-468842.pdf", [1, 2, 3, 4, 5]),
    ("thong-bao-so-02-2023-tb-lpqt-39022.pdf", list(range(1, 18))),
    ("thong-tu-so-58-2021-tt-bqp-33814.pdf", list(range(1, 27))),
    # Text PDFs whose last page is short (84 and 89 body characters) or blank.
    ("nghi-quyet-so-141-nq-cp-469678.pdf", []),
    ("thong-tu-so-40-2026-tt-btc-469311.pdf", []),
    ("quyet-dinh-so-1373-qd-bkhdt-37639.pdf", []),
])
def test_which_corpus_pages_need_ocr(name, expected):
    assert _ocr_pages(CORPUS / name) == expected


# --- walking folders ----------------------------------------------------------------------

def test_walk_expands_folders_sorted_and_keeps_explicit_files(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("b/2.pdf", "b/1.TIFF", "a.txt", "notes.docx", ".secret.txt", ".hidden/x.png", "c.md"):
        (tmp_path / name).write_text("x")
    explicit = tmp_path / "notes.docx"
    assert walk([tmp_path, explicit]) == [
        tmp_path / "a.txt", tmp_path / "b" / "1.TIFF", tmp_path / "b" / "2.pdf", tmp_path / "c.md", explicit,
    ]


# --- files that cannot be read -----------------------------------------------------------

def _encrypted_pdf(path: Path) -> Path:
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="mật-khẩu", owner_password="chủ", algorithm="RC4-128")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


BAD = {
    "empty.pdf": (b"", "empty file"),
    "corrupt.pdf": (b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nthis is not a pdf", "corrupt PDF"),
    "noise.png": (bytes(range(256)) * 16, "not a readable image"),
    "cp1258.txt": (b"C\xf4ng v\xe3n s\xf4\xec 1",  # Windows-1258
                   "not UTF-8 text (byte 0x"),
    "letter.docx": (b"PK\x03\x04", "unsupported file type '.docx'"),
    "truncated.png": (None, "not a readable image"),
}


def _bad_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    data = BAD[name][0]
    if data is None:  # the first 5 kB of a real scan
        data = (SCAN_004.parent / f"{SCAN_004.name}-p1.png").read_bytes()[:5000]
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_raises_ingest_error_naming_it(tmp_path, settings, name):
    path = _bad_file(tmp_path, name)
    with pytest.raises(IngestError) as info:
        read(path, settings)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert BAD[name][1] in message


def test_non_utf8_text_says_where(tmp_path, settings):
    path = tmp_path / "cp1258.txt"
    path.write_bytes(b"Cong van\xe9")
    with pytest.raises(IngestError, match=r"not UTF-8 text \(byte 0xe9 at offset 8\)"):
        read(path, settings)


def test_encrypted_pdf(tmp_path, settings):
    path = _encrypted_pdf(tmp_path / "locked.pdf")
    with pytest.raises(IngestError, match="locked.pdf: encrypted PDF"):
        read(path, settings)


def test_missing_file_and_folder(tmp_path, settings):
    with pytest.raises(IngestError, match="no such file"):
        read(tmp_path / "nowhere.pdf", settings)
    (tmp_path / "dir.pdf").mkdir()
    with pytest.raises(IngestError, match="folder"):
        read(tmp_path / "dir.pdf", settings)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path, settings):
    path = tmp_path / "secret.txt"
    path.write_text("x")
    path.chmod(0)
    with pytest.raises(IngestError, match="permission denied"):
        read(path, settings)


def test_read_many_goes_on_past_bad_files_in_input_order(tmp_path, settings):
    good = tmp_path / "good.txt"
    good.write_text("Số: 1196/UBND-VP", encoding="utf-8")
    paths = [_bad_file(tmp_path, "empty.pdf"), good, _bad_file(tmp_path, "corrupt.pdf"),
             _encrypted_pdf(tmp_path / "locked.pdf"), TEXT_PDF, _bad_file(tmp_path, "noise.png"),
             _bad_file(tmp_path, "cp1258.txt")]
    seen = []
    results = list(read_many(paths, settings, progress=lambda done, total: seen.append((done, total))))
    assert [type(r) for r in results] == [IngestError, Document, IngestError, IngestError, Document,
                                         IngestError, IngestError]
    assert [str(r.path) for r in results] == [str(p) for p in paths]
    assert results[1].text == "Số: 1196/UBND-VP"
    # Pages of the files that passed the checks, and one per text file (a text file is
    # read when its turn comes, not before, so the bad one is counted, and done, too).
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)


# --- parsing in the reader workers -------------------------------------------------------------

def _vbpl_batch(tmp_path: Path) -> list[Path]:
    """Real texts, with a file that is no UTF-8 among them."""
    texts = sorted((VBPL / "text").glob("*.txt"))[:9]
    return texts[:4] + [_bad_file(tmp_path, "cp1258.txt")] + texts[4:]


def _workers() -> list[int]:
    return [pid for pid, cmd in descendants(os.getpid()).items() if "spawn_main" in cmd]


def test_a_large_batch_is_parsed_in_the_workers_as_it_would_be_here(tmp_path):
    paths = _vbpl_batch(tmp_path)
    settings = Settings(archive_dir=tmp_path / "archive", jobs=2, pool_min_docs=4, read_ahead=3)
    pooled: list[int] = []
    results = list(read_many(paths, settings, with_record=True,
                             progress=lambda done, total: pooled.extend(_workers())))
    assert pooled, "no reader worker ran"
    assert [type(r) for r in results] == [Document] * 4 + [IngestError] + [Document] * 5
    assert [str(r.path) for r in results] == [str(p) for p in paths]  # in input order
    assert "not UTF-8" in str(results[4])
    for path, result in zip(paths, results):
        if isinstance(result, Document):
            here = read(path, settings, with_record=True)  # one file: parsed in this process
            assert result == here and result.record == record_of(here, settings)
            assert result.record is not None and result.record.source.sha256 == result.sha256


def test_a_reader_killed_while_parsing_costs_no_file(tmp_path):
    paths = _vbpl_batch(tmp_path)
    settings = Settings(archive_dir=tmp_path / "archive", jobs=2, pool_min_docs=4)
    killed: list[int] = []

    def kill_a_worker_once(done: int, total: int) -> None:
        workers = _workers()
        if not killed and workers:
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])

    results = list(read_many(paths, settings, with_record=True, progress=kill_a_worker_once))
    assert killed
    assert [r.record is not None for r in results if isinstance(r, Document)] == [True] * 9
    assert [type(r) for r in results].count(IngestError) == 1


def test_a_pool_broken_while_it_starts_leaves_no_process_behind(tmp_path):
    """A worker killed while the pool is still starting: before the pool started all its
    workers at once, about one run in four left a worker that the interpreter then waited
    for at exit (CI hung after the last test)."""
    paths = sorted((VBPL / "text").glob("*.txt"))[:10]
    for run in range(8):
        settings = Settings(archive_dir=tmp_path / f"archive{run}", jobs=2, pool_min_docs=4)
        killed: list[int] = []

        def kill_the_first_worker(done: int, total: int, killed: list[int] = killed) -> None:
            if not killed and (workers := _workers()):
                os.kill(workers[0], signal.SIGKILL)
                killed.append(workers[0])

        results = list(read_many(paths, settings, with_record=True,
                                 progress=kill_the_first_worker))
        assert killed and all(isinstance(r, Document) for r in results)
        assert not (left := children_left()), f"run {run}: {left} still running"


# --- rebuilding lines from word boxes (no Tesseract) -----------------------------------------

def _words(rows: list[tuple[int, list[tuple[int, str]]]]) -> list[Word]:
    """Words 50 px high and 20 px per character, one Tesseract line per row."""
    words = []
    for line, (top, items) in enumerate(rows):
        for left, text in items:
            for word in text.split():
                words.append(Word((1, 1, line), left, top, left + 20 * len(word), top + 50, 95.0, word))
                left += 20 * len(word) + 15
    return words


def test_two_column_header_is_written_column_by_column():
    words = _words([
        (100, [(300, "ỦY BAN NHÂN DÂN"), (1250, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")]),
        (170, [(310, "QUẬN HOÀN KIẾM"), (1350, "Độc lập - Tự do - Hạnh phúc")]),
        (280, [(320, "Số: 1196/UBND-VP"), (1300, "Hoàn Kiếm, ngày 11 tháng 8 năm 2021")]),
        (350, [(280, "V/v chấn chỉnh trong điều hành")]),
        (520, [(600, "Kính gửi:")]),  # after a blank: not part of the header
        (590, [(350, "Thực hiện Chỉ thị số 17/CT-UBND ngày 23/7/2021 và Công điện số 18/CD-UBND")]),
    ])
    assert layout_text(words).splitlines() == [
        "ỦY BAN NHÂN DÂN", "QUẬN HOÀN KIẾM", "Số: 1196/UBND-VP", "V/v chấn chỉnh trong điều hành", "",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Hoàn Kiếm, ngày 11 tháng 8 năm 2021", "",
        "Kính gửi:",
        "Thực hiện Chỉ thị số 17/CT-UBND ngày 23/7/2021 và Công điện số 18/CD-UBND",
    ]


def test_a_gap_with_a_word_of_another_line_in_it_is_not_a_column_gap():
    words = _words([(100, [(300, "ban, đơn vị cần sẵn"), (1200, "động nhân lực tham gia")])])
    words.append(Word((1, 1, 9), 800, 110, 900, 150, 90.0, "sàng"))  # filed under another line
    assert layout_text(words).splitlines()[0] == "ban, đơn vị cần sẵn động nhân lực tham gia"


# --- scans ----------------------------------------------------------------------------------

@pytest.mark.ocr
def test_multi_page_tiff(tmp_path, settings):
    from PIL import Image

    frames = [Image.open(f"{SCAN_004}-p{n}.png") for n in (1, 3)]
    tiff = tmp_path / "scan.tiff"
    frames[0].save(tiff, save_all=True, append_images=frames[1:], compression="group4", dpi=(300, 300))
    doc = read(tiff, settings)
    assert doc.media_type == "image/tiff"
    assert [(p.number, p.ocr) for p in doc.pages] == [(1, True), (2, True)]
    assert "1196/UBND-VP" in doc.pages[0].text
    assert "Phạm Tuấn Long" in doc.pages[1].text.splitlines()
    assert 80 < doc.ocr_confidence <= 100
