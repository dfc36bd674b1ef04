"""The archive on a real SQLite catalog in tmp_path; records are built by hand (no parser)."""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import sqlite3
from pathlib import Path
from typing import Iterator, Sequence

import pytest

from archive.errors import NotFoundError, StorageError, VanthuError
from archive.record import Citation, Copy, Record, Source
from archive.settings import Settings
from archive.store import Archive

# -- the seed chain (shared/seeds), as a parser would give it -----------------------

DU_100 = Record(  # seed 002: Đảng ủy phường Hòa Minh carries out 180-CV/QU
    ref="100-CV/ĐU", number="100", symbol="CV/ĐU", doc_type="CV", doc_type_name="Công văn",
    issuer="Đảng ủy phường Hòa Minh", place="Hòa Minh", date="2021-07-19",
    subject="Khẩn trương thực hiện công tác phòng, chống dịch COVID-19",
    citations=(Citation(ref="180-CV/QU", number="180", symbol="CV/QU", doc_type="CV",
                        issuer="Quận ủy Liên Chiêu", date="2021-07-16", relation="thực hiện"),),
    text="Số 100- CV/ĐU ... Thực hiện Công văn số 180-CV/QU ngày 16/7/2021 ...",
)
QU_180 = Record(
    ref="180-CV/QU", number="180", symbol="CV/QU", doc_type="CV", issuer="Quận ủy Liên Chiểu",
    parent_issuer="Thành ủy Đà Nẵng", place="Liên Chiểu", date="2021-07-16",
    text="Số 180-CV/QU ...",
)
UBND_1196 = Record(  # seed 004
    ref="1196/UBND-VP", number="1196", symbol="UBND-VP", doc_type="CV",
    issuer="Ủy ban nhân dân quận Hoàn Kiếm", parent_issuer="Ủy ban nhân dân thành phố Hà Nội",
    place="Hoàn Kiếm", date="2021-08-11",
    citations=(
        Citation(ref="17/CT-UBND", number="17", symbol="CT-UBND", doc_type="CT",
                 date="2021-07-23", issuer="Chủ tịch UBND thành phố Hà Nội",
                 relation="thực hiện"),
        Citation(ref="18/CD-UBND", number="18", symbol="CĐ-UBND", doc_type="CĐ",
                 date="2021-08-06", issuer="Chủ tịch UBND thành phố Hà Nội",
                 relation="thực hiện", printed="18/CD-UBND"),
        Citation(number="17", doc_type="CT", relation="theo"),  # later "Chỉ thị 17"
    ),
)
CT_17 = Record(ref="17/CT-UBND", number="17", symbol="CT-UBND", doc_type="CT",
               issuer="Ủy ban nhân dân thành phố Hà Nội", place="Hà Nội", date="2021-07-23")
CD_18 = Record(ref="18/CĐ-UBND", number="18", symbol="CĐ-UBND", doc_type="CĐ",
               issuer="Ủy ban nhân dân thành phố Hà Nội", place="Hà Nội", date="2021-08-06")
DIEN_TU = Record(  # seed 003: an Điện of Thành ủy Hà Nội, copied by Quận ủy Hà Đông
    doc_type_name="Điện", issuer="Thành ủy Hà Nội", place="Hà Nội", date="2022-01-17",
    copies=(Copy(ref="49-BS/QU", number="49", symbol="BS/QU", doc_type="BS", kind="sao lục",
                 issuer="Quận ủy Hà Đông", place="Hà Đông", date="2022-01-20"),),
)


def raw(record: Record) -> bytes:
    """Stand-in original bytes: distinct per record."""
    return ("%PDF-1.4\n" + json.dumps(record.to_dict(), ensure_ascii=False)).encode()


def put(archive: Archive, record: Record, pages: Sequence[str] = ("trang 1", "trang 2"),
        original: bytes | None = None) -> str:
    result = archive.store(record, original or raw(record), pages, "van-ban.pdf")
    assert result.created
    return result.id


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(Settings(archive_dir=tmp_path / "data")) as arc:
        yield arc


