"""The query language → whoosh queries, and the user's error messages."""
from __future__ import annotations

import datetime as dt

import pytest

from archive.errors import QueryError
from search.query import date_span, parse

PARSED = [
    # juxtaposed free words: each pair side by side adds to the score
    ("chi thi phong dich", '((text:chi AND text:thi AND text:phong AND text:dich) ANDMAYBE '
                           'text:"chi thi" OR text:"thi phong" OR text:"phong dich")'),
    ("chỉ thị", '(((text:chi ANDMAYBE exact:chỉ^1.5) AND (text:thi ANDMAYBE exact:thị^1.5)) '
                'ANDMAYBE text:"chi thi")'),
    ("quy dinh quy dinh", '((text:quy AND text:dinh AND text:quy AND text:dinh) ANDMAYBE '
                          'text:"quy dinh" OR text:"dinh quy")'),
    # a field, a phrase, an OR or a negation between two words: no pair
    ("phong type:CV dich", "(text:phong AND type:cv AND text:dich)"),
    ('dich "phong chong" covid', "(text:dich AND text:\"phong chong\" AND text:covid)"),
    ("dich -covid phong", "((text:dich AND text:phong) ANDNOT text:covid)"),
    ("hoà", "(text:hoa ANDMAYBE exact:hòa^1.5)"),
    ('"gian cach"', 'text:"gian cach"'),
    ('"gian cach toan"', 'text:"gian cach toan"'),
    ('issuer:"Quận uỷ Hoàn Kiếm"', 'issuer:"quan uy hoan kiem"'),
    ("issuer:(hoan kiem)", "(issuer:hoan AND issuer:kiem)"),
    ("issuer:(hoan kiem) phong chong", '(((issuer:hoan AND issuer:kiem) AND text:phong AND '
                                       'text:chong) ANDMAYBE text:"phong chong")'),
    ("signer:Long", "signer:long"),
    ("type:CV", "type:cv"),
    ("type:QĐ", "type:qd"),
    ('type:"Quyết định"', "(type:qd OR type:quyet_dinh)"),
    ("ref:1196/UBND-VP", "ref:1196/ubnd-vp"),
    ("ref:1196 / UBND – VP", "ref:1196/ubnd-vp"),
    ("ref:1196 covid", "(ref:1196 AND text:covid)"),
    ("1196/UBND-VP covid", "((ref:1196/ubnd-vp^3 OR cites:1196/ubnd-vp OR "
                           'text:"1196 ubnd vp") AND text:covid)'),
    ("cites:068", "cites:68"),
    ("cites:68/NQ-CP OR cites:835", "(cites:68/nq-cp OR cites:835)"),
    ("a OR b c", "((text:a OR text:b) AND text:c)"),
    ("a b OR c d", "(text:a AND (text:b OR text:c) AND text:d)"),
    ("a (b c)", '(text:a AND ((text:b AND text:c) ANDMAYBE text:"b c"))'),
    ("a AND b OR c", "((text:a AND text:b) OR text:c)"),
    ("covid -type:CV", "(text:covid ANDNOT type:cv)"),
    ("covid NOT (a b)", "(text:covid ANDNOT (text:a AND text:b))"),  # no pair in what is excluded
    ("NOT NOT covid", "text:covid"),
    ("a OR NOT b", "(text:a OR (* ANDNOT text:b))"),
    ("NOT a OR b", "((* ANDNOT text:a) OR text:b)"),
    ("dich~", "text:dich~1"),
    ("dich~2", "text:dich~2"),
    ("date:2021-08", "date:[20210801 TO 20210901)"),
    ("date:..2021", "date:[ TO 20220101)"),
    ("", "*"),  # every document
    ("and or not", '((text:and AND text:or AND text:not) ANDMAYBE text:"and or" OR '
                   'text:"or not")'),  # only capitals are operators
]


@pytest.mark.parametrize(("text", "expected"), PARSED, ids=[p[0] or "empty" for p in PARSED])
def test_parse(text, expected):
    assert str(parse(text).node) == expected


def test_parse_records_words_and_phrases_for_highlights():
    parsed = parse('Hoà "giãn cách" dich~ NOT covid issuer:x')
    assert parsed.words == ["Hoà", "dich"]
    assert parsed.phrases == [("hoa",), ("gian", "cach")]
    assert [str(f) for f in parsed.fuzzy] == ["text:dich~1"]
    assert parse("phòng chống -dich covid").phrases == [
        ("phong",), ("chong",), ("covid",), ("phong", "chong")]


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2021", dt.date(2021, 1, 1), dt.date(2022, 1, 1)),
    ("2021-08", dt.date(2021, 8, 1), dt.date(2021, 9, 1)),
    ("2021-12", dt.date(2021, 12, 1), dt.date(2022, 1, 1)),
    ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 3, 1)),
    ("2021-08-11", dt.date(2021, 8, 11), dt.date(2021, 8, 12)),
    ("2021-8-1", dt.date(2021, 8, 1), dt.date(2021, 8, 2)),
    ("11/08/2021", dt.date(2021, 8, 11), dt.date(2021, 8, 12)),
])
def test_date_span(text, start, end):
    assert date_span(text) == (start, end)


@pytest.mark.parametrize(("text", "message"), [
    ("issuer:", "issuer: needs a value"),
    ("issuer: hoan", "issuer: needs a value"),
    ("cites:", "cites: needs a value"),
    ('"giãn cách', "unbalanced quote"),
    ('issuer:"hoàn kiếm', "unbalanced quote"),
    ("date:2021-13", "no month 13"),
    ("date:2021-02-29", "no day 29"),
    ("date:2021-00", "no month 0"),
    ("date:21-08", "write a date as"),
    ("date:2022..2021", "ends before it starts"),
    ("date:..", "needs a start or an end"),
    ("(a b", "never closed"),
    ("a b)", "unexpected )"),
    ("OR a", "needs a word on both sides"),
    ("a AND", "ends where a word was expected"),
    ("()", "empty parentheses"),
    ('""', "empty phrase"),
])
def test_malformed(text, message):
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(text)
