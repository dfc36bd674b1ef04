"""Hostile and odd input through the real `vanthu ingest` into a real archive (issue 10).

Every case is one file (or path) put in a batch *before* a good document. Each must end in
one of two ways:

* refused: one ``error:`` line on stderr, one line long, naming the file, with the reason;
  nothing of it stored;
* valid (an odd name, UTF-16 with its byte-order mark, ``<script>`` in the text): stored
  as text, and ``<script>`` escaped where search shows it as HTML.

Either way the good document after it is stored (the batch goes on), and the documents
already in the archive are untouched (their records, originals and page texts).
"""
from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import hostile_files as hf
from archive.errors import IngestError, printable
from archive.settings import Settings
from paths import seed_paths
from vanthu.cli import cli

SEEDS = seed_paths()
# A smaller memory limit per reader than the default, so that the bomb that must exceed it
# is inflated in seconds; still room for Tesseract on a 300 dpi page.
WORKER_MEMORY = 1 << 30
SETTINGS = Settings(worker_memory_bytes=WORKER_MEMORY)
SEED_TEXT = SEEDS[2].read_text(encoding="utf-8")  # 100-CV/ĐU


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], Path | str]  # writes the input into the folder, returns what to ingest
    error: str | None  # part of the one-line reason; None: the input is valid and stored


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name.encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")
        path.write_bytes(data)
        return path
    return make


def _named(name: str, text: str | None = None) -> Callable[[Path], Path]:
    """A valid directive under an odd name (its text names it too, so each is new)."""
    return _write(name, (text or f"{SEED_TEXT}\nBản lưu tên {name!r}.\n").encode("utf-8"))


