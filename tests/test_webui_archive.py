"""The archive functions the web UI stands on: citation chains (cycles, ambiguity, size
bound, cited-only numbers), citation spans in text, accounts, jobs and the review queue."""
from __future__ import annotations

import pytest

from archive.annotate import annotate
from archive.chain import chain, citers
from archive.errors import NotFoundError, VanthuError
from archive.jobs import DUPLICATE, QUEUED, READING, STORED, Jobs
from archive.record import Citation, Record
from archive.review import review_count, review_queue
from archive.store import Archive
from archive.users import Users

from paths import seed_paths


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "archive") as store:
        yield store


def put(archive, ref, date, *cites, issuer="Ủy ban nhân dân quận Hoàn Kiếm", **extra):
    citations = tuple(Citation(ref=r, relation=rel, date=d) for r, rel, d in cites)
    record = Record(ref=ref, date=date, issuer=issuer, doc_type="CV", citations=citations, **extra)
    return archive.store(record, f"{ref} {date} {issuer}".encode(), [ref], f"{ref}.txt").id


# -- chains ---------------------------------------------------------------------------------

def test_a_chain_goes_up_and_down_to_the_depth_asked(archive):
    a = put(archive, "1/NQ-CP", "2021-01-05", issuer="Chính phủ")
    b = put(archive, "2/CT-UBND", "2021-02-01", ("1/NQ-CP", "căn cứ", None))
    c = put(archive, "3/UBND-VP", "2021-03-01", ("2/CT-UBND", "thực hiện", None))
    d = put(archive, "4/UBND-VP", "2021-03-11", ("3/UBND-VP", "thực hiện", None))
    full = chain(archive.catalog, b, up=3, down=3)
    assert {n.key: n.level for n in full.nodes} == {a: -1, b: 0, c: 1, d: 2}
    assert {(e.source, e.target, e.relation, e.days) for e in full.edges} == {
        (b, a, "căn cứ", 27), (c, b, "thực hiện", 28), (d, c, "thực hiện", 10)}
    one = chain(archive.catalog, b, up=0, down=1)
    assert {n.key for n in one.nodes} == {b, c}


def test_cycles_end_and_every_document_appears_once(archive):
    a = put(archive, "10/UBND-VP", "2021-05-01", ("11/UBND-VP", "theo", None))
    b = put(archive, "11/UBND-VP", "2021-05-02", ("10/UBND-VP", "phúc đáp", None))
    graph = chain(archive.catalog, a, up=8, down=8)
    assert sorted(n.key for n in graph.nodes) == sorted([a, b])
    assert {(e.source, e.target) for e in graph.edges} == {(a, b), (b, a)}


def test_unresolved_numbers_are_placeholders_and_ambiguity_links_every_candidate(archive):
    x1 = put(archive, "5/KH-UBND", "2020-03-01", issuer="Ủy ban nhân dân quận Ba Đình")
    x2 = put(archive, "5/KH-UBND", "2020-04-01", issuer="Ủy ban nhân dân quận Đống Đa")
    doc = put(archive, "6/UBND-VP", "2021-01-01", ("5/KH-UBND", "theo", None),
              ("68/NQ-CP", "căn cứ", "2021-07-01"), issuer="Ủy ban nhân dân thành phố Hà Nội")
    graph = chain(archive.catalog, doc)
    placeholder = next(n for n in graph.nodes if not n.stored)
    assert placeholder.ref == "68/NQ-CP" and placeholder.key.startswith("ref:")
    statuses = {(e.target, e.status) for e in graph.edges}
    assert {(x1, "ambiguous"), (x2, "ambiguous"), (placeholder.key, "unresolved")} <= statuses
    down = chain(archive.catalog, x1, up=0, down=1)  # seen from a candidate, too
    assert {(e.source, e.status) for e in down.edges} == {(doc, "ambiguous")}


def test_a_much_cited_directive_is_cut_at_max_nodes(archive):
    root = put(archive, "1/CT-TTg", "2021-01-01", issuer="Thủ tướng Chính phủ")
    for i in range(12):
        put(archive, f"{100 + i}/UBND-VP", "2021-02-01", ("1/CT-TTg", "thực hiện", None))
    graph = chain(archive.catalog, root, down=1, max_nodes=5)
    assert len(graph.nodes) == 5 and graph.truncated
    assert not chain(archive.catalog, root, down=1, max_nodes=50).truncated


def test_an_unknown_document_has_no_chain(archive):
    with pytest.raises(NotFoundError):
        chain(archive.catalog, "0123456789abcdef")