# -- storing ------------------------------------------------------------------------

def test_store_lays_out_files(archive: Archive) -> None:
    original = raw(DU_100)
    sha = hashlib.sha256(original).hexdigest()
    result = archive.store(DU_100, original, ["trang một", "trang hai"], "cv100.PDF")
    assert result.id == sha[:16] and result.created
    root = archive.root
    assert (root / "originals" / sha[:2] / f"{sha}.pdf").read_bytes() == original
    assert archive.original_path(result.id) == root / "originals" / sha[:2] / f"{sha}.pdf"
    doc = root / "docs" / result.id
    assert (doc / "pages" / "0001.txt").read_text(encoding="utf-8") == "trang một"
    assert (doc / "pages" / "0002.txt").read_text(encoding="utf-8") == "trang hai"
    stored = json.loads((doc / "record.json").read_text(encoding="utf-8"))
    assert stored["ref"] == "100-CV/ĐU" and stored["source"]["sha256"] == sha
    assert stored["source"]["pages"] == 2 and stored["source"]["filename"] == "cv100.PDF"
    assert stored["citations"][0]["status"] is None  # as parsed, no resolver output
    assert archive.pages(result.id) == ["trang một", "trang hai"]
    mode = sqlite3.connect(root / "catalog.sqlite3").execute("PRAGMA journal_mode").fetchone()
    assert mode[0] == "wal"


def test_store_is_idempotent_by_content(archive: Archive, tmp_path: Path) -> None:
    first = archive.store(DU_100, raw(DU_100), ["a"], "a.pdf")
    path = tmp_path / "same.pdf"
    path.write_bytes(raw(DU_100))
    again = archive.store(DU_100.replace(subject="khác"), path, ["b"], "same.pdf")
    assert again.id == first.id and not again.created
    assert archive.count() == 1 and archive.ids() == [first.id]
    assert archive.pages(first.id) == ["a"]


def test_store_keeps_source_and_checks_its_sha(archive: Archive) -> None:
    original = b"scan"
    rec = DU_100.replace(source=Source(ocr=True, ocr_confidence=91.5, pages=1))
    doc_id = archive.store(rec, original, ["x"], "scan.png").id
    src = archive.get(doc_id).source
    assert src is not None and src.ocr and src.ocr_confidence == 91.5
    assert src.sha256 == hashlib.sha256(original).hexdigest()
    with pytest.raises(StorageError):
        archive.store(rec.replace(source=Source(sha256="0" * 64)), b"other", ["x"], "x.png")


class FailingPages(Sequence[str]):
    """Pages whose second page cannot be produced (a reader dying mid-document)."""

    def __len__(self) -> int:
        return 3

    def __getitem__(self, i: int) -> str:  # type: ignore[override]
        if i >= 3:
            raise IndexError(i)
        if i == 1:
            raise RuntimeError("reader died")
        return "trang"


def _assert_invisible(archive: Archive, doc_id: str, before: list[str]) -> None:
    assert archive.ids() == before
    assert doc_id not in archive
    assert not (archive.root / "docs" / doc_id).exists()
    assert [p.name for p in (archive.root / "docs").iterdir()] == before  # no temp dirs left
    with pytest.raises(NotFoundError):
        archive.get(doc_id)


@pytest.mark.parametrize("record, pages, error", [
    (DU_100, FailingPages(), RuntimeError),
    (DU_100.replace(subject=object()), ["x"], StorageError),  # cannot be serialised
    # fails inside the catalog transaction, after the folder was moved into place
    (DU_100.replace(citations=(Citation(ref="180-CV/QU", issuer=123),)), ["x"], TypeError),
], ids=["pages", "serialise", "catalog"])
def test_failed_store_leaves_nothing(archive: Archive, record: Record, pages: Sequence[str],
                                     error: type[Exception]) -> None:
    kept = put(archive, QU_180)
    original = b"failing original"
    sha = hashlib.sha256(original).hexdigest()
    doc_id = sha[:16]
    with pytest.raises(error):
        archive.store(record, original, pages, "x.pdf")
    _assert_invisible(archive, doc_id, [kept])
    assert not list((archive.root / "originals").rglob(f"{sha}*"))
    assert archive.get(kept).ref == "180-CV/QU"
    assert archive.get(kept).cited_by == ()
    # the same content stores fine afterwards
    assert archive.store(DU_100, original, ["x"], "x.pdf").created
    assert archive.get(kept).cited_by[0].id == doc_id


