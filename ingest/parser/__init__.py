"""The directive parser: ``parse(text) → Record``.

Stages, each in its own module: :mod:`layout` cleans the text into lines, :mod:`stamps`
takes out e-signing stamps, :mod:`header` (with :mod:`stream`) reads number, issuer,
place, date, type and subject, :mod:`signature` the signer, :mod:`copies` a sao lục /
sao y block, :mod:`citations` the documents cited, and :mod:`review` says which fields
it does not vouch for. Unknown values stay ``None``: nothing is guessed.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace

from archive.record import Record, Source, Word
from archive.settings import Settings

from .bodies import organ_units
from .citations import find_citations
from .copies import find_copy_start, read_copy
from .doctypes import LOCAL_ORGANS, NATIONAL_ISSUERS, national_issuer, type_name
from .header import (
    Header, body_issuer, find_place_date, header_end, number_elsewhere, read_header,
)
from .layout import clean_text, fold_aligned as fold, gazette_date, split_lines
from .names import organ_case
from .numbers import read_number_line
from .review import filled_in, keys_of, locate, review_marks
from .signature import Signature, find_signatures, last_name_line
from .stamps import read_stamps

__all__ = ["parse"]


def parse(text: str, words: Sequence[Sequence[Word]] = (), *, today: dt.date | None = None,
          min_confidence: float = Settings.review_confidence) -> Record:
    """Parse the text of one directive into a :class:`Record` (``id`` None; ``source``
    None unless an e-signing stamp gives its ``signature``).

    ``words``: for a scan, the words OCR read on each page (empty for a text-layer page),
    to tell where and how surely each header field was read (``fields``, ``needs_review``);
    ``today``: the day the document is read (no date after it is plausible).

    >>> r = parse("ỦY BAN NHÂN DÂN\\nQUẬN HOÀN KIẾM\\nSố: 1196/UBND-VP\\n"
    ...           "Hoàn Kiếm, ngày 11 tháng 8 năm 2021\\nV/v chấn chỉnh công tác\\n")
    >>> (r.ref, r.doc_type, r.issuer, r.date)
    ('1196/UBND-VP', 'CV', 'Ủy ban nhân dân quận Hoàn Kiếm', '2021-08-11')
    >>> r.subject, r.needs_review
    ('V/v chấn chỉnh công tác', ())
    """
    clean = clean_text(text or "")
    signing, lines = read_stamps(split_lines(clean))
    bound = gazette_date(clean)
    signatures = find_signatures(lines)
    copy_at = find_copy_start(lines, signatures, header_end(lines))
    hi = copy_at[0] if copy_at else len(lines)
    copies = (read_copy(lines, copy_at[0], copy_at[1], bound),) if copy_at else ()
    head = read_header(lines, hi, bound)
    head = _consolidated(lines, hi, head, bound)
    if head.ref is None and "number" not in head.unreadable:
        head = replace(head, ref=number_elsewhere(lines, head.end, hi))
    main_sigs = [s for s in signatures if s.end < hi]
    sig = main_sigs[0] if main_sigs else None
    signer, title = (sig.name, sig.title) if sig else (None, None)
    if sig is None:
        # A last page alone has no header to end: its closing part starts at "Nơi nhận".
        closing = next((i for i in range(hi) if fold(lines[i]).startswith("noi nhan")), hi)
        bare = last_name_line(lines, min(head.end, closing), hi)
        signer = bare[1] if bare else None
    ref = head.ref
    issuer = head.issuer or _fallback_issuer(clean, head, sig)
    exclude = {ref.ref if ref else None} | {c.ref for c in copies}
    citations = find_citations("\n".join(lines), exclude, bound)
    scanned = any(words)
    printed = dict(head.printed)
    keyed = keys_of(words) if scanned else []
    fields = locate(printed, words, keyed) if scanned else {}
    marks = review_marks(unreadable=head.unreadable, date=head.date, fields=fields,
                         scanned=scanned, min_confidence=min_confidence,
                         today=today or dt.date.today(), bound=bound, signing=signing,
                         hand_filled=scanned and filled_in(printed.get("number", ""), words, keyed))
    return Record(
        ref=ref.ref if ref else None, number=ref.number if ref else None,
        symbol=ref.symbol if ref else None, doc_type=head.type_code,
        doc_type_name=type_name(head.type_code), issuer=issuer,
        parent_issuer=head.parent_issuer if head.issuer else None, place=head.place,
        date=head.date, subject=head.subject, signer=signer, signer_title=title,
        recipients=head.recipients, copies=copies, citations=citations, text=clean,
        source=Source(signature=signing) if signing else None, needs_review=marks,
        fields=fields, printed=ref.printed if ref else None,
    )


def _fallback_issuer(clean: str, head: Header, sig: Signature | None) -> str | None:
    """No issuer in the header: read it from the seal, the body, or the symbol, in that order."""
    if sig and sig.seal:
        units = organ_units(list(sig.seal))
        if units:
            return organ_case(units[-1])
    code = head.ref.issuer_code if head.ref else None
    if code in LOCAL_ORGANS and head.place:
        found = body_issuer(clean, LOCAL_ORGANS[code], head.place)
        if found:
            return found
    if code and national_issuer(code):
        return national_issuer(code)
    for body in sig.authority if sig else ():
        name = organ_case(body)
        if name in NATIONAL_ISSUERS.values():
            return name
    return None


def _consolidated(lines: list[str], hi: int, head: Header, bound) -> Header:
    """A văn bản hợp nhất prints its own number, date and issuer at the END, beside
    "XÁC THỰC VĂN BẢN HỢP NHẤT"; its top header names the consolidated document, whose
    type name and title together are the subject."""
    at = next((i for i in range(hi) if lines[i].isupper() and
               fold(lines[i]) == "xac thuc van ban hop nhat"), None)
    if at is None:
        return head
    ref = None
    for line in lines[at + 1:at + 5]:
        got = read_number_line(line)
        if got:
            ref = got[0]
            break
    pd = find_place_date(lines, at, min(hi, at + 6), bound, ref.year if ref else None)
    units = organ_units(lines[max(0, at - 2):at])
    subject = head.subject
    name = type_name(head.type_code)
    if subject and name:
        # The preamble ("Thông tư số 57/2021/TT-BTC ngày …") follows the title unmarked.
        subject = re.split(rf"\s{name} số \d", subject, maxsplit=1, flags=re.IGNORECASE)[0]
        subject = f"{name} {subject[:1].lower()}{subject[1:]}"
    return replace(
        head, ref=ref or head.ref, type_code="VBHN",
        issuer=organ_case(units[-1]) if units else head.issuer, parent_issuer=None,
        place=pd[0] if pd else head.place, date=pd[1] if pd else head.date, subject=subject,
    )
