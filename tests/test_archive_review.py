"""Linking traps and fields under review, on a real SQLite catalog in tmp_path.

A wrong link is worse than none: a local body's number cited without a place is the citing
document's own locality, whichever document arrives first; a number marked for review links
nothing until an archivist confirms it; listing what to review reads only the catalog.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterator

import pytest

from archive.record import Citation, Record, Source, Word
from archive.settings import Settings
from archive.store import Archive


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive(Settings(archive_dir=tmp_path / "data")) as arc:
        yield arc


def put(archive: Archive, record: Record, **kw: object) -> str:
    original = json.dumps(record.to_dict(), ensure_ascii=False).encode()
    return archive.store(record, original, [record.text or "trang"], "van-ban.pdf", **kw).id


# The issue's wrong link: Thanh Hóa's decision cites "Quyết định số 12/2025/QĐ-UBND … của
# Ủy ban nhân dân tỉnh" — its own province's — and Nghệ An has a decision of that number.
TH_CITING = Record(
    ref="45/2025/QĐ-UBND", number="45", symbol="2025/QĐ-UBND", doc_type="QĐ",
    issuer="Ủy ban nhân dân tỉnh Thanh Hóa", place="Thanh Hóa", date="2025-03-10",
    citations=(Citation(ref="12/2025/QĐ-UBND", number="12", symbol="2025/QĐ-UBND",
                        doc_type="QĐ", issuer="Ủy ban nhân dân tỉnh", date="2025-02-01",
                        relation="căn cứ"),),
)
TH_12 = Record(ref="12/2025/QĐ-UBND", number="12", symbol="2025/QĐ-UBND", doc_type="QĐ",
               issuer="Ủy ban nhân dân tỉnh Thanh Hóa", place="Thanh Hóa", date="2025-02-01")
NA_12 = TH_12.replace(issuer="Ủy ban nhân dân tỉnh Nghệ An", place="Nghệ An")


@pytest.mark.parametrize("order", [("citing", "na", "th"), ("na", "citing", "th"),
                                   ("th", "na", "citing"), ("na", "th", "citing"),
                                   ("citing", "th", "na")])
def test_own_province_number_never_links_to_another_province(archive, order):
    records = {"citing": TH_CITING, "na": NA_12, "th": TH_12}
    ids: dict[str, str] = {}
    for name in order:
        ids[name] = put(archive, records[name])
        cit = archive.get(ids["citing"]).citations[0] if "citing" in ids else None
        if cit is None:
            continue
        if "na" in ids:
            assert cit.target_id != ids["na"] and ids["na"] not in cit.candidates
        assert (cit.status == "linked") == ("th" in ids)
    assert archive.get(ids["citing"]).citations[0].target_id == ids["th"]
    assert archive.get(ids["na"]).cited_by == ()


def test_only_the_other_province_stored_leaves_it_unresolved(archive):
    citing = put(archive, TH_CITING)
    put(archive, NA_12)
    cit = archive.get(citing).citations[0]
    assert (cit.status, cit.target_id, cit.candidates) == ("unresolved", None, ())


# -- needs_review --------------------------------------------------------------------

# Nghị quyết 115/NQ-CP of the dev corpus, its handwritten number read "445".
NQ_445 = Record(ref="445/NQ-CP", number="445", symbol="NQ-CP", doc_type="NQ",
                issuer="Chính phủ", date=None, needs_review=("number", "date"),
                source=Source(ocr=True))
CITES_115 = Record(ref="1407/UBND-NNMT", number="1407", symbol="UBND-NNMT", doc_type="CV",
                   issuer="Ủy ban nhân dân thành phố Hà Nội", date="2026-05-04",
                   citations=(Citation(ref="115/NQ-CP", doc_type="NQ", relation="thực hiện"),
                              Citation(ref="445/NQ-CP", doc_type="NQ")))


def test_number_under_review_links_nothing_until_confirmed(archive):
    citing = put(archive, CITES_115)
    scan = put(archive, NQ_445)
    by_ref = {c.ref: c for c in archive.get(citing).citations}
    assert by_ref["445/NQ-CP"].status == "unresolved"  # the misreading does not link
    assert by_ref["115/NQ-CP"].status == "unresolved"
    assert archive.get(scan).needs_review == ("number", "date")
    assert [(i.id, i.ref, i.fields) for i in archive.review()] == [(scan, "445/NQ-CP",
                                                                   ("number", "date"))]

    fixed = archive.correct(scan, {"number": "115"}, who="lan")
    assert (fixed.ref, fixed.needs_review) == ("115/NQ-CP", ("date",))
    by_ref = {c.ref: c for c in archive.get(citing).citations}
    assert (by_ref["115/NQ-CP"].status, by_ref["115/NQ-CP"].target_id) == ("linked", scan)
    assert by_ref["445/NQ-CP"].status == "unresolved"
    assert [b.id for b in archive.get(scan).cited_by] == [citing]
    assert [i.fields for i in archive.review()] == [("date",)]

    archive.correct(scan, {"date": "2026-04-29"}, who="lan")
    assert list(archive.review()) == []
    assert archive.find("115/NQ-CP") == [scan]


def test_confirming_the_read_number_as_it_is(archive):
    scan = put(archive, NQ_445.replace(needs_review=("number",)))
    citing = put(archive, CITES_115)
    assert {c.ref: c.status for c in archive.get(citing).citations}["445/NQ-CP"] == "unresolved"
    archive.correct(scan, {"number": "445"}, who="lan")
    assert {c.ref: c.target_id for c in archive.get(citing).citations}["445/NQ-CP"] == scan


def test_reparse_with_the_words_keeps_the_mark_and_the_correction(archive):
    words = ((Word("Số:", 96.0, (10, 10, 40, 20)), Word("445", 78.0, (45, 8, 80, 22))),)
    scan = put(archive, NQ_445, words=words)
    assert archive.page_words(scan) == words
    archive.correct(scan, {"number": "115"}, who="lan")

    def parse(text: str, words=()):
        assert words == archive.page_words(scan)
        return NQ_445.replace(text=text, source=None)

    rec = archive.reparse(scan, lambda text: parse(text, archive.page_words(scan)))
    assert (rec.ref, rec.needs_review, rec.corrected) == ("115/NQ-CP", ("date",), ("number",))
    assert rec.source.ocr  # the source of the stored file is kept


def test_page_words_of_a_text_document_are_none(archive):
    assert archive.page_words(put(archive, CITES_115)) == ()


def test_an_older_catalog_gains_the_new_columns(tmp_path):
    """A catalog made before schema 2 (no needs_review, no unconfirmed) opens and works."""
    root = tmp_path / "data"
    with Archive(root) as arc:
        doc = put(arc, CITES_115)
    with sqlite3.connect(root / "catalog.sqlite3") as db:
        db.execute("ALTER TABLE documents DROP COLUMN needs_review")
        db.execute("ALTER TABLE identities DROP COLUMN unconfirmed")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with Archive(root) as arc:
        assert arc.get(doc).ref == "1407/UBND-NNMT"
        scan = put(arc, NQ_445)
        assert [i.id for i in arc.review()] == [scan]
