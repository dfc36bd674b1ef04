"""Search on real indexes, one table of cases for every engine, built from the seed texts
and a few gazette PDFs."""
from __future__ import annotations

import json
import threading

import pytest

from archive.errors import QueryError, StorageError
from archive.record import Record
from archive.store import Archive
from search import SCHEMA_VERSION, Index
from search.locking import file_lock

from search_fixtures import ENGINES, all_records


@pytest.fixture(scope="module", params=ENGINES)
def index(request, tmp_path_factory):
    ix = Index(tmp_path_factory.mktemp(request.param) / "index", engine=request.param)
    ix.rebuild(all_records())
    return ix


def refs(result) -> set[str]:
    return {hit.ref or hit.id for hit in result.hits}


SEED_ALL = {"1919-CV/QU", "seed-001", "100-CV/ĐU", "seed-003", "1196/UBND-VP"}

CASES = [
    # free words, folded
    ("chan chinh dieu hanh phong chong dich", {"1196/UBND-VP", "1919-CV/QU", "seed-001"}),
    ("hoà minh", {"100-CV/ĐU", "seed-001", "seed-003", "21/CT-TTg"}),
    # phrases, with and without diacritics; order matters
    ('"giãn cách toàn xã hội"', {"1196/UBND-VP"}),
    ('"gian cach toan xa hoi"', {"1196/UBND-VP"}),
    ('"GIÃN CÁCH"', {"1196/UBND-VP"}),
    ('"xa hoi toan gian cach"', set()),
    ('"hòa minh"', {"100-CV/ĐU"}),
    ('"tổ dân phố"', {"21/CT-TTg", "1196/UBND-VP"}),
    ('"bao hiem y te"', {"113/NQ-CP", "21/CT-TTg"}),
    ('"vuot tong muc thanh toan"', {"113/NQ-CP"}),
    # issuer: folded, partial, copies' issuers, abbreviations
    ('issuer:"quận ủy hoàn kiếm"', {"1919-CV/QU"}),
    ('issuer:"quận uỷ hoàn kiếm"', {"1919-CV/QU"}),
    ("issuer:hoan kiem", {"1919-CV/QU", "1196/UBND-VP"}),
    ('issuer:"hoan kiem"', {"1919-CV/QU", "1196/UBND-VP"}),
    ("issuer:(hoan kiem)", {"1919-CV/QU", "1196/UBND-VP"}),
    ('issuer:"ubnd quan hoan kiem"', {"1196/UBND-VP"}),
    ('issuer:"ha dong"', {"seed-001", "seed-003"}),
    ('issuer:"bo tai chinh"', {"40/2026/TT-BTC", "372/QĐ-BTC"}),
    # type
    ("type:CV", {"1919-CV/QU", "100-CV/ĐU", "1196/UBND-VP"}),
    ("type:cv", {"1919-CV/QU", "100-CV/ĐU", "1196/UBND-VP"}),
    ('type:"công văn"', {"1919-CV/QU", "100-CV/ĐU", "1196/UBND-VP"}),
    ('type:"cong van"', {"1919-CV/QU", "100-CV/ĐU", "1196/UBND-VP"}),
    ("type:TB", {"seed-001"}),
    ("type:điện", {"seed-003"}),
    ("type:QĐ", {"372/QĐ-BTC"}),
    ('type:"thông tư"', {"01/2025/TT-BLĐTBXH", "20/2023/TT-BLĐTBXH", "40/2026/TT-BTC"}),
    # signer
    ('signer:"Phạm Tuấn Long"', {"1196/UBND-VP"}),
    ("signer:khanh", {"1919-CV/QU"}),
    ('signer:"pham thi thanh tra"', {"21/CT-TTg", "113/NQ-CP"}),
    # ref: exact, also typed with spaces, en dash or without diacritics; copies too
    ("ref:1196/UBND-VP", {"1196/UBND-VP"}),
    ("ref:1196 / UBND–VP", {"1196/UBND-VP"}),
    ('ref:"1196 / UBND - VP"', {"1196/UBND-VP"}),
    ("ref:1196/ubnd-vp", {"1196/UBND-VP"}),
    ("ref:1196", {"1196/UBND-VP"}),
    ("ref:1196/UBND-CA", set()),
    ("ref:100-CV/ĐU", {"100-CV/ĐU"}),
    ("ref:100-CV/DU", {"100-CV/ĐU"}),
    ("ref:49-BS/QU", {"seed-003"}),
    ("ref:21/CT-TTg", {"21/CT-TTg"}),
    ("ref:01/2025/TT-BLĐTBXH", {"01/2025/TT-BLĐTBXH"}),
    ("1196/UBND-VP", {"1196/UBND-VP"}),
    # cites: by full number or bare number, resolved or not, as printed too
    ("cites:68/NQ-CP", {"1196/UBND-VP"}),
    ("cites:835", {"1919-CV/QU"}),
    ("cites:835-CV/TU", {"1919-CV/QU"}),
    ("cites:18/CĐ-UBND", {"1196/UBND-VP"}),
    ("cites:18/CD-UBND", {"1196/UBND-VP"}),
    ("cites:28/CĐ-TTg", {"seed-001"}),
    ("cites:20/2023/TT-BLĐTBXH", {"01/2025/TT-BLĐTBXH"}),
    ("cites:20/2023/TT-BLDTBXH", {"01/2025/TT-BLĐTBXH"}),
    ("cites:1196/UBND-VP", set()),
    # dates: calendar days, never off by one
    ("date:2021", {"100-CV/ĐU", "1196/UBND-VP"}),
    ("date:2021-08", {"1196/UBND-VP"}),
    ("date:2021-08-11", {"1196/UBND-VP"}),
    ("date:2021-08-10", set()),
    ("date:2021-08-12", set()),
    ("date:11/08/2021", {"1196/UBND-VP"}),
    ("date:2021-07-01..2021-12-31", {"100-CV/ĐU", "1196/UBND-VP"}),
    ("date:2021-07-19..2021-08-11", {"100-CV/ĐU", "1196/UBND-VP"}),
    ("date:2021-07-20..2021-08-10", set()),
    ("date:2021-07..2021-12", {"100-CV/ĐU", "1196/UBND-VP"}),
    ("date:..2021", {"100-CV/ĐU", "1196/UBND-VP"}),
    ("date:2026..", {"40/2026/TT-BTC", "21/CT-TTg", "113/NQ-CP", "372/QĐ-BTC"}),
    # combined
    ("issuer:hoan kiem AND date:2021", {"1196/UBND-VP"}),
    ("issuer:hoan kiem date:2021", {"1196/UBND-VP"}),
    ("type:CV OR type:TB", {"1919-CV/QU", "100-CV/ĐU", "1196/UBND-VP", "seed-001"}),
    ('covid NOT issuer:"hoan kiem"', {"100-CV/ĐU", "seed-001", "seed-003"}),
    ("covid -type:CV", {"seed-001", "seed-003"}),
    ("(cites:835 OR cites:68) phòng dịch", {"1919-CV/QU", "1196/UBND-VP"}),
    ("ref:21/CT-TTg OR NOT (covid OR hiểm)", {"21/CT-TTg", "40/2026/TT-BTC", "372/QĐ-BTC"}),
    ("NOT covid", {"01/2025/TT-BLĐTBXH", "20/2023/TT-BLĐTBXH", "40/2026/TT-BTC", "21/CT-TTg",
                   "113/NQ-CP", "372/QĐ-BTC"}),
]


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[c[0] for c in CASES])
def test_finds(index, query, expected):
    assert refs(index.search(query, limit=50)) == expected