def _temp_files(archive: Archive) -> list[Path]:
    return [p for p in archive.root.rglob(".tmp-*")]


def test_a_batch_is_visible_only_once_committed_and_links_within_itself(archive: Archive) -> None:
    with archive.store_batch() as batch:
        added = [batch.add(record, raw(record), ["trang"], "a.pdf")
                 for record in (DU_100, QU_180, DU_100)]
        assert [a.created for a in added] == [True, True, False]  # the same content twice
        assert archive.count() == 0 and added[0].id not in archive  # nothing visible yet
        assert _temp_files(archive)  # written, privately
        results = batch.commit()
    assert {k: (r.created if not isinstance(r, Exception) else r) for k, r in results.items()} \
        == {added[0].id: True, added[1].id: True}
    assert archive.ids() == [added[0].id, added[1].id]  # in the order added
    du = archive.get(added[0].id)
    assert du.citations[0].target_id == added[1].id  # cites a document of the same batch
    assert archive.pages(added[1].id) == ["trang"] and not _temp_files(archive)


def test_one_bad_document_of_a_batch_takes_back_only_itself(archive: Archive) -> None:
    kept = put(archive, QU_180)
    bad = DU_100.replace(citations=(Citation(ref="180-CV/QU", issuer=123),))  # fails in SQL
    with archive.store_batch() as batch:
        ids = [batch.add(record, raw(record), ["x"], "x.pdf").id for record in (UBND_1196, bad, CT_17)]
        results = batch.commit()
    assert isinstance(results[ids[1]], TypeError)
    assert [results[i].created for i in (ids[0], ids[2])] == [True, True]  # type: ignore[union-attr]
    assert archive.ids() == [kept, ids[0], ids[2]]
    assert not (archive.root / "docs" / ids[1]).exists() and not _temp_files(archive)
    assert not list((archive.root / "originals").rglob(f"{hashlib.sha256(raw(bad)).hexdigest()}*"))
    assert archive.get(ids[0]).citations[0].target_id == ids[2]  # linked within the batch
    assert archive.get(kept).cited_by == ()


def test_a_batch_left_uncommitted_leaves_nothing(archive: Archive) -> None:
    with archive.store_batch() as batch:
        batch.add(DU_100, raw(DU_100), ["x"], "x.pdf")
    assert archive.count() == 0 and not _temp_files(archive)
    assert not list((archive.root / "originals").rglob("*.pdf"))


def test_a_commit_is_durable_when_it_returns(archive: Archive) -> None:
    # NORMAL would let a power cut take back acknowledged documents (WAL not yet synced).
    assert archive.catalog.query("PRAGMA synchronous")[0][0] == 2  # FULL


def test_orphan_folder_from_a_crash_is_replaced(archive: Archive) -> None:
    original = raw(CT_17)
    doc_id = hashlib.sha256(original).hexdigest()[:16]
    orphan = archive.root / "docs" / doc_id
    (orphan / "pages").mkdir(parents=True)
    (orphan / "record.json").write_text("{half", encoding="utf-8")
    with pytest.raises(NotFoundError):
        archive.get(doc_id)  # not in the catalog: invisible
    assert archive.store(CT_17, original, ["p"], "ct17.pdf").created
    assert archive.get(doc_id).ref == "17/CT-UBND"


