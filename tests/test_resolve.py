"""Citation resolution as a pure function: tables of (citation, citing, candidates) → result."""
from __future__ import annotations

import pytest

from archive.record import Citation, Record
from archive.resolve import (
    AMBIGUOUS, LINKED, UNRESOLVED, Candidate, expand_short, issuer_key, localities, ref_parts,
    resolve,
)


def cand(doc_id: str, ref: str, date: str | None = None, issuer: str | None = None,
         **kw: str | None) -> Candidate:
    parts = ref_parts(ref)
    assert parts is not None
    year = parts.year or (date[:4] if date else None)
    return Candidate(doc_id, parts.key, year, date, kw.get("doc_type"), issuer,
                     kw.get("parent_issuer"), kw.get("place"))


@pytest.mark.parametrize("a, b", [
    ("18/CD-UBND", "18/CĐ-UBND"),
    ("18/cđ-ubnd", "18/CĐ-UBND"),
    ("100- CV/ÐU", "100-CV/ĐU"),
    ("1196 / UBND–VP", "1196/UBND-VP"),
    ("5103/BYT- DP", "5103/BYT-DP"),
    ("08/2022/QĐ-TTg", "8/2022/QD-TTG"),
    ("Số: 1196/UBND-VP", "1196/UBND-VP"),
    ("49 - BS/QU", "49-BS/QU"),
])
def test_equal_refs(a: str, b: str) -> None:
    assert ref_parts(a) == ref_parts(b)


@pytest.mark.parametrize("a, b", [
    ("17/CT-UBND", "18/CT-UBND"),
    ("23/2020/QĐ-TTg", "23/2021/QĐ-TTg"),
    ("180-CV/QU", "180-CV/TU"),
])
def test_different_refs(a: str, b: str) -> None:
    assert ref_parts(a) != ref_parts(b)


def test_unparseable_ref() -> None:
    assert ref_parts("Chỉ thị 17") is None
    assert ref_parts(None) is None


@pytest.mark.parametrize("cited, stored", [
    ("Chủ tịch UBND thành phố Hà Nội", "Ủy ban nhân dân thành phố Hà Nội"),
    ("Quận ủy Liên Chiêu", "Quận ủy Liên Chiểu"),
    ("Ban Thường vụ Thành uỷ Hà Nội", "Thành ủy Hà Nội"),
    ("UBND TP. Hà Nội", "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"),
    ("Thủ tướng Chính phủ", "Chính phủ"),
])
def test_issuer_phrases_match(cited: str, stored: str) -> None:
    a, b = issuer_key(cited), issuer_key(stored)
    assert a and b and (b in a or a in b)


def test_localities() -> None:
    assert localities("Ủy ban nhân dân thành phố Hà Nội") == {"ha noi"}
    assert localities("Quận uỷ Hoàn Kiếm") == {"hoan kiem"}
    assert localities("Bộ Y tế") == set()
    assert localities("Hoàn Kiếm", place=True) == {"hoan kiem"}


HN_17_2021 = cand("a2021", "17/CT-UBND", "2021-07-23", "Ủy ban nhân dân thành phố Hà Nội")
HN_17_2023 = cand("a2023", "17/CT-UBND", "2023-05-10", "Ủy ban nhân dân thành phố Hà Nội")
BN_17_2021 = cand("bn2021", "17/CT-UBND", "2021-07-23", "Ủy ban nhân dân tỉnh Bắc Ninh")
HK = Record(id="hk", issuer="Ủy ban nhân dân quận Hoàn Kiếm",
            parent_issuer="Ủy ban nhân dân thành phố Hà Nội", place="Hoàn Kiếm", date="2024-01-05")