def test_first_hit(index):
    assert index.search("chan chinh dieu hanh phong chong dich").hits[0].ref == "1196/UBND-VP"


@pytest.mark.parametrize("query", ["hoà minh", "hòa minh", "hoa minh", "HOÀ MINH", "Hoa Minh"])
def test_tone_placement_and_folding_agree(index, query):
    result = index.search(query, limit=50)
    assert refs(result) == refs(index.search("hòa minh", limit=50))
    assert result.hits[0].ref == "100-CV/ĐU"


@pytest.fixture(params=ENGINES)
def small(request, tmp_path):
    return Index(tmp_path / "index", engine=request.param)


def folders(ix: Index) -> list[str]:
    return sorted(p.name for p in ix.path.iterdir() if p.is_dir())


def test_exact_diacritics_rank_first(small):
    filler = " ".join(["công tác"] * 20)
    small.add_many([
        Record(id="folded", text=f"Tăng cường phong dich tại cơ sở. {filler}"),
        Record(id="exact", text=f"Tăng cường phòng dịch tại cơ sở. {filler}"),
        Record(id="other", text=f"Tăng cường phóng đích tại cơ sở. {filler}"),
    ])
    ranked = [hit.id for hit in small.search("phòng dịch").hits]
    assert ranked[0] == "exact" and set(ranked) == {"exact", "folded", "other"}
    assert [h.id for h in small.search('"phòng dịch"').hits][0] == "exact"
    assert len(small.search("phong dich").hits) == 3