def test_lookup_by_id_or_ref_and_by_sha256(archive: Archive) -> None:
    doc = put(archive, UBND_1196)
    assert archive.lookup(doc) == doc
    assert archive.lookup("1196 / UBND–VP") == doc
    assert archive.find_sha256(hashlib.sha256(raw(UBND_1196)).hexdigest()) == doc
    assert archive.find_sha256("0" * 64) is None and archive.find_sha256("nonsense") is None
    with pytest.raises(NotFoundError):
        archive.lookup("999/UBND-VP")
    put(archive, UBND_1196.replace(date="2022-03-04"))
    with pytest.raises(VanthuError, match="2 documents"):
        archive.lookup("1196/UBND-VP")


def test_unknown_id(archive: Archive) -> None:
    for bad in ("0123456789abcdef", "../../etc", "1196/UBND-VP"):
        with pytest.raises(NotFoundError):
            archive.get(bad)
        with pytest.raises(NotFoundError):
            archive.pages(bad)


# -- citations ------------------------------------------------------------------------

def test_citation_links_when_target_arrives_later(archive: Archive) -> None:
    citing = put(archive, DU_100)
    cit = archive.get(citing).citations[0]
    assert cit.status == "unresolved" and cit.target_id is None and cit.ref == "180-CV/QU"
    target = put(archive, QU_180)
    cit = archive.get(citing).citations[0]
    assert cit.status == "linked" and cit.target_id == target
    [by] = archive.get(target).cited_by
    assert (by.id, by.ref, by.relation, by.date, by.issuer) == (
        citing, "100-CV/ĐU", "thực hiện", "2021-07-19", "Đảng ủy phường Hòa Minh")


def test_citation_links_when_target_is_already_there(archive: Archive) -> None:
    target = put(archive, QU_180)
    citing = put(archive, DU_100)
    assert archive.get(citing).citations[0].target_id == target
    assert [c.id for c in archive.get(target).cited_by] == [citing]


def test_cd_matches_cđ_and_short_citation_follows_full_one(archive: Archive) -> None:
    ct, cd = put(archive, CT_17), put(archive, CD_18)
    citing = put(archive, UBND_1196)
    c17, c18, short = archive.get(citing).citations
    assert (c17.status, c17.target_id) == ("linked", ct)
    assert (c18.status, c18.target_id, c18.printed) == ("linked", cd, "18/CD-UBND")
    assert (short.status, short.target_id, short.ref) == ("linked", ct, None)
    assert [b.id for b in archive.get(cd).cited_by] == [citing]
    assert [b.id for b in archive.get(ct).cited_by] == [citing]  # one entry per citing doc


def test_same_number_in_two_years(archive: Archive) -> None:
    old = put(archive, CT_17)
    new = put(archive, CT_17.replace(date="2023-05-10", subject="năm 2023"))
    undated = Record(ref="5/CV-X", issuer="Ủy ban nhân dân quận Ba Đình",
                     parent_issuer="Ủy ban nhân dân thành phố Hà Nội", date="2024-03-01",
                     citations=(Citation(ref="17/CT-UBND", doc_type="CT"),))
    dated = undated.replace(ref="6/CV-X", citations=(
        Citation(ref="17/CT-UBND", date="2021-07-23"),))
    a, b = put(archive, undated), put(archive, dated)
    amb = archive.get(a).citations[0]
    assert amb.status == "ambiguous" and amb.target_id is None
    assert set(amb.candidates) == {old, new}
    assert archive.get(b).citations[0].target_id == old
    assert [c.id for c in archive.get(old).cited_by] == [b]
    assert archive.get(new).cited_by == ()
    assert sorted(archive.find("17/CT-UBND")) == sorted([old, new])


def test_new_document_makes_a_linked_citation_ambiguous(archive: Archive) -> None:
    first = put(archive, CT_17)
    citing = put(archive, Record(ref="1/TB-X", issuer="Ủy ban nhân dân thành phố Hà Nội",
                                 citations=(Citation(ref="17/CT-UBND"),)))
    assert archive.get(citing).citations[0].target_id == first
    second = put(archive, CT_17.replace(date="2023-05-10"))
    cit = archive.get(citing).citations[0]
    assert cit.status == "ambiguous" and set(cit.candidates) == {first, second}