CASES = [
    # (label, citation, citing, candidates, status, target or candidate ids)
    ("exact date links", Citation(ref="17/CT-UBND", date="2021-07-23"), HK,
     [HN_17_2021, HN_17_2023], LINKED, "a2021"),
    ("no date: both years stay", Citation(ref="17/CT-UBND"), HK,
     [HN_17_2021, HN_17_2023], AMBIGUOUS, ("a2021", "a2023")),
    ("year of a date narrows (date mistyped)", Citation(ref="17/CT-UBND", date="2023-05-11"), HK,
     [HN_17_2021, HN_17_2023], LINKED, "a2023"),
    ("date of another year: none", Citation(ref="17/CT-UBND", date="2022-01-01"), HK,
     [HN_17_2021, HN_17_2023], UNRESOLVED, None),
    ("issuer phrase narrows", Citation(ref="17/CT-UBND", date="2021-07-23",
                                       issuer="Chủ tịch UBND thành phố Hà Nội"), Record(),
     [HN_17_2021, BN_17_2021], LINKED, "a2021"),
    ("issuer contradicts the only candidate", Citation(ref="17/CT-UBND",
                                                       issuer="Chủ tịch UBND tỉnh Bắc Giang"),
     Record(), [HN_17_2021], UNRESOLVED, None),
    ("locality of the citing document narrows", Citation(ref="17/CT-UBND", date="2021-07-23"),
     HK, [HN_17_2021, BN_17_2021], LINKED, "a2021"),
    ("no locality, no issuer: ambiguous", Citation(ref="17/CT-UBND", date="2021-07-23"),
     Record(), [HN_17_2021, BN_17_2021], AMBIGUOUS, ("a2021", "bn2021")),
    ("CD and CĐ are one", Citation(ref="18/CD-UBND", date="2021-08-06"), HK,
     [cand("cd", "18/CĐ-UBND", "2021-08-06", "UBND thành phố Hà Nội")], LINKED, "cd"),
    ("legal ref year must match", Citation(ref="23/2020/QĐ-TTg"), Record(),
     [cand("y20", "23/2020/QĐ-TTg", "2020-07-01"), cand("y21", "23/2021/QĐ-TTg", "2021-07-01")],
     LINKED, "y20"),
    ("OCR-damaged issuer of seed 002", Citation(ref="180-CV/QU", date="2021-07-16",
                                                issuer="Quận ủy Liên Chiêu"),
     Record(id="hm", issuer="Đảng ủy phường Hòa Minh", place="Hòa Minh", date="2021-07-19"),
     [cand("lc", "180-CV/QU", "2021-07-16", "Quận ủy Liên Chiểu"),
      cand("hk", "180-CV/QU", "2021-07-16", "Quận ủy Hoàn Kiếm")], LINKED, "lc"),
    ("party number without date: unknown-date candidate kept",
     Citation(ref="835-CV/TU", issuer="Thành ủy Hà Nội"), Record(),
     [cand("tu", "835-CV/TU", issuer="Thành ủy Hà Nội")], LINKED, "tu"),
    ("a document never cites itself", Citation(ref="1919-CV/QU"), Record(id="self"),
     [cand("self", "1919-CV/QU")], UNRESOLVED, None),
    ("no candidates", Citation(ref="38/NQ-CP"), Record(), [], UNRESOLVED, None),
    ("short citation without symbol", Citation(number="17", doc_type="CT"), Record(),
     [HN_17_2021], UNRESOLVED, None),
    ("chronology prefers the earlier", Citation(ref="17/CT-UBND"),
     Record(date="2022-02-02", issuer="Ủy ban nhân dân thành phố Hà Nội"),
     [HN_17_2021, HN_17_2023], LINKED, "a2021"),
    ("a national number links from anywhere", Citation(ref="68/NQ-CP"), Record(),
     [cand("cp", "68/NQ-CP", "2021-07-01", "Chính phủ")], LINKED, "cp"),
]

# -- a local body's number cited without a place means the citing document's own locality --

TH = Record(id="th", issuer="Ủy ban nhân dân tỉnh Thanh Hóa", place="Thanh Hóa", date="2025-03-10")
TH_12 = cand("th12", "12/2025/QĐ-UBND", "2025-02-01", "Ủy ban nhân dân tỉnh Thanh Hóa")
NA_12 = cand("na12", "12/2025/QĐ-UBND", "2025-01-20", "Ủy ban nhân dân tỉnh Nghệ An")
OWN_PROVINCE = Citation(ref="12/2025/QĐ-UBND", issuer="Ủy ban nhân dân tỉnh")

