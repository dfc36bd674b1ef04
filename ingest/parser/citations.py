"""Citations: references to other directives, with date, issuer, relation and sentence.

``Thực hiện Công văn số 835-CV/TU ngày 22/8/2023 của Thành ủy Hà Nội về …`` gives
ref 835-CV/TU, type CV, date 2023-08-22, issuer "Thành ủy Hà Nội", relation "thực hiện".
The relation comes from the cue before the citation (reference §3): in a "Căn cứ" sentence
every citation is a legal basis; elsewhere the nearest cue since the previous citation of
the same sentence counts, a list ("A và B") shares its cue, and "hết hiệu lực" after the
citation marks a repeal.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import replace

from archive.record import Citation
from archive.vntext import normalize_ref

from .doctypes import type_from_name
from .numbers import REF_IN_TEXT, Ref, parse_date, parse_ref

__all__ = ["find_citations"]

_TYPE_WORDS = (
    "Thông tư liên tịch|Văn bản hợp nhất|Công văn|Công điện|Chỉ thị|Nghị quyết|Nghị định|"
    "Quyết định|Thông báo|Thông tư|Kế hoạch|Kết luận|Hướng dẫn|Bộ luật|Luật|Pháp lệnh|"
    "Tờ trình|Báo cáo|Quy định|Quy chế|Chương trình|Đề án|Điện|Lệnh|Văn bản"
)
_TYPE_WORD = re.compile(rf"(?<!\w)(?:{_TYPE_WORDS})(?!\w)", re.IGNORECASE)
# Between the type word and the number: nothing, "số", or a short name then "số"
# ("Luật Bảo hiểm y tế số 25/2008/QH12"), never another number.
_GAP = re.compile(r"^(?:\s+số|(?:\s+[^\s\d/]+){1,8}?\s+số)?\s*:?\s*$", re.IGNORECASE)
_DATE_AFTER = re.compile(
    r"^\s*[,)]?\s*(?:ban hành\s+)?ngày\s+(?P<date>\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}"
    r"|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4})", re.IGNORECASE
)
_OF_AFTER = re.compile(r"^\s*,?\s*của\s+(?P<rest>.{1,160})", re.DOTALL)
# Words that end an issuer phrase: any case, then lower case only ("Ban Thường vụ" is a
# name, "ban hành" is not), then two-word verbs.
_STOPS_ANY_CASE = {"về", "căn", "thực", "theo", "tại", "để", "trong", "nhằm", "đã", "được",
                   "số", "ngày", "kèm"}
_STOPS_LOWER = {"quy", "hướng", "ban", "sửa", "bổ", "tạm", "ngưng", "phê", "thay", "với", "là",
                "hết", "có", "thì", "v/v", "triển", "đối", "gồm", "như", "ký"}
_STOP_PAIRS = {("thành", "lập")}
_LEAD = "căn cứ"
_CUES = (
    ("căn cứ", "căn cứ"), ("thực hiện", "thực hiện"), ("triển khai", "thực hiện"),
    ("phúc đáp", "phúc đáp"), ("trả lời", "phúc đáp"), ("sửa đổi", "sửa đổi"),
    ("thay thế", "thay thế"), ("bãi bỏ", "bãi bỏ"), ("sao lục", "sao lục"), ("sao y", "sao lục"),
    ("hướng dẫn", "hướng dẫn"), ("theo", "theo"), ("tại", "theo"),
)
_CUE_RE = re.compile(r"(?<!\w)(" + "|".join(c for c, _ in _CUES) + r")(?!\w)", re.IGNORECASE)
_CUE_OF = dict(_CUES)
_REPEAL_AFTER = re.compile(r"(?<!\w)(hết hiệu lực|bị bãi bỏ|được thay thế)(?!\w)", re.IGNORECASE)
# A sentence ends after . ! ? before a capital or digit, after : ; at a line end, or at a
# blank line. The pattern opens with the class of the characters it can end on, so that
# Python's engine scans for those in C and tries the branches only there (4× faster than
# an alternation whose branches start with groups).
_SENTENCE_BREAK = re.compile(r"[.!?:;\n](?:(?<=[.!?])\s+(?=[A-ZĐÀ-Ỹ0-9\-])"
                             r"|(?<=[:;])[ \t]*\n|(?<=\n)[ \t]*\n)")
_CONTEXT_MAX = 500


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _SENTENCE_BREAK.finditer(text):
        at = m.start()
        spans.append((start, at if text[at] == "\n" else at + 1))  # keep . ! ? : ;
        start = m.end()
    spans.append((start, len(text)))
    return spans


def _issuer_after(text: str) -> str | None:
    m = _OF_AFTER.match(text)
    if not m:
        return None
    words: list[str] = []
    tokens = m["rest"].split()
    for k, raw in enumerate(tokens[:12]):
        word = raw.strip(",;.:()")
        pair = (word, tokens[k + 1].strip(",;.:()") if k + 1 < len(tokens) else "")
        if (not word or word.lower() in _STOPS_ANY_CASE or word in _STOPS_LOWER
                or pair in _STOP_PAIRS or (not words and not word[0].isupper())):
            break
        if word == "và" and not _name_continues(tokens[k + 1:k + 3]):
            break
        words.append(word)
        if raw.rstrip(",;.:)") != raw:  # punctuation closes the name
            break
    return " ".join(words) or None


def _name_continues(nxt: list[str]) -> bool:
    """After "và": "Bộ Kế hoạch và Đầu tư" goes on, "… và Công văn số …" does not."""
    if not nxt or not nxt[0][:1].isupper():
        return False
    return not re.match(_TYPE_WORDS, " ".join(nxt), re.IGNORECASE)


def _type_code(ref: Ref, before: str) -> str | None:
    window = before[-90:]
    words = list(_TYPE_WORD.finditer(window))
    word_code = None
    if words and _GAP.match(window[words[-1].end():]):
        word_code = type_from_name(words[-1].group(0))
    inferred_cv = ref.doc_type == "CV" and not ref.symbol.startswith("CV")
    if ref.doc_type and not inferred_cv:
        return ref.doc_type
    return word_code or ref.doc_type


_LIST_GLUE = re.compile(
    rf"ngày|của|số|và|các|cùng|{_TYPE_WORDS}"
    r"|\d{1,2}\s*(?:tháng|/)\s*\d{1,2}\s*(?:năm|/)\s*\d{4}"
    r"|[^\w\s]+", re.IGNORECASE)


def _is_list_step(span: str) -> bool:
    """True when only a date, a "của …" phrase and "và"/";" separate two citations,
    so the second shares the first one's cue ("Chỉ thị số 17 … và Công điện số 18 …")."""
    span = re.sub(r"(?<!\w)của\s[^,;]*?(?=[,;]|\svà\s|$)", " ", span)
    rest = _LIST_GLUE.sub(" ", span).split()
    return sum(1 for w in rest if not w[0].isupper()) <= 1