def test_copy_identity_is_found_by_its_citation(archive: Archive) -> None:
    dien = put(archive, DIEN_TU)
    citing = put(archive, Record(
        ref="12-CV/ĐU", issuer="Đảng ủy phường Hà Cầu", date="2022-01-25",
        citations=(Citation(ref="49 - BS/QU", doc_type="BS", date="2022-01-20",
                            issuer="Quận ủy Hà Đông", relation="thực hiện"),)))
    assert archive.get(citing).citations[0].target_id == dien
    assert archive.find("49-BS/QU") == [dien]
    assert archive.get(dien).cited_by[0].id == citing


# -- corrections and reparse ------------------------------------------------------------

def fake_parse(text: str) -> Record:
    """A stand-in parser: finds a ref in the text, nothing else."""
    return Record(ref="100-CV/ĐU", number="100", symbol="CV/ĐU", issuer="Đảng ủy phường Hòa Minh",
                  date="2021-07-19", subject="reparsed", text=text,
                  citations=(Citation(ref="180-CV/QU", date="2021-07-16", relation="thực hiện",
                                      issuer="Quận ủy Liên Chiêu"),))


def test_corrections_win_and_survive_reparse(archive: Archive) -> None:
    target = put(archive, QU_180)
    doc = put(archive, DU_100.replace(date=None, signer="Đặng Công Chúg"), pages=["p1", "p2"])
    rec = archive.correct(doc, {"signer": "Đặng Công Chúng", "recipients": ["UBND phường"]},
                          who="lan")
    assert rec.signer == "Đặng Công Chúng" and rec.recipients == ("UBND phường",)
    assert rec.corrected == ("signer", "recipients")
    archive.correct(doc, {"signer": "Đặng Công Chung"}, who="minh")
    archive.correct(doc, {"signer": "Đặng Công Chúng"}, who="lan")
    history = archive.corrections(doc)
    assert [(h.field, h.value, h.who) for h in history] == [
        ("signer", "Đặng Công Chúng", "lan"), ("recipients", ["UBND phường"], "lan"),
        ("signer", "Đặng Công Chung", "minh"), ("signer", "Đặng Công Chúng", "lan")]
    assert all(h.at.endswith("+00:00") and h.at[:4].isdigit() for h in history)
    # record.json stays as parsed
    stored = json.loads((archive.root / "docs" / doc / "record.json").read_text("utf-8"))
    assert stored["signer"] == "Đặng Công Chúg"

    seen: list[str] = []
    rec = archive.reparse(doc, lambda text: seen.append(text) or fake_parse(text))
    assert seen == ["p1\n\np2"]
    assert rec.subject == "reparsed" and rec.signer == "Đặng Công Chúng"
    assert rec.source is not None and rec.source.pages == 2 and rec.source.filename
    assert rec.citations[0].target_id == target
    assert archive.reparse_all(fake_parse) == 2
    assert archive.get(doc).signer == "Đặng Công Chúng"


@pytest.mark.parametrize("changes", [
    {"text": "x"}, {"id": "x"}, {"source": None}, {"cited_by": []}, {"nonsense": 1},
    {"date": "19/7/2021"}, {"date": "2021-02-30"}, {"issuer": 5}, {"recipients": "a"},
    {"copies": [{"ref": "1/X", "bogus": 1}]}, {"citations": [{"date": "hôm qua"}]}, {},
])
def test_invalid_corrections(archive: Archive, changes: dict[str, object]) -> None:
    doc = put(archive, QU_180)
    with pytest.raises(VanthuError):
        archive.correct(doc, changes, who="lan")
    assert archive.corrections(doc) == []


