"""Tests of ingest.parser: the five seed directives, the dev corpus, tricky strings, garbage."""
from __future__ import annotations

import json
import random
import pytest

from archive.record import Record
from truth import matches
from ingest.parser import parse
from ingest.parser.citations import find_citations
from ingest.parser.numbers import fix_year, parse_date, parse_ref, read_number_line

from corpus import gazette_texts
from paths import seed_paths


def seed(prefix: str) -> Record:
    [path] = [p for p in seed_paths() if p.name.startswith(f"{prefix}_")]
    return parse(path.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- seeds

SEED_TABLE = [
    # prefix, ref, doc_type, doc_type_name, issuer, parent_issuer, date, signer, signer_title
    ("000", "1919-CV/QU", "CV", "Công văn", "Quận ủy Hoàn Kiếm", "Đảng bộ thành phố Hà Nội",
     "2023-08-25", "Nguyễn Quốc Khánh", "Phó Bí thư Thường trực"),
    ("001", None, "TB", "Thông báo", "Quận ủy Hà Đông", None, None, "Nguyễn Văn Trường",
     "Phó Bí thư Thường trực"),
    ("002", "100-CV/ĐU", "CV", "Công văn", "Đảng ủy phường Hòa Minh", None, "2021-07-19",
     "Đặng Công Chúng", None),
    ("003", None, "Điện", "Điện", "Thường trực Thành ủy Hà Nội", None, "2022-01-17",
     "Đình Tiên Dũng", "Bí thư"),
    ("004", "1196/UBND-VP", "CV", "Công văn", "Ủy ban nhân dân quận Hoàn Kiếm", None,
     "2021-08-11", "Phạm Tuấn Long", "Chủ tịch"),
]


@pytest.mark.parametrize(
    "prefix, ref, doc_type, type_name, issuer, parent, date, signer, title", SEED_TABLE
)
def test_seed_fields(prefix, ref, doc_type, type_name, issuer, parent, date, signer, title):
    r = seed(prefix)
    got = (r.ref, r.doc_type, r.doc_type_name, r.issuer, r.parent_issuer, r.date, r.signer,
           r.signer_title)
    assert got == (ref, doc_type, type_name, issuer, parent, date, signer, title)


@pytest.mark.parametrize(
    "prefix, number, symbol, place",
    [("000", "1919", "CV/QU", "Hoàn Kiếm"), ("002", "100", "CV/ĐU", "Hòa Minh"),
     ("003", None, None, "Hà Nội"), ("004", "1196", "UBND-VP", "Hoàn Kiếm")],
)
def test_seed_number_symbol_place(prefix, number, symbol, place):
    r = seed(prefix)
    assert (r.number, r.symbol, r.place) == (number, symbol, place)


@pytest.mark.parametrize(
    "prefix, subject",
    [
        ("000", "V/v chủ động triển khai công tác phòng chống dịch bệnh trên địa bàn quận "
                "Hoàn Kiếm"),
        ("001", "Kết luận của Ban Thường vụ Quận ủy về công tác phòng, chống dịch Covid-19 "
                "trên địa bàn Quận"),
        ("002", "Khẩn trương thực hiện công tác phòng, chống dịch COVID-19"),
        ("003", "về tiếp tục tăng cường công tác phòng, chống dịch bệnh Covid-19 trên địa bàn "
                "thành phố Hà Nội"),
        ("004", "V/v chấn chỉnh trong điều hành công tác phòng, chống dịch COVID-19"),
    ],
)
def test_seed_subject_is_one_line_without_markup(prefix, subject):
    assert seed(prefix).subject == subject


CITATIONS = [
    # prefix, ref, relation, date, issuer, printed  (None for relation/issuer = not asserted)
    ("000", "835-CV/TU", "thực hiện", "2023-08-22", "Thành ủy Hà Nội", None),
    ("000", "38/NQ-CP", None, "2022-03-17", "Chính phủ", None),
    ("000", "5103/BYT-DP", None, "2023-08-12", "Bộ Y tế", None),
    ("001", "28/CĐ-TTg", None, "2022-01-11", "Thủ tướng Chính phủ", None),
    ("001", "632-TB/TU", None, "2022-01-07", None, None),
    ("002", "180-CV/QU", "thực hiện", "2021-07-16", None, None),
    ("003", "35/CT-TTg", None, "2021-12-31", None, None),
    ("003", "58/BVHTTDL-VHCS", None, "2022-01-07", None, None),
    ("004", "17/CT-UBND", "thực hiện", "2021-07-23", None, None),
    ("004", "18/CĐ-UBND", "thực hiện", "2021-08-06", None, "18/CD-UBND"),
    ("004", "1139/UBND-CA", None, "2021-08-11", None, None),
    ("004", "68/NQ-CP", None, "2021-07-01", "Chính phủ", None),
    ("004", "23/2020/QĐ-TTg", None, "2021-07-07", "Thủ tướng Chính phủ", None),
    ("004", "3642/QĐ-UBND", None, "2021-07-21", None, None),
    ("004", "15/NQ-HĐND", None, "2021-08-13", None, None),
    ("004", "188/KH-UBND", None, "2021-08-15", None, None),
]


@pytest.mark.parametrize("prefix, ref, relation, date, issuer, printed", CITATIONS)
def test_seed_citations(prefix, ref, relation, date, issuer, printed):
    cites = {c.ref: c for c in seed(prefix).citations}
    assert ref in cites, sorted(cites)
    c = cites[ref]
    assert c.date == date
    assert c.printed == printed
    assert c.context and ref.split("/")[0].split("-")[0] in c.context
    if relation is not None:
        assert c.relation == relation
    if issuer is not None:
        assert c.issuer == issuer


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_citations_are_unique_and_never_the_document_itself(prefix):
    r = seed(prefix)
    refs = [c.ref for c in r.citations]
    assert len(refs) == len(set(refs))
    own = {r.ref} | {c.ref for c in r.copies}
    assert not own & set(refs)


def test_seed_003_copy_block_is_a_second_identity():
    r = seed("003")
    assert len(r.copies) == 1
    c = r.copies[0]
    assert (c.ref, c.number, c.symbol, c.doc_type, c.kind) == ("49-BS/QU", "49", "BS/QU", "BS",
                                                               "sao lục")
    assert (c.issuer, c.place, c.date) == ("Quận ủy Hà Đông", "Hà Đông", "2022-01-20")
    assert (c.signer, c.signer_title) == ("Nguyễn Sĩ Hoạt", "Chánh Văn phòng")


def test_seed_recipients():
    assert seed("000").recipients == (
        "Ủy ban nhân dân quận", "MTTQ và các tổ chức chính trị - xã hội quận",
        "Các phòng, ban, ngành thuộc quận", "Các cơ sở đảng thuộc quận")
    assert seed("004").recipients == (
        "Các phòng, ban, đơn vị thuộc quận", "Sở Chỉ huy phòng, chống dịch COVID-19 các phường")


def test_record_shape():
    r = seed("004")
    assert r.id is None and r.source is None
    assert "*" not in r.text and "ỦY BAN NHÂN DÂN" in r.text
    assert json.loads(json.dumps(r.to_dict(), ensure_ascii=False))["ref"] == "1196/UBND-VP"


# ------------------------------------------------------------------- tricky strings

@pytest.mark.parametrize(
    "line, ref, number, symbol, lead",
    [
        ("Số 100- CV/ĐU", "100-CV/ĐU", "100", "CV/ĐU", None),
        ("Số 49 - BS/QU", "49-BS/QU", "49", "BS/QU", None),
        ("Số: 21/C T-TTg", "21/CT-TTg", "21", "CT-TTg", None),
        ("Số: 1196 / UBND–VP", "1196/UBND-VP", "1196", "UBND-VP", None),
        ("Số:1196/UBND–VP", "1196/UBND-VP", "1196", "UBND-VP", None),
        ("Số: 372 /QĐ-BTC", "372/QĐ-BTC", "372", "QĐ-BTC", None),
        ("Số 1919-CV/QU", "1919-CV/QU", "1919", "CV/QU", None),
        ("Số: 18/CD-UBND", "18/CĐ-UBND", "18", "CĐ-UBND", None),
        ("Số: 5/CT-UBND", "5/CT-UBND", "5", "CT-UBND", None),
        ("Số 100- CV/ÐU", "100-CV/ĐU", "100", "CV/ĐU", None),
        ("Luật số: 51/2024/QH15", "51/2024/QH15", "51", "2024/QH15", "Luật"),
        ("Nghị quyết số: 17/2022/UBTVQH15", "17/2022/UBTVQH15", "17", "2022/UBTVQH15",
         "Nghị quyết"),
        ("Só:465 /2020/NĐ-CP", "465/2020/NĐ-CP", "465", "2020/NĐ-CP", None),
    ],
)
def test_number_line_variants(line, ref, number, symbol, lead):
    got, got_lead = read_number_line(line)
    assert (got.ref, got.number, got.symbol, got_lead) == (ref, number, symbol, lead)


@pytest.mark.parametrize(
    "line",
    ["Số ca mắc mới tăng nhanh", "Về việc đính chính Thông tư số 10/2022/TT-BKHĐT",
     "Thông tư số 06/2022/TT-BTC ngày 08 tháng 02 năm 2022 của Bộ trưởng", "Số:", "Số: ///"],
)
def test_not_number_lines(line):
    assert read_number_line(line) is None


@pytest.mark.parametrize(
    "text, ref, doc_type, issuer_code",
    [
        ("835-CV/TU", "835-CV/TU", "CV", "TU"), ("5103/BYT- DP", "5103/BYT-DP", "CV", "BYT"),
        ("68/NQ-CP", "68/NQ-CP", "NQ", "CP"), ("80/2015/QH13", "80/2015/QH13", None, "QH13"),
        ("12/VBHN-BTC", "12/VBHN-BTC", "VBHN", "BTC"), ("02-NQ/TW", "02-NQ/TW", "NQ", "TW"),
        ("66.13/2026/NQ-CP", "66.13/2026/NQ-CP", "NQ", "CP"),
        ("06/2022/TT-B\u0422\u0421", "06/2022/TT-BTC", "TT", "BTC"),
        ("2269/TTr-BNG-QLDA", "2269/TTr-BNG-QLDA", "TTr", "BNG"),
    ],
)
def test_parse_ref(text, ref, doc_type, issuer_code):
    got = parse_ref(text)
    assert (got.ref, got.doc_type, got.issuer_code) == (ref, doc_type, issuer_code)


@pytest.mark.parametrize("text", ["22/8/2023", "Covid-19", "2/9", "VP/ĐU", "", "abc"])
def test_not_refs(text):
    assert parse_ref(text) is None


@pytest.mark.parametrize(
    "text, iso",
    [
        ("Hoàn Kiếm, ngày 25 tháng 8 năm 2023", "2023-08-25"), ("ngày 06/8/2021", "2021-08-06"),
        ("Hà Nội, ngày 17 tháng 01 năm 2022", "2022-01-17"), ("ngày 31/12/2021", "2021-12-31"),
        ("Hà Nội, ngày   tháng   năm 2026", None), ("ngày 31 tháng 02 năm 2022", None),
        ("ngày 3{_ tháng 12 năm 2020", None), ("năm 20264", None),
    ],
)
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def test_year_typo_is_repaired_only_with_evidence():
    import datetime as dt

    assert parse_date("ngày 23 tháng 02 năm 20264") is None
    assert parse_date("ngày 23 tháng 02 năm 20264", bound=dt.date(2026, 3, 11)) == "2026-02-23"
    assert fix_year("20264", hint=2024) == 2024
    assert fix_year("1899") is None


def test_citation_cues_and_issuers():
    text = ("Căn cứ Nghị định số 62/2022/NĐ-CP ngày 12 tháng 9 năm 2022 của Chính phủ quy định "
            "chức năng;\nThực hiện Công văn số 835-CV/TU ngày 22/8/2023 của Thành ủy Hà Nội về "
            "chủ động phòng dịch.\nPhúc đáp Công văn số 12/UBND-VP ngày 01/02/2023 của UBND "
            "quận.\n2. Thông tư số 20/2023/TT-BLĐTBXH ngày 29 tháng 12 năm 2023 của Bộ trưởng "
            "Bộ Lao động - Thương binh và Xã hội hết hiệu lực thi hành.")
    got = {c.ref: (c.relation, c.date, c.issuer, c.doc_type) for c in find_citations(text)}
    assert got == {
        "62/2022/NĐ-CP": ("căn cứ", "2022-09-12", "Chính phủ", "NĐ"),
        "835-CV/TU": ("thực hiện", "2023-08-22", "Thành ủy Hà Nội", "CV"),
        "12/UBND-VP": ("phúc đáp", "2023-02-01", "UBND quận", "CV"),
        "20/2023/TT-BLĐTBXH": ("bãi bỏ", "2023-12-29",
                               "Bộ trưởng Bộ Lao động - Thương binh và Xã hội", "TT"),
    }


def test_citation_type_from_word_when_symbol_has_none():
    (c,) = find_citations("Căn cứ Luật Bảo hiểm y tế số 25/2008/QH12;")
    assert (c.ref, c.doc_type, c.relation) == ("25/2008/QH12", "Luật", "căn cứ")


def test_repeated_citation_keeps_first_and_fills_gaps():
    cites = find_citations("Theo Chỉ thị số 17/CT-UBND. Thực hiện Chỉ thị số 17/CT-UBND "
                           "ngày 23/7/2021 của UBND Thành phố.")
    assert len(cites) == 1
    assert (cites[0].relation, cites[0].date, cites[0].issuer) == ("theo", "2021-07-23",
                                                                   "UBND Thành phố")


def test_document_does_not_cite_itself():
    r = parse("Số: 08/2022/QĐ-TTg\nPhụ lục\n(Kèm theo Quyết định số 08/2022/QĐ-TTg)")
    assert r.ref == "08/2022/QĐ-TTg" and r.citations == ()


# ------------------------------------------------------------------------ robustness

GARBAGE = [
    "", " ", "\n\n\n", "*", "**", "Số:", "Số: 1/", "Kính gửi:", "V/v", "T/M\n", "SAO LỤC",
    "XÁC THỰC VĂN BẢN HỢP NHẤT", "ngày 99 tháng 99 năm 99999", "\x00\x01\x02", "\ufeff\u200b",
    "/" * 500, "-" * 10_000, "Số " * 3000, "Căn cứ " * 2000, "1/A-B " * 2000,
    "KT. BỘ TRƯỞNG\nTHỨ TRƯỞNG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" * 50,
]


@pytest.mark.parametrize("text", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_gives_a_record_of_nulls(text):
    r = parse(text)
    assert isinstance(r, Record)
    assert r.signer is None or isinstance(r.signer, str)


def test_random_text_never_crashes():
    rng = random.Random(20240601)
    alphabet = ("ĐđÐÀàẢảÃãẠạỦủỲỳỐốỒồSốNgàyThángNămQĐCVTB/-:.,;() \n\t0123456789*"
                "abcxyzKTMLV")
    pieces = ["Số: ", "ngày ", " tháng ", " năm ", "Kính gửi:", "V/v ", "TM. ", "SAO Y\n",
              "Căn cứ ", "Nghị định số ", "/2021/NĐ-CP", "-CV/QU", "\n"]
    for _ in range(300):
        parts = [rng.choice(pieces) if rng.random() < 0.4 else
                 "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
                 for _ in range(rng.randint(0, 40))]
        assert isinstance(parse("".join(parts)), Record)


# ------------------------------------------------------------------------ dev corpus

FIELDS = ("ref", "doc_type_name", "issuer", "date", "signer", "subject")
# Required accuracy over the text-layer PDFs. Known truth gaps: 372's printed date is blank
# (truth takes it from another document); three truth subjects are abridged or annotated.
THRESHOLDS = {"ref": 1.0, "doc_type_name": 1.0, "issuer": 1.0, "date": 0.96, "signer": 1.0,
              "subject": 0.85}
EXACT_EXCEPT = {("quyet-dinh-so-372-qd-btc-469041.pdf", "date")}


@pytest.fixture(scope="session")
def corpus_records() -> dict[str, tuple[dict, Record]]:
    return {name: (truth, parse(text)) for name, (truth, text) in gazette_texts().items()}


@pytest.mark.parametrize("field", FIELDS)
def test_corpus_field_accuracy(corpus_records, field):
    results = {name: matches(field, getattr(rec, field), truth[field])
               for name, (truth, rec) in corpus_records.items()}
    accuracy = sum(results.values()) / len(results)
    assert accuracy >= THRESHOLDS[field], sorted(n for n, ok in results.items() if not ok)


def test_corpus_subjects_are_as_right_with_their_case(corpus_records):
    # A title printed in capitals keeps its numbers and names written back (the amending
    # law 51/2024/QH15 keeps "Luật sửa đổi" as its name is written).
    results = {name: matches("subject", rec.subject, truth["subject"], cased=True)
               for name, (truth, rec) in corpus_records.items()}
    accuracy = sum(results.values()) / len(results)
    assert accuracy >= THRESHOLDS["subject"], sorted(n for n, ok in results.items() if not ok)


@pytest.mark.parametrize("field", ["ref", "date", "issuer", "doc_type_name", "signer"])
def test_corpus_exact_on_every_text_layer_pdf(corpus_records, field):
    wrong = [(name, getattr(rec, field), truth[field])
             for name, (truth, rec) in corpus_records.items()
             if (name, field) not in EXACT_EXCEPT
             and not matches(field, getattr(rec, field), truth[field])]
    assert wrong == []


def test_corpus_known_citation_chains(corpus_records):
    def cited(name: str) -> dict:
        return {c.ref: c for c in corpus_records[name][1].citations}

    assert cited("thong-tu-so-01-2025-tt-bldtbxh-43956.pdf")["20/2023/TT-BLĐTBXH"].date == \
        "2023-12-29"
    assert cited("van-ban-hop-nhat-so-12-vbhn-btc-469542.pdf")["372/QĐ-BTC"].date == "2026-02-27"
    assert "191/2026/NĐ-CP" in cited("nghi-quyet-so-141-nq-cp-469678.pdf")
    assert {"38/2022/NĐ-CP", "12/2022/TT-BLĐTBXH"} <= set(
        cited("quyet-dinh-so-169-qd-bldtbxh-44203.pdf"))


def test_twenty_thousand_citations_in_one_sentence_are_all_found():
    # Issue 10: the relation finder once re-read the whole sentence for every citation.
    text = "Thực hiện " + ", ".join(
        f"Quyết định số {n}/QĐ-UBND ngày 01/02/2021" for n in range(1, 20_001)) + " hết hiệu lực."
    cites = find_citations(text)
    assert len(cites) == 20_000
    assert {c.relation for c in cites} == {"thực hiện"}
    assert cites[-1].ref == "20000/QĐ-UBND" and cites[-1].date == "2021-02-01"