def test_free_words_side_by_side_rank_first(small):
    # "apart" has both syllables twice and is shorter: on frequencies alone it ranks first
    small.rebuild([
        *all_records(),  # the real texts, so that the words' rarity is as in an archive
        Record(id="apart", text="Giãn tiến độ thi công, đổi cách làm. Giãn thời hạn nộp "
                                "thuế theo cách tính mới."),
        Record(id="together", text="Thực hiện giãn cách xã hội trên địa bàn quận theo chỉ "
                                   "thị của Thủ tướng Chính phủ, bảo đảm an toàn cho người "
                                   "dân và doanh nghiệp trong thời gian tới."),
    ])
    for query in ("gian cach", "giãn cách", "thuc hien gian cach"):
        assert [hit.id for hit in small.search(query).hits][0] == "together", query
    found = small.search("gian cach", sort="date", limit=50)
    assert {"apart", "together"} <= {hit.id for hit in found.hits}
    assert found.total == small.search("gian cach").total
    assert small.search("gian tien cach").hits[0].id == "apart"


def test_fuzzy_finds_ocr_misspelling(small):
    small.add(Record(id="ocr", text="Tăng cưòng công tác phòng, chốmg dịch trên địa bàn"))
    assert small.search("chống").total == 0
    result = small.search("chống~")
    assert [hit.id for hit in result.hits] == ["ocr"]
    assert "<mark>chốmg</mark>" in result.hits[0].highlights[0]


def test_suggest(index):
    assert index.suggest("phong chong dihc") == "phong chong dich"
    assert index.suggest("gian cach toan xa hoi") is None
    result = index.search("chấn chỉmh")
    assert result.total == 0 and result.suggestion == "chấn chinh"
    assert index.search("chấn chinh").total > 0


def test_highlights_keep_accents_as_stored(index):
    hit = index.search('"gian cach toan xa hoi"').hits[0]
    assert any("<mark>giãn cách toàn xã hội</mark>" in h for h in hit.highlights)
    plain = index.search("hoa minh", mark=("[", "]")).hits[0].highlights
    assert any("[Hòa Minh]" in h for h in plain)  # words typed side by side: marked as one
    assert any("[Hòa]" in h for h in index.search("minh -xyz hoa", mark=("[", "]")).hits[0].highlights)
    assert not any("<mark>" in h for h in plain)


def test_facets(index):
    facets = index.search("covid").facets
    assert dict(facets["type"]) == {"CV": 3, "TB": 1, "Điện": 1}
    assert dict(facets["year"]) == {"2021": 2, "2022": 1, "2023": 1}
    assert ("Ủy ban nhân dân quận Hoàn Kiếm", 1) in facets["issuer"]
    assert index.search("covid", facets=False).facets == {}


def test_sort_by_date_and_pages(index):
    newest = [h.date for h in index.search("covid", sort="-date").hits]
    assert newest == ["2023-08-25", "2022-01-17", "2021-08-11", "2021-07-19", None]
    oldest = [h.date for h in index.search("covid", sort="date").hits]
    assert oldest == ["2021-07-19", "2021-08-11", "2022-01-17", "2023-08-25", None]
    pages = [index.search("covid", sort="date", limit=2, page=p) for p in (1, 2, 3, 4)]
    assert [len(p.hits) for p in pages] == [2, 2, 1, 0]
    assert {p.pages for p in pages} == {3} and {p.total for p in pages} == {5}
    assert [h.date for p in pages for h in p.hits] == oldest


def test_json_shape(index):
    data = index.search("ref:1196/UBND-VP").to_dict()
    assert data["query"] == "ref:1196/UBND-VP" and data["total"] == 1
    hit = data["hits"][0]
    assert set(hit) >= {"id", "ref", "doc_type", "issuer", "date", "subject", "score", "highlights"}
    assert (hit["ref"], hit["doc_type"], hit["date"]) == ("1196/UBND-VP", "CV", "2021-08-11")
    assert data["facets"]["year"] == [{"value": "2021", "count": 1}]


@pytest.mark.parametrize("query", ["issuer:", 'issuer:"quận', 'x "abc', "date:2021-13", "date:2021-02-30",
                                   "date:tomorrow", "(covid", "covid)", "AND covid", "covid OR", "NOT",
                                   'signer:""', "ref:/", "date:2022..2021"])
def test_malformed_queries_raise_query_error(index, query):
    with pytest.raises(QueryError) as info:
        index.search(query)
    assert str(info.value)