def test_correction_date_null_and_who_required(archive: Archive) -> None:
    doc = put(archive, QU_180)
    assert archive.correct(doc, {"date": None}, who="lan").date is None
    with pytest.raises(VanthuError):
        archive.correct(doc, {"date": "2021-07-16"}, who=" ")
    with pytest.raises(NotFoundError):
        archive.correct("0" * 16, {"date": None}, who="lan")


def test_correcting_the_ref_of_a_target_relinks(archive: Archive) -> None:
    citing = put(archive, DU_100)
    misread = put(archive, QU_180.replace(ref="186-CV/QU", number="186"))  # OCR: 0 → 6
    assert archive.get(citing).citations[0].status == "unresolved"
    archive.correct(misread, {"ref": "180-CV/QU", "number": "180"}, who="lan")
    assert archive.get(citing).citations[0].target_id == misread
    assert [c.id for c in archive.get(misread).cited_by] == [citing]
    assert archive.find("180-CV/QU") == [misread] and archive.find("186-CV/QU") == []
    # a second document of that number makes the citation ambiguous, never a pick
    other = put(archive, QU_180.replace(ref="18O-CV/QU", subject="O read for 0"))
    cit = archive.get(citing).citations[0]
    assert cit.status == "ambiguous" and set(cit.candidates) == {misread, other}
    # correcting it away links the first again
    archive.correct(other, {"ref": "181-CV/QU"}, who="minh")
    assert archive.get(citing).citations[0].target_id == misread
    assert archive.get(other).cited_by == ()


def test_correcting_a_citation_relinks(archive: Archive) -> None:
    target = put(archive, QU_180)
    citing = put(archive, DU_100.replace(citations=(Citation(ref="130-CV/QU"),)))
    assert archive.get(citing).citations[0].status == "unresolved"
    rec = archive.correct(citing, {"citations": [{"ref": "180-CV/QU", "date": "2021-07-16",
                                                  "issuer": "Quận ủy Liên Chiểu"}]}, who="lan")
    assert rec.citations[0].target_id == target and rec.corrected == ("citations",)
    assert [c.id for c in archive.get(target).cited_by] == [citing]


# -- persistence, streaming, concurrency -------------------------------------------------

def test_reopen_keeps_everything(tmp_path: Path) -> None:
    with Archive(tmp_path) as arc:
        citing, target = put(arc, DU_100), put(arc, QU_180)
        arc.correct(target, {"subject": "Về phòng chống dịch"}, who="lan")
    with Archive(str(tmp_path)) as arc:
        assert arc.count() == 2 and arc.ids() == [citing, target]
        assert arc.get(citing).citations[0].target_id == target
        rec = arc.get(target)
        assert rec.subject == "Về phòng chống dịch" and rec.cited_by[0].id == citing
        assert [c.who for c in arc.corrections(target)] == ["lan"]
        assert not arc.store(DU_100, raw(DU_100), ["x"], "a.pdf").created


def test_iter_records_streams_everything(archive: Archive) -> None:
    ids = [put(archive, Record(ref=f"{n}/TB-UBND", date="2022-01-01"), pages=[f"p{n}"])
           for n in range(1, 24)]
    records = archive.iter_records(batch_size=5)
    first = next(records)
    assert first.id == ids[0] and first.ref == "1/TB-UBND"
    assert [first.id] + [r.id for r in records] == ids


def _store_many(root: str, start: int) -> list[bool]:
    with Archive(root) as arc:
        return [arc.store(Record(ref=f"{n}/QĐ-UBND"), f"doc {n}".encode(), [str(n)],
                          f"{n}.txt").created for n in range(start, start + 30)]


def test_two_processes_store_concurrently(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.starmap(_store_many, [(str(tmp_path), 0), (str(tmp_path), 15)])
    created = sum(sum(r) for r in results)
    with Archive(tmp_path) as arc:
        assert created == arc.count() == 45
        assert len(arc.find("20/QĐ-UBND")) == 1
        for doc_id in arc.ids():
            assert arc.get(doc_id).ref and arc.pages(doc_id)
