"""The `vanthu` command line, end to end on a real archive and index in tmp_path."""
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from paths import SAMPLES, seed_paths
from vanthu.cli import cli

SEEDS = seed_paths()
DATA = Path(__file__).parent / "data"


def run(*args, archive=None, ok=True):
    runner = CliRunner()
    argv = (["--archive", str(archive)] if archive else []) + [str(a) for a in args]
    result = runner.invoke(cli, argv, catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def seeds_archive(tmp_path):
    archive = tmp_path / "archive"
    run("ingest", "--no-progress", *SEEDS, archive=archive)
    return archive


def seed(name):
    return next(path for path in SEEDS if path.name.startswith(name))


def show(archive, key):
    return json.loads(run("show", key, "--json", archive=archive).stdout)


def test_ingest_is_idempotent(seeds_archive):
    again = run("ingest", "--no-progress", "--json", *SEEDS, archive=seeds_archive)
    outcomes = json.loads(again.stdout)
    assert len(outcomes) == 5
    assert not any(o["created"] for o in outcomes)
    assert len({o["id"] for o in outcomes}) == 5


def test_show_by_number_and_by_id(seeds_archive):
    record = show(seeds_archive, "1196/UBND-VP")
    assert record["issuer"] == "Ủy ban nhân dân quận Hoàn Kiếm"
    assert record["date"] == "2021-08-11"
    assert record["source"]["filename"] == seed("004").name
    assert show(seeds_archive, record["id"]) == record
    # Typed with spaces and an en dash, as people do.
    assert show(seeds_archive, "1196 / UBND–VP")["id"] == record["id"]


def test_parse_prints_without_storing(tmp_path):
    archive = tmp_path / "archive"
    record = json.loads(run("parse", seed("002"), "--json", archive=archive).stdout)
    assert record["id"] is None
    assert record["ref"] == "100-CV/ĐU"
    assert record["source"]["sha256"]
    result = run("show", "100-CV/ĐU", archive=archive, ok=False)
    assert result.exit_code != 0


@pytest.mark.parametrize("first, second", [("002", "synthetic"), ("synthetic", "002")])
def test_citation_is_linked_whichever_arrives_first(tmp_path, first, second):
    files = {"002": seed("002"), "synthetic": DATA / "synthetic-180-CV-QU.txt"}
    archive = tmp_path / "archive"
    run("ingest", "--no-progress", files[first], archive=archive)
    run("ingest", "--no-progress", files[second], archive=archive)
    citing = show(archive, "100-CV/ĐU")
    cited = show(archive, "180-CV/QU")
    link = next(c for c in citing["citations"] if c["ref"] == "180-CV/QU")
    assert link["target_id"] == cited["id"]
    assert link["relation"] == "thực hiện"
    assert [(c["id"], c["relation"]) for c in cited["cited_by"]] == [(citing["id"], "thực hiện")]


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_real_gazette_chain_is_linked_whichever_arrives_first(tmp_path, order):
    # 01/2025/TT-BLĐTBXH replaces 20/2023/TT-BLĐTBXH: two real text-layer PDFs.
    corpus = SAMPLES / "corpus"
    files = [corpus / "thong-tu-so-01-2025-tt-bldtbxh-43956.pdf",
             corpus / "thong-tu-so-20-2023-tt-bldtbxh-41198.pdf"]
    archive = tmp_path / "archive"
    for i in order:
        run("ingest", "--no-progress", files[i], archive=archive)
    newer, older = show(archive, "01/2025/TT-BLĐTBXH"), show(archive, "20/2023/TT-BLĐTBXH")
    link = next(c for c in newer["citations"] if c["ref"] == "20/2023/TT-BLĐTBXH")
    assert (link["target_id"], link["status"]) == (older["id"], "linked")
    assert newer["id"] in [c["id"] for c in older["cited_by"]]


def test_search_finds_by_ref_and_folded_words(seeds_archive):
    result = json.loads(run("search", "ref:1196/UBND-VP", "--json", archive=seeds_archive).stdout)
    assert [hit["ref"] for hit in result["hits"]] == ["1196/UBND-VP"]
    folded = json.loads(run("search", "chan chinh dieu hanh", "--json", archive=seeds_archive).stdout)
    assert "1196/UBND-VP" in [hit["ref"] for hit in folded["hits"]]


def test_reindex_rebuilds_from_the_archive(seeds_archive):
    shutil.rmtree(seeds_archive / "index")
    run("reindex", archive=seeds_archive)
    result = json.loads(run("search", "cites:835-CV/TU", "--json", archive=seeds_archive).stdout)
    assert [hit["ref"] for hit in result["hits"]] == ["1919-CV/QU"]


def test_malformed_query_is_a_message_not_a_traceback(seeds_archive):
    result = run("search", 'issuer:"quận ủy', archive=seeds_archive, ok=False)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "query" in result.output.lower()


def test_archive_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("VANTHU_ARCHIVE", str(tmp_path / "env-archive"))
    run("ingest", "--no-progress", seed("004"))
    assert (tmp_path / "env-archive" / "catalog.sqlite3").exists()


def _encrypted_pdf(path: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="mật-khẩu", owner_password="chủ")
    with path.open("wb") as handle:
        writer.write(handle)


def test_bad_files_are_reported_and_the_rest_of_the_batch_is_stored(tmp_path):
    box = tmp_path / "box"
    box.mkdir()
    (box / "empty.pdf").write_bytes(b"")
    (box / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nthis is not a pdf")
    _encrypted_pdf(box / "locked.pdf")
    (box / "noise.png").write_bytes(bytes(range(256)) * 16)
    (box / "latin1.txt").write_bytes(b"C\xf4ng v\xe3n s\xf4\xec 1")  # Windows-1258
    shutil.copy(seed("004"), box / "good.txt")
    archive = tmp_path / "archive"
    run("ingest", "--no-progress", seed("000"), archive=archive)
    before = sorted(p.relative_to(archive) for p in (archive / "originals").rglob("*"))

    result = run("ingest", "--no-progress", box, archive=archive, ok=False)

    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 5, result.stderr
    for name in ["empty.pdf", "corrupt.pdf", "locked.pdf", "noise.png", "latin1.txt"]:
        assert sum(name in line for line in errors) == 1, (name, errors)
    assert "Traceback" not in result.output
    after = sorted(p.relative_to(archive) for p in (archive / "originals").rglob("*"))
    added = [p for p in after if p not in before and (archive / p).is_file()]
    assert set(before) <= set(after)
    assert len(added) == 1  # good.txt's original, nothing of the bad files
    assert show(archive, "1196/UBND-VP")["source"]["filename"] == "good.txt"
    assert show(archive, "1919-CV/QU")["ref"] == "1919-CV/QU"


@pytest.mark.ocr
def test_parse_of_a_scan_reports_ocr_and_page_confidence(tmp_path):
    page = SAMPLES / "scans" / "pages" / "002_78fb6ff3a99b7859-p2.png"
    record = json.loads(run("parse", page, "--json", archive=tmp_path / "a").stdout)
    source = record["source"]
    assert source["ocr"] is True and source["pages"] == 1
    assert len(source["page_confidence"]) == 1
    assert 50 < source["page_confidence"][0] <= 100
    assert source["ocr_confidence"] == source["page_confidence"][0]
    assert "Đặng Công Chúng" in record["text"]


def test_corrections_win_survive_reparse_and_reach_the_index(seeds_archive):
    key = show(seeds_archive, "1919-CV/QU")["id"]
    run("correct", key, "signer=Nguyễn Quốc Khánh Thử", "recipients=[\"Văn phòng\"]", "--by", "lan",
        archive=seeds_archive)
    run("reparse", "--all", archive=seeds_archive)
    record = show(seeds_archive, key)
    assert record["signer"] == "Nguyễn Quốc Khánh Thử"
    assert record["recipients"] == ["Văn phòng"]
    assert sorted(record["corrected"]) == ["recipients", "signer"]
    found = json.loads(run("search", 'signer:"khanh thu"', "--json", archive=seeds_archive).stdout)
    assert [hit["id"] for hit in found["hits"]] == [key]


@pytest.mark.parametrize("change", ["date=2022-13-01", "nofield=1", "ref"])
def test_bad_corrections_are_refused(seeds_archive, change):
    key = show(seeds_archive, "1196/UBND-VP")["id"]
    result = run("correct", key, change, "--by", "lan", archive=seeds_archive, ok=False)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert show(seeds_archive, key)["corrected"] == []