def test_bad_sort_and_page(index):
    with pytest.raises(QueryError):
        index.search("covid", sort="size")
    with pytest.raises(QueryError):
        index.search("covid", page=0)


def test_update_delete_and_copy(small):
    small.add(Record(id="a", ref="1/CV", text="một"))
    small.add(Record(id="a", ref="1/CV", text="hai"))
    assert small.doc_count() == 1 and small.search("mot").total == 0 and small.search("hai").total == 1
    small.delete("a")
    small.delete("never-there")
    assert small.doc_count() == 0 and "a" not in small


def test_failed_batch_commits_nothing_and_releases_lock(small):
    small.add(Record(id="keep", text="giữ lại"))

    def records():
        yield Record(id="x1", text="một")
        raise RuntimeError("parser broke")

    with pytest.raises(RuntimeError):
        small.add_many(records())
    assert small.ids() == {"keep"}
    with pytest.raises(ValueError):
        small.add(Record(text="no id"))
    fast = Index(small.path, settings=small.settings.__class__(index_lock_timeout=0.2))
    fast.add(Record(id="x2", text="hai"))  # the lock was released both times
    assert fast.ids() == {"keep", "x2"}


def test_writer_waits_then_reports_busy(small):
    with file_lock(small.path / "write.lock", 1, "held by the test"):
        with pytest.raises(StorageError, match="busy"):
            Index(small.path, settings=small.settings.__class__(index_lock_timeout=0.2)).add(
                Record(id="b", text="ba"))
        assert small.search("").total == 0  # searches run during writes


def test_documents_stored_during_rebuild_are_kept(small, tmp_path):
    archive = Archive(tmp_path / "archive")
    first = archive.store(Record(text="một"), b"1", ["một"], "1.txt").id
    other = Index(small.path)  # e.g. an ingest job in another process

    def records():
        yield archive.get(first)
        archive.store(Record(text="mới nhập"), b"2", ["mới nhập"], "2.txt")
        other.sync(archive)  # while the rebuild runs, into the current index
        assert small.search("moi nhap").total == 1  # which serves it

    assert small.rebuild(records(), source=archive) == 1
    assert small.ids() == set(archive.ids()) and small.search("moi nhap").total == 1
    assert small.synced() == archive.sequence()
    with pytest.raises(StorageError, match="already running"):
        with file_lock(small.path / "rebuild.lock", 0, "held"):
            small.rebuild([])
    archive.close()


@pytest.mark.parametrize("procs", [1, 2])
def test_failed_rebuild_keeps_current_index(small, procs):
    """With 2 processes the failure comes after whoosh has started its workers (a batch
    is 100 documents); none is left running (the autouse fixture checks)."""
    small.add(Record(id="a", text="một"))

    def broken():
        for n in range(250):
            yield Record(id=f"b{n}", text="hai ba bốn")
        raise RuntimeError("archive unreadable")

    before = folders(small)
    with pytest.raises(RuntimeError):
        small.rebuild(broken(), procs=procs)
    assert small.ids() == {"a"}
    assert folders(small) == before


def test_rebuild_keeps_one_previous_generation(small):
    for n in range(3):
        small.rebuild([Record(id=f"r{n}", text="một")])
    assert small.ids() == {"r2"}
    assert len(folders(small)) == 2


def test_needs_rebuild_on_other_schema_version(small):
    assert not small.needs_rebuild()
    meta = small.path / (small.path / "CURRENT").read_text() / "vanthu.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "schema": SCHEMA_VERSION + 1}))
    reopened = Index(small.path)
    assert reopened.needs_rebuild()
    with pytest.raises(StorageError, match="reindex"):
        reopened.search("covid")
    reopened.rebuild([Record(id="n", text="mới")])
    assert not reopened.needs_rebuild() and reopened.ids() == {"n"}


def test_searches_from_threads_during_writes(small):
    small.add_many(Record(id=f"d{n}", text=f"văn bản số {n}") for n in range(50))
    errors: list[BaseException] = []

    def reader():
        try:
            for _ in range(20):
                assert small.search("van ban").total >= 50
        except BaseException as exc:  # noqa: BLE001 (collected and asserted below)
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for n in range(10):
        small.add(Record(id=f"e{n}", text="văn bản mới"))
    for t in threads:
        t.join()
    assert not errors and small.search("van ban").total == 60


# -- parallel and incremental indexing agree with one rebuild -----------------------------