def test_citers_of_a_number_resolved_or_not(archive):
    a = put(archive, "7/UBND-VP", "2021-06-01", ("17/CT-UBND", "thực hiện", None))
    b = put(archive, "8/UBND-VP", "2021-05-01", ("17/CT-UBND", "theo", None))
    found = citers(archive.catalog, "17/ct-ubnd")
    assert [(c.id, c.relation, c.status) for c in found] == [(b, "theo", "unresolved"),
                                                            (a, "thực hiện", "unresolved")]
    assert citers(archive.catalog, "no number") == []


# -- citation spans in text -------------------------------------------------------------------

@pytest.mark.parametrize("printed", [
    "1196/UBND-VP", "1196/ UBND-VP", "1196 /UBND - VP", "1196/UBND–VP", "1196/UBND-\nVP", "1196/ubnd-vp",
])
def test_a_citation_is_found_however_the_scan_printed_it(printed):
    text = f"Thực hiện Công văn số {printed} ngày 11/8/2021 của UBND quận."
    segments = annotate(text, [Citation(ref="1196/UBND-VP")])
    assert [s.text for s in segments if s.citation == 0] == [printed]
    assert "".join(s.text for s in segments) == text


def test_citation_spans_do_not_match_inside_other_numbers():
    text = "Số 11196/UBND-VP và 1196/UBND-VPX, nhưng 1196/UBND-VP."
    segments = annotate(text, [Citation(ref="1196/UBND-VP")])
    assert [(s.text, s.citation) for s in segments if s.citation is not None] == [("1196/UBND-VP", 0)]


def test_every_citation_of_the_real_seeds_is_marked_where_printed():
    from ingest.parser import parse

    for path in seed_paths():
        text = path.read_text(encoding="utf-8")
        record = parse(text)
        segments = annotate(text, record.citations)
        assert "".join(s.text for s in segments) == text
        marked = {s.citation for s in segments if s.citation is not None}
        with_number = {i for i, c in enumerate(record.citations) if c.ref}
        missing = [record.citations[i].ref for i in with_number - marked]
        assert len(missing) <= 1, (path.name, missing)  # an OCR'd digit may differ from the ref


# -- accounts, jobs, review -----------------------------------------------------------------

def test_accounts(archive):
    users = Users(archive.catalog)
    users.add("lan", "mật khẩu tốt", "archivist")
    with pytest.raises(VanthuError, match="exists"):
        users.add("lan", "mật khẩu khác", "reader")
    with pytest.raises(VanthuError, match="role"):
        users.add("an", "mật khẩu tốt", "admin")
    with pytest.raises(VanthuError, match="name"):
        users.add("a b<", "mật khẩu tốt", "reader")
    assert users.authenticate("lan", "mật khẩu tốt").is_archivist
    assert users.authenticate("lan", "sai") is None and users.authenticate("ai", "x") is None
    users.remove("lan")
    assert users.count() == 0
    with pytest.raises(NotFoundError):
        users.remove("lan")


def test_jobs_are_claimed_once_and_requeued_after_a_stop(archive):
    jobs = Jobs(archive.catalog)
    first = jobs.add("b", "a.pdf", "/inbox/1/a.pdf", "aa" * 32, "lan")
    jobs.add("b", "b.pdf", None, "bb" * 32, "lan", state=DUPLICATE, doc_id="bbbbbbbbbbbbbbbb")
    second = jobs.add("b", "c.pdf", "/inbox/2/c.pdf", "cc" * 32, "lan")
    assert jobs.claim().id == first.id and jobs.claim().id == second.id and jobs.claim() is None
    jobs.progress(first.id, 3, 7)
    assert (jobs.get(first.id).pages_done, jobs.get(first.id).pages_total) == (3, 7)
    jobs.finish(second.id, STORED, doc_id="cccccccccccccccc")
    assert jobs.requeue() == 1
    assert [(j.filename, j.state) for j in jobs.batch("b")] == [
        ("a.pdf", QUEUED), ("b.pdf", DUPLICATE), ("c.pdf", STORED)]
    assert jobs.staged_paths() == {"/inbox/1/a.pdf"} and jobs.get(second.id).staged is None
    with pytest.raises(ValueError):
        jobs.finish(first.id, READING)


def test_the_review_queue_follows_stores_corrections_and_reparses(archive):
    doc = put(archive, "9/UBND-VP", "2021-09-09", needs_review=("number", "date"))
    put(archive, "10/UBND-VP", "2021-09-10")
    assert review_queue(archive.catalog) == [doc] and review_count(archive.catalog) == 1
    archive.correct(doc, {"number": "9"}, "lan")
    assert review_count(archive.catalog) == 1
    archive.correct(doc, {"date": "2021-09-09"}, "lan")
    assert review_queue(archive.catalog) == []
    archive.reparse(doc, lambda text: Record(ref="9/UBND-VP", needs_review=("number", "signer")))
    assert review_queue(archive.catalog) == [doc]  # the corrected number stays confirmed
    assert archive.get(doc).needs_review == ("signer",)  # a correction confirms for good
