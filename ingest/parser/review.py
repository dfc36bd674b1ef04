"""Which header fields the parser does not vouch for, and where a scan printed them.

In real archives the number and the day are often written by hand into the printed form,
and Tesseract reads handwriting badly (115 → 445, 109 → 403 in the dev corpus) — sometimes
with high confidence. Reading handwriting is not the goal; not passing a wrong number off
as right is. A field is marked for review when:

* it was printed but cannot be read (a blank or garbled number, day or month);
* OCR read it with low confidence (the lowest word confidence of the words it came from);
* on a scan, the number was filled into the printed form's blank (OCR reads the digits
  as a word apart from the printed symbol: "445" "/NQ-CP", where a typeset number is one
  word "99/NQ-CP"): numbers and days are filled in together, mostly by hand, so both are
  marked however sure OCR was (Tesseract read the handwritten 109 as "403" at 93/100);
* on a scan, the day or month is unreadable: the number is filled in by hand with the date,
  so a number beside a handwritten date is suspect however sure OCR was of it;
* the date is implausible: after the day the document was read, after the gazette issue
  that published it, or after its e-signing stamp (a document is signed on or before it).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence

from archive.record import FieldSource, Signing, Word

from .layout import fold_aligned as fold
from .repairs import repair_glyphs

__all__ = ["keys_of", "locate", "filled_in", "review_marks"]


def _key(text: str) -> str:
    """Letters and digits only, folded, with the OCR repairs the parser's text got, so a
    word matches however the text around it was cleaned ("!Ƒ" is "!F" in the text)."""
    return "".join(c for c in fold(repair_glyphs(unicodedata.normalize("NFC", text)))
                   if c.isalnum())


def keys_of(pages: Sequence[Sequence[Word]]) -> list[list[str]]:
    """Each OCR word's :func:`_key`, page by page: computed once a document."""
    return [[_key(w.text) for w in page] for page in pages]


def locate(printed: Mapping[str, str], pages: Sequence[Sequence[Word]],
           keyed: list[list[str]] | None = None) -> dict[str, FieldSource]:
    """Where each field's printed words are on the OCR'd pages: the first run of words
    whose letters and digits are the field's, with the lowest confidence and the box
    around them. Fields not found (a text-layer page) are left out.

    >>> words = [Word("Số:", 96, (10, 10, 40, 20)), Word("445", 78, (45, 8, 80, 22)),
    ...          Word("/NQ-CP", 90, (82, 10, 140, 20))]
    >>> locate({"number": "Số: 445 /NQ-CP"}, [words])["number"]
    FieldSource(confidence=78.0, page=1, box=(10, 8, 140, 22))
    """
    out: dict[str, FieldSource] = {}
    keyed = keys_of(pages) if keyed is None else keyed
    for name, text in printed.items():
        found = _find(_key(text), keyed)
        if found is None:
            continue
        p, i, j = found
        run = pages[p][i:j]
        box = (min(w.box[0] for w in run), min(w.box[1] for w in run),
               max(w.box[2] for w in run), max(w.box[3] for w in run))
        out[name] = FieldSource(float(min(w.confidence for w in run)), p + 1, box)
    return out


def filled_in(number: str, pages: Sequence[Sequence[Word]],
              keyed: list[list[str]] | None = None) -> bool:
    """True when OCR read the number's digits as a word apart from the symbol after them:
    the number was written into the blank a printed form leaves before "/NQ-CP".

    >>> words = [Word("Số:", 96, (0, 0, 1, 1)), Word("445", 78, (0, 0, 1, 1)),
    ...          Word("/NQ-CP", 90, (0, 0, 1, 1))]
    >>> filled_in("Số: 445 /NQ-CP", [words]), filled_in("Số: 99/NQ-CP", [[words[0],
    ...     Word("99/NQ-CP", 91, (0, 0, 1, 1))]])
    (True, False)
    """
    found = _find(_key(number), keys_of(pages) if keyed is None else keyed)
    if found is None:
        return False
    p, i, j = found
    run = [w.text for w in pages[p][i:j]]
    return any(re.search(r"\d$", a) and re.match(r"^[/\-–]", b) for a, b in zip(run, run[1:]))


def _find(target: str, keyed: list[list[str]]) -> tuple[int, int, int] | None:
    if not target:
        return None
    for p, keys in enumerate(keyed):
        for i, first in enumerate(keys):
            if not first or not target.startswith(first):
                continue
            acc, j = "", i
            while j < len(keys) and len(acc) < len(target):
                acc += keys[j]
                j += 1
                if not target.startswith(acc):
                    break
            if acc == target:
                return p, i, j
    return None


def review_marks(*, unreadable: Sequence[str], date: str | None,
                 fields: Mapping[str, FieldSource], scanned: bool, min_confidence: float,
                 today: dt.date, bound: dt.date | None, signing: Signing | None,
                 hand_filled: bool = False) -> tuple[str, ...]:
    """The fields to review, in a fixed order.

    >>> review_marks(unreadable=("date",), date=None, fields={}, scanned=True,
    ...              min_confidence=60, today=dt.date(2026, 5, 1), bound=None, signing=None)
    ('number', 'date')
    >>> review_marks(unreadable=(), date="2026-06-01", fields={}, scanned=False,
    ...              min_confidence=60, today=dt.date(2026, 5, 1), bound=None, signing=None)
    ('date',)
    """
    marks = set(unreadable)
    if hand_filled:
        marks |= {"number", "date"}
    for name in ("number", "date"):
        got = fields.get(name)
        if got is not None and got.confidence is not None and got.confidence < min_confidence:
            marks.add(name)
    if scanned and "date" in unreadable:
        marks.add("number")  # filled in by hand together with the day
    if date is not None and not _plausible(date, today, bound, signing):
        marks.add("date")
    return tuple(f for f in ("number", "date") if f in marks)


def _plausible(date: str, today: dt.date, bound: dt.date | None, signing: Signing | None) -> bool:
    day = dt.date.fromisoformat(date)
    limits = [today] + ([bound] if bound else [])
    if signing and signing.time:
        limits.append(dt.date.fromisoformat(signing.time[:10]))
    return all(day <= limit for limit in limits)