def test_parallel_rebuild_and_one_commit_per_document_find_the_same(index, tmp_path):
    expected = {q: refs(index.search(q, limit=50)) for q, _ in CASES}
    parallel = Index(tmp_path / "parallel", engine=index.engine)
    assert parallel.rebuild(all_records(), procs=2) == len(all_records())
    one_by_one = Index(tmp_path / "one-by-one", engine=index.engine)
    for record in all_records():
        one_by_one.add(record)
    for ix in (parallel, one_by_one):
        assert {q: refs(ix.search(q, limit=50)) for q, _ in CASES} == expected
        assert ix.search("covid").facets == index.search("covid").facets


def test_phrase_needs_adjacent_syllables(small):
    small.add_many([
        Record(id="apart", text="Giãn cách xã hội; cách toàn diện"),  # both bigrams, no phrase
        Record(id="phrase", text="Giãn cách toàn thành phố"),
        Record(id="names", issuer="Quận Hoàn Kiếm", signer="Long Văn Phạm", text="x"),
    ])
    assert [h.id for h in small.search('"giãn cách toàn"').hits] == ["phrase"]
    assert small.search('"gian cach toan" OR "cach toan dien"').total == 2
    assert small.search('NOT "gian cach toan"').total == 2
    assert small.search('issuer:"hoan kiem"').total == 1
    assert small.search('issuer:"kiem hoan"').total == 0
    assert small.search('signer:"pham van long"').total == 0


def test_close_then_search(small):
    small.add(Record(id="a", text="một"))
    small.close()
    assert small.search("mot").total == 1


def _plain(fragment: str, mark=("<mark>", "</mark>")) -> str:
    import html
    text = fragment.replace(mark[0], "").replace(mark[1], "")
    return html.unescape(text) if mark[0].startswith("<") else text


LONG_BODY = " ".join(
    ["Công tác phòng, chống dịch được triển khai tại các tổ dân phố, dịch bệnh được kiểm soát."] * 30
    + ["Về việc giãn cách xã hội & <b>phòng dịch</b> tại cơ sở: dịch bệnh Covid-19."]
    + ["Các đơn vị báo cáo tình hình dịch bệnh hằng tuần về Ủy ban nhân dân quận."] * 20)


def test_highlights_are_bounded_windows_at_word_boundaries(small):
    import re
    from search.analysis import fold

    small.add(Record(id="long", subject="Về phòng dịch", text=LONG_BODY))
    hit = small.search("dich benh covid").hits[0]
    assert 1 <= len(hit.highlights) <= 3
    text = " ".join(LONG_BODY.split())
    for fragment in hit.highlights:
        plain = _plain(fragment)
        assert len(plain) <= 240 + 2  # the width, plus "…" at each end
        marked = re.findall(r"<mark>(.*?)</mark>", fragment)
        assert marked and all(set(fold(w).split()) <= {"dich", "benh", "covid"} for w in marked)
        inner = plain.strip("…")
        # cut at word boundaries: no syllable is cut in half
        assert re.search(r"(?<!\w)%s(?!\w)" % re.escape(inner), text), fragment
    # the window with all three query words comes first; accents as stored, HTML escaped
    best = hit.highlights[0]
    assert {"Covid", "dịch bệnh"} <= set(re.findall(r"<mark>(.*?)</mark>", best))
    assert "&amp; &lt;b&gt;" in best


def test_highlight_window_prefers_distinct_query_words():
    from search.snippets import Highlighter

    h = Highlighter([["phong"], ["dich"]], width=60)
    text = "dịch " * 40 + "tại xã. Công tác phòng, chống dịch. " + "dịch " * 40
    fragments = h.fragments(text)
    assert len(fragments) == 3
    assert "<mark>phòng</mark>" in fragments[0] and "<mark>dịch</mark>" in fragments[0]
    assert all(len(_plain(f)) <= 62 for f in fragments)


def test_highlight_plain_marks_skip_html_escaping():
    from search.snippets import Highlighter

    text = "Quy định <b>giãn cách</b> & phòng dịch"
    assert Highlighter([["gian", "cach"]], mark=("«", "»")).fragments(text) == \
        ["Quy định <b>«giãn cách»</b> & phòng dịch"]
    bold = Highlighter([["gian", "cach"]], mark=("\x1b[1m", "\x1b[0m")).fragments(text)
    assert bold == ["Quy định <b>\x1b[1mgiãn cách\x1b[0m</b> & phòng dịch"]
    assert Highlighter([["gian", "cach"]]).fragments(text) == \
        ["Quy định &lt;b&gt;<mark>giãn cách</mark>&lt;/b&gt; &amp; phòng dịch"]