LOCAL_CASES = [
    ("the issue's wrong link: another province's decision is no candidate", OWN_PROVINCE, TH,
     [NA_12], UNRESOLVED, None),
    ("own province's decision links beside another's", OWN_PROVINCE, TH, [NA_12, TH_12],
     LINKED, "th12"),
    ("no phrase at all: own locality too", Citation(ref="12/2025/QĐ-UBND"), TH, [NA_12, TH_12],
     LINKED, "th12"),
    ("a place named by the phrase wins over the citing document's",
     Citation(ref="12/2025/QĐ-UBND", issuer="UBND tỉnh Nghệ An"), TH, [NA_12, TH_12],
     LINKED, "na12"),
    ("citing document without a locality: candidates, no link", OWN_PROVINCE, Record(),
     [NA_12], AMBIGUOUS, ("na12",)),
    ("a district's document and a province's number: not placed, no link",
     Citation(ref="12/2025/QĐ-UBND"),
     Record(issuer="Ủy ban nhân dân huyện Nông Cống", place="Nông Cống"), [TH_12],
     AMBIGUOUS, ("th12",)),
    ("its parent named in the header places it", Citation(ref="12/2025/QĐ-UBND"),
     Record(issuer="Ủy ban nhân dân huyện Nông Cống",
            parent_issuer="Ủy ban nhân dân tỉnh Thanh Hóa"), [TH_12, NA_12], LINKED, "th12"),
    ("a district's number of the same province is not the province's",
     Citation(ref="12/2025/QĐ-UBND", issuer="UBND tỉnh Thanh Hóa"), TH,
     [cand("nc12", "12/2025/QĐ-UBND", "2025-02-01", "Ủy ban nhân dân huyện Nông Cống",
           parent_issuer="Ủy ban nhân dân tỉnh Thanh Hóa")], AMBIGUOUS, ("nc12",)),
    ("Party committee of another district is no candidate",
     Citation(ref="180-CV/QU", date="2021-07-16"),
     Record(issuer="Quận ủy Hoàn Kiếm", parent_issuer="Thành ủy Hà Nội"),
     [cand("lc", "180-CV/QU", "2021-07-16", "Quận ủy Liên Chiểu")], UNRESOLVED, None),
]
CASES += LOCAL_CASES


@pytest.mark.parametrize("label, citation, citing, candidates, status, expected",
                         CASES, ids=[c[0] for c in CASES])
def test_resolve(label: str, citation: Citation, citing: Record, candidates: list[Candidate],
                 status: str, expected: object) -> None:
    result = resolve(citation, citing, candidates)
    assert result.status == status
    if status == LINKED:
        assert result.target_id == expected and result.candidates == ()
    elif status == AMBIGUOUS:
        assert result.target_id is None and result.candidates == expected
    else:
        assert result.target_id is None and result.candidates == ()


def test_expand_short_uses_the_earlier_full_citation() -> None:
    cits = expand_short([
        Citation(ref="17/CT-UBND", number="17", symbol="CT-UBND", doc_type="CT",
                 date="2021-07-23", issuer="Chủ tịch UBND thành phố Hà Nội"),
        Citation(number="17", doc_type="CT"),
        Citation(number="835", doc_type="CV"),  # no earlier full citation: unchanged
    ])
    assert cits[1].ref == "17/CT-UBND" and cits[1].date == "2021-07-23"
    assert cits[2] == Citation(number="835", doc_type="CV")


def test_expand_short_refuses_two_earlier_candidates() -> None:
    cits = expand_short([
        Citation(ref="17/CT-UBND", doc_type="CT", date="2021-07-23"),
        Citation(ref="17/CT-TTg", doc_type="CT", date="2020-03-01"),
        Citation(number="17", doc_type="CT"),
    ])
    assert cits[2].ref is None