def _relation(sentence: str, lead: bool, repeal_at: int, since: int, at: int, end: int,
              inherited: str | None) -> str | None:
    """The cue of the citation at ``sentence[at:end]``; ``lead`` says the sentence opens
    with "Căn cứ", ``repeal_at`` where its last repeal phrase starts (-1: none). Both are
    computed once per sentence, so a sentence of n citations costs O(n), not O(n²)."""
    if lead:
        return "căn cứ"
    cues = list(_CUE_RE.finditer(sentence, since, at))
    if cues:
        return _CUE_OF[cues[-1].group(1).lower()]
    if inherited and _is_list_step(sentence[since:at]):
        return inherited
    if repeal_at >= end:
        return "bãi bỏ"
    return None


def _last_repeal(sentence: str) -> int:
    last = -1
    for m in _REPEAL_AFTER.finditer(sentence):
        last = m.start()
    return last


def find_citations(text: str, exclude: Collection[str | None] = frozenset(),
                   bound: dt.date | None = None) -> tuple[Citation, ...]:
    """All citations in ``text``, first mention first, one per reference.

    ``exclude`` holds references of the document itself and of its copies.

    >>> c = find_citations("Thực hiện Chỉ thị số 17/CT-UBND ngày 23/7/2021 và Công điện số "
    ...                    "18/CD-UBND ngày 06/8/2021 của Chủ tịch UBND thành phố Hà Nội về X.")
    >>> [(x.ref, x.date, x.relation) for x in c]
    [('17/CT-UBND', '2021-07-23', 'thực hiện'), ('18/CĐ-UBND', '2021-08-06', 'thực hiện')]
    >>> c[1].printed
    '18/CD-UBND'
    >>> c[1].issuer
    'Chủ tịch UBND thành phố Hà Nội'
    """
    excluded = {normalize_ref(r) for r in exclude if r}
    found: dict[str, Citation] = {}
    for s_start, s_end in _sentences(text):
        if "/" not in text[s_start:s_end]:
            continue  # every number has a slash: a sentence without one cites nothing
        sentence = " ".join(text[s_start:s_end].split())
        since, inherited = 0, None
        lead = sentence[:40].lstrip(" -–•+0123456789.)abcdđ").lower().startswith(_LEAD)
        repeal_at = _last_repeal(sentence)
        for m in REF_IN_TEXT.finditer(sentence):
            ref = parse_ref(m.group(0))
            if ref is None:
                continue
            after = sentence[m.end():m.end() + 220]
            date_m = _DATE_AFTER.match(after)
            date = parse_date(date_m["date"], bound) if date_m else None
            issuer = _issuer_after(after[date_m.end():] if date_m else after)
            relation = _relation(sentence, lead, repeal_at, since, m.start(), m.end(), inherited)
            since, inherited = m.end(), relation
            if ref.ref in excluded:
                continue
            lo = max(0, min(m.start() - _CONTEXT_MAX // 2, len(sentence) - _CONTEXT_MAX))
            cite = Citation(ref=ref.ref, number=ref.number, symbol=ref.symbol,
                            doc_type=_type_code(ref, sentence[:m.start()]), issuer=issuer,
                            date=date, relation=relation, context=sentence[lo:lo + _CONTEXT_MAX],
                            printed=ref.printed)
            found[ref.ref] = _merge(found[ref.ref], cite) if ref.ref in found else cite
    return tuple(found.values())


def _merge(first: Citation, later: Citation) -> Citation:
    """Keep the first mention; fill what it lacks from a later, fuller one."""
    fill = {k: getattr(later, k) for k in ("doc_type", "issuer", "date", "relation", "printed")
            if getattr(first, k) is None and getattr(later, k) is not None}
    return replace(first, **fill) if fill else first
