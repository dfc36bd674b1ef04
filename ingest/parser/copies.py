"""Copy blocks (sao lục, sao y, trích sao): the second identity of a copied directive.

The block follows the original's signature and carries its own issuer, number, place,
date and signature (seed 003: "QUẬN ỦY HÀ ĐÔNG / Số 49-BS/QU / SAO LỤC / Hà Đông, ngày …").
"""
from __future__ import annotations

import datetime as dt
import re

from archive.record import Copy

from .doctypes import COPY_HEADINGS, COPY_TYPES
from .bodies import organ_units
from .header import find_place_date
from .layout import fold_aligned as fold
from .names import organ_case
from .numbers import Ref, read_number_line
from .signature import Signature, find_signatures

__all__ = ["find_copy_start", "read_copy"]

_CODE_KINDS = {"SY": "sao y", "SL": "sao lục", "TrS": "trích sao"}


# The headings by their letters alone: OCR glues "SAO LỤC" into "SAOLỤC" and leaves specks
# beside it ("SAOLỤC ˆ", seed 003's last page scanned on its own).
_HEADING_LETTERS = {key.replace(" ", ""): kind for key, kind in COPY_HEADINGS.items()}


def _heading(lines: list[str], lo: int) -> tuple[int, str | None] | None:
    for i in range(lo, len(lines)):
        line = lines[i]
        if len(line) > 24 or not line.isupper():
            continue
        key = re.sub(r"[^a-z]", "", fold(line))
        if key in _HEADING_LETTERS:
            return i, _HEADING_LETTERS[key]
    return None


def find_copy_start(lines: list[str], signatures: list[Signature],
                    body: int = 0) -> tuple[int, str | None] | None:
    """Where the copy block starts and its kind, or None when the file is no copy.

    A copy is announced by a "SAO LỤC"/"SAO Y"/"TRÍCH SAO" heading or by a number whose type
    is a copy code (BS, SY, SL, TrS) printed after the original's signature. Only after
    ``body`` (the original's first body line): a title in capitals may hold "BẢN SAO" —
    unless nothing of a header (a number, a place and date) stands above the heading.
    """
    heading = _heading(lines, body)
    if heading is None and (early := _heading(lines, 0)) and early[1] is not None \
            and not any(read_number_line(line) for line in lines[:early[0]]) \
            and find_place_date(lines, 0, early[0]) is None:
        heading = early  # a last page scanned on its own: no header above its copy block
    first_sig_end = signatures[0].end if signatures else None
    if heading:
        before = [s for s in signatures if s.end < heading[0]]
        start = before[-1].end + 1 if before else heading[0]
        if not before:
            # No signature above: the block opens at its own number or issuer lines.
            for j in range(heading[0] - 1, max(-1, heading[0] - 12), -1):
                if read_number_line(lines[j]):
                    start = j
        return start, heading[1]
    if first_sig_end is None:
        return None
    for j in range(first_sig_end + 1, len(lines)):
        got = read_number_line(lines[j])
        if got and got[0].doc_type in COPY_TYPES:
            return first_sig_end + 1, _CODE_KINDS.get(got[0].doc_type)
    return None


def _copy_number_above(lines: list[str], start: int, reach: int = 12) -> Ref | None:
    """OCR may read the copy's number among the original's signature lines, above the
    block: a number whose type is a copy code (BS, SY, SL, TrS) can only be the copy's."""
    for j in range(start - 1, max(-1, start - reach - 1), -1):
        got = read_number_line(lines[j])
        if got and got[0].doc_type in COPY_TYPES:
            return got[0]
    return None


def read_copy(lines: list[str], start: int, kind: str | None,
              bound: dt.date | None = None) -> Copy:
    """Read the copy's own identity from ``lines[start:]``."""
    ref = None
    number_at = len(lines)
    for j in range(start, len(lines)):
        got = read_number_line(lines[j])
        if got:
            ref, number_at = got[0], j
            break
    if ref is None:
        ref = _copy_number_above(lines, start)
    if kind is None and ref is not None:
        kind = _CODE_KINDS.get(ref.doc_type or "")
    pd = find_place_date(lines, start, len(lines), bound)
    units = organ_units(lines[start:max(number_at, start + 1)]) or organ_units(lines[start:])
    sigs = find_signatures(lines, start)
    sig = sigs[0] if sigs else None
    return Copy(
        ref=ref.ref if ref else None, number=ref.number if ref else None,
        symbol=ref.symbol if ref else None, doc_type=ref.doc_type if ref else None, kind=kind,
        issuer=organ_case(units[0]) if units else None, place=pd[0] if pd else None,
        date=pd[1] if pd else None, signer=sig.name if sig else None,
        signer_title=sig.title if sig else None,
    )