def _copy(source: Path, name: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        return Path(shutil.copy(source, folder / name))
    return make


def _prefix(source: Path, name: str, size: int) -> Callable[[Path], Path]:
    return lambda folder: _write(name, source.read_bytes()[:size])(folder)


PNG = hf.SCAN_PAGE.read_bytes()
PDF = hf.TEXT_PDF.read_bytes()
VIETNAMESE = "Số: 1196/UBND-VP\nV/v chấn chỉnh trong công tác điều hành phòng chống dịch\n"
CASES = [
    # -- text ---------------------------------------------------------------------------
    Case("empty-text", _write("empty.txt", b""), "empty file"),
    Case("nul-bytes", _write("nul.txt", b"\x00" * 4096), "not text (control character 0x00 at character 0)"),
    Case("utf16-bom", _write("utf16.txt", VIETNAMESE.encode("utf-16")), None),
    Case("utf16-no-bom", _write("utf16le.txt", VIETNAMESE.encode("utf-16-le")), "UTF-16 without a byte-order mark"),
    Case("utf16-odd-length", _write("utf16-cut.txt", VIETNAMESE.encode("utf-16")[:-1]), "not valid UTF-16 text"),
    Case("cp1258", _write("cp1258.txt", b"C\xf4ng v\xe3n s\xf4\xec 1"), "not UTF-8 text (byte 0xf4 at offset 1)"),
    Case("utf8-cut-mid-letter", _write("cut.txt", "Số: 1/ĐU".encode()[:-2]), "not UTF-8 text"),
    Case("terminal-escape", _write("escape.txt", b"So: 1/UBND\n\x1b[2J\x1b]0;owned\x07"), "control character 0x1b"),
    Case("only-whitespace", _write("blank.txt", b"\xef\xbb\xbf \n\t\r\n"), "no text in it"),
    Case("too-long-text", _write("long.txt", b"a" * (SETTINGS.max_text_bytes + 1)), "file too large"),
    Case("script-in-text", _named("script.txt", SEED_TEXT + '\n<script>alert("vanthu")</script>\n'), None),
    Case("png-named-txt", _write("scan.txt", PNG), "the file is a PNG image, not text"),
    Case("pdf-named-md", _write("gazette.md", PDF), "the file is a PDF, not text"),
    Case("docx-named-txt", _write("letter.txt", b"PK\x03\x04" + b"\x00" * 100), "the file is a ZIP archive"),
    # -- PDF ----------------------------------------------------------------------------
    Case("empty-pdf", _write("empty.pdf", b""), "empty file"),
    Case("corrupt-pdf", _write("corrupt.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nnot a pdf"), "corrupt PDF"),
    Case("truncated-pdf", _prefix(hf.TEXT_PDF, "truncated.pdf", 2000), "corrupt PDF"),
    Case("no-pages-pdf", _write("nopages.pdf", hf.raw_pdf(b"<< /Type /Catalog /Pages 2 0 R >>",
                                                         b"<< /Type /Pages /Kids [] /Count 0 >>")),
         "corrupt PDF"),
    Case("encrypted-pdf", lambda d: hf.encrypted_pdf(d, "locked.pdf", "mật-khẩu"), "encrypted PDF"),
    Case("encrypted-no-password", lambda d: hf.encrypted_pdf(d, "rights.pdf", ""), None),
    Case("huge-page-pdf", hf.huge_page_pdf, "page 1 is too large to OCR (200 × 200 in at 300 dpi"),
    Case("content-bomb-pdf", lambda d: _made(d, "content-bomb.pdf", _content_bomb),
         "needs more memory than a reader may use"),
    Case("scan-bomb-pdf", lambda d: _made(d, "scan-bomb.pdf", hf.image_bomb_pdf),
         "too large to OCR (a scan of 60,000 × 60,000 pixels"),
    Case("too-many-pages-pdf", lambda d: hf.many_pages_pdf(d, SETTINGS.max_pages + 1),
         f"PDF has {SETTINGS.max_pages + 1:,} pages; the limit is {SETTINGS.max_pages:,}"),
    Case("png-named-pdf", _write("scan.pdf", PNG), "the file is a PNG image, not a PDF"),
    Case("docx-named-pdf", _write("letter.pdf", b"PK\x03\x04" + b"\x00" * 100), "the file is a ZIP archive"),
    # -- images -------------------------------------------------------------------------
    Case("empty-png", _write("empty.png", b""), "empty file"),
    Case("noise-png", _write("noise.png", bytes(range(256)) * 16), "not a readable image"),
    Case("truncated-png", _prefix(hf.SCAN_PAGE, "truncated.png", 5000), "not a readable image"),
    Case("png-bomb-over-our-limit", lambda d: hf.png_header_bomb(d, 12_000), "image too large to OCR"),
    Case("png-bomb-over-pillow-limit", lambda d: hf.png_header_bomb(d, 100_000), "image too large to OCR"),
    Case("png-text-chunk-bomb", hf.png_text_bomb, "not a readable image"),
    Case("tiff-bomb", hf.tiff_header_bomb, "image too large to OCR"),
    Case("too-many-frames-tiff", lambda d: hf.many_frames_tiff(d, SETTINGS.max_pages + 1),
         f"image has {SETTINGS.max_pages + 1:,} pages"),
    Case("pdf-named-png", _write("gazette.png", PDF), "the file is a PDF, not a PNG, JPEG or TIFF image"),
    Case("gif-named-png", _write("anim.png", b"GIF89a" + b"\x00" * 64), "the file is a GIF image, not a PNG"),
    Case("jpeg-named-png", lambda d: hf.jpeg_scan(d, "photo.png"), None),
    # -- paths and names ----------------------------------------------------------------
    Case("missing-file", lambda d: d / "missing.pdf", "no such file or folder"),
    Case("missing-folder", lambda d: d / "no-such-folder", "no such file or folder"),
    Case("dangling-link", lambda d: hf.link(d, "gone.txt", d / "nowhere.txt"), "no such file or folder"),
    Case("fifo", lambda d: hf.fifo(d, "pipe.txt"), "not a regular file: a pipe (FIFO)"),
    Case("dev-zero", lambda d: "/dev/zero", "not a regular file: a character device"),
    Case("link-to-dev-zero", lambda d: hf.link(d, "zero.pdf", "/dev/zero"), "not a regular file: a character device"),
    Case("no-extension", _named("README"), "unsupported file type '(no extension)'"),
    Case("spaces-and-vietnamese-name", _named("công văn  số 1 .txt"), None),
    Case("newline-in-name", _named("line\nbreak.txt"), None),
    Case("longest-name", _named("văn" * 62 + "abc.txt"), None),  # 62 × 4 + 7 = 255 bytes
    Case("non-utf8-name", _named("c\udcf4ng-v\udce3n.txt"), None),  # CP1258 bytes in the name
    # Given as a relative name after "--": it must not reach tesseract as an option.
    Case("leading-dash-scan", lambda d: hf.jpeg_scan(d, "-l eng.jpg", quality=80).name, None),
]


_MADE: dict[str, bytes] = {}


def _made(folder: Path, name: str, make: Callable[[], bytes]) -> Path:
    """A file whose content takes seconds to make, made once per run."""
    if name not in _MADE:
        _MADE[name] = make()
    path = folder / name
    path.write_bytes(_MADE[name])
    return path


def _content_bomb() -> bytes:
    return hf.content_bomb_pdf(SETTINGS.worker_memory_bytes // (1 << 30) + 1)  # over the limit


def _run(archive: Path, *args: str | Path) -> tuple[int, list[dict], list[str]]:
    result = CliRunner().invoke(cli, ["--archive", str(archive), "ingest", "--no-progress", "--json", "--",
                                      *map(str, args)], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout), result.stderr.splitlines()


def _snapshot(archive: Path) -> dict[str, str]:
    """Every file of the archive but the catalog and the index, by content."""
    return {str(p.relative_to(archive)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(archive.rglob("*")) if p.is_file()
            and p.relative_to(archive).parts[0] in ("originals", "docs")}


@pytest.fixture(autouse=True)
def worker_memory(monkeypatch):
    monkeypatch.setenv("VANTHU_WORKER_MEMORY_BYTES", str(WORKER_MEMORY))


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    archive = tmp_path_factory.mktemp("hostile") / "archive"
    code, outcomes, _ = _run(archive, SEEDS[0], SEEDS[4])
    assert code == 0 and all(o["created"] for o in outcomes)
    return archive


def test_the_table_has_forty_cases():
    assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(archive, tmp_path, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    target = case.make(tmp_path)
    good = tmp_path / "good.txt"
    good.write_text(f"{SEED_TEXT}\nBản sao kèm trường hợp {case.id}.\n", encoding="utf-8")
    before = _snapshot(archive)

    code, outcomes, stderr = _run(archive, target, good)

    first, last = outcomes[0], outcomes[-1]
    assert len(outcomes) == 2, outcomes
    assert last["created"] and last["error"] is None, last  # the batch went on
    shown = printable(target)
    assert first["file"] == shown
    if case.error is None:
        assert code == 0, stderr
        assert first["error"] is None and first["id"], first
        assert stderr == []
    else:
        assert code == 1
        assert first["id"] is None and first["error"].startswith(f"{shown}: "), first
        assert case.error in first["error"], first["error"]
        assert "\n" not in first["error"]
        assert [line for line in stderr if line.startswith("error:")] == [f"error: {first['error']}"]
    added = {first["id"], last["id"]} - {None}
    after = _snapshot(archive)
    # Nothing of the other documents changed; what was added belongs to the new documents only.
    assert {k: v for k, v in after.items() if k in before} == before
    assert {k for k in after if k not in before} == _files_of(archive, added)
    assert not list(archive.glob("**/.tmp-*"))


def _files_of(archive: Path, ids: set[str]) -> set[str]:
    files = set()
    for doc_id in ids:
        folder = archive / "docs" / doc_id
        files |= {str(p.relative_to(archive)) for p in folder.rglob("*") if p.is_file()}
        files |= {str(p.relative_to(archive)) for p in (archive / "originals").rglob(f"{doc_id}*")}
    return files


def test_valid_odd_inputs_keep_their_name_and_text(archive, tmp_path):
    newline = _named("line\nbreak.txt", SEED_TEXT + "\nTên có xuống dòng.\n")(tmp_path)
    odd = _named("c\udcf4ng-v\udce3n.txt", SEED_TEXT + "\nTên tệp CP1258.\n")(tmp_path)
    script = _named("script.txt", SEED_TEXT + '\n<script>alert("vanthu-xss")</script>\n')(tmp_path)
    code, outcomes, stderr = _run(archive, newline, odd, script)
    assert code == 0, stderr
    runner = CliRunner()
    shown = [json.loads(runner.invoke(cli, ["--archive", str(archive), "show", o["id"], "--json"]).stdout)
             for o in outcomes]
    assert [r["source"]["filename"] for r in shown] == ["line\\nbreak.txt", "c\\xf4ng-v\\xe3n.txt", "script.txt"]
    assert '<script>alert("vanthu-xss")</script>' in shown[2]["text"]  # stored as text, unchanged
    found = json.loads(runner.invoke(cli, ["--archive", str(archive), "search", "vanthu-xss", "--json"]).stdout)
    html = " ".join(h for hit in found["hits"] for h in hit["highlights"])
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_one_batch_of_every_case_reports_each_once(archive, tmp_path):
    targets = []
    for case in CASES:
        folder = tmp_path / case.id
        folder.mkdir()
        targets.append(folder / case.make(folder))  # a relative name is in its folder
    code, outcomes, stderr = _run(archive, *targets)
    assert code == 1
    refused = [c for c in CASES if c.error]
    errors = [line for line in stderr if line.startswith("error:")]
    assert len(errors) == len(refused)
    by_file = {outcome["file"]: outcome for outcome in outcomes}
    assert len(by_file) == len(outcomes) == len(CASES)
    for case, target in zip(CASES, targets):
        outcome = by_file[printable(target)]
        if case.error:
            assert case.error in outcome["error"], (case.id, outcome)
        else:
            assert outcome["id"], (case.id, outcome)


def test_a_folder_with_a_symlink_loop_is_walked_once(archive, tmp_path):
    box = tmp_path / "box"
    box.mkdir()
    (box / "loop").symlink_to(box)
    _named("inside.txt", SEED_TEXT + "\nTrong thư mục có vòng liên kết.\n")(box)
    code, outcomes, stderr = _run(archive, box)
    assert code == 0, stderr
    assert [Path(o["file"]).name for o in outcomes] == ["inside.txt"]


def test_tesseract_errors_are_reported_as_such(tmp_path):
    from ingest.readers import read

    with pytest.raises(IngestError) as info:  # no such language: Tesseract itself fails
        read(hf.SCAN_PAGE, Settings(archive_dir=tmp_path, ocr_lang="xyz", jobs=1))
    message = str(info.value)
    assert "Tesseract failed on page 1 (status 1:" in message and "xyz" in message, message
    assert "\n" not in message and "took over" not in message


def test_a_page_over_the_ocr_timeout_says_so(archive, tmp_path, monkeypatch):
    monkeypatch.setenv("VANTHU_OCR_TIMEOUT", "0.2")
    scan = hf.jpeg_scan(tmp_path, "slow.jpg", quality=70)
    code, outcomes, stderr = _run(archive, scan)
    assert code == 1
    assert "OCR of page 1 took over 0.2 s" in outcomes[0]["error"], outcomes
