"""Archivist corrections: validated field values that win over the parse.

Corrections are kept apart from ``record.json`` (which stays "as parsed") so that a
re-parse never loses an archivist's work; the latest correction of a field wins.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping, cast

from .errors import VanthuError
from .record import Citation, Copy, Record
from .vntext import normalize

__all__ = ["Correction", "CORRECTABLE", "MAX_DEPTH", "parse_value", "validate", "apply"]

#: Fields an archivist may set. ``id``, ``text``, ``source`` are facts of the file and
#: ``cited_by``/``corrected`` are computed by the archive.
CORRECTABLE: tuple[str, ...] = tuple(
    f.name for f in fields(Record)
    if f.name not in {"id", "text", "source", "cited_by", "corrected", "needs_review", "fields",
                      "printed"}
)
_ITEMS = {"copies": Copy, "citations": Citation}
_COMPUTED = {"target_id", "status", "candidates"}  # resolver output, never corrected
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The deepest value a correction has: a list (citations) of objects of text. Deeper JSON is
#: refused before it is decoded (5,000 nested brackets would exhaust the decoder's stack).
MAX_DEPTH = 3
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


@dataclass(frozen=True)
class Correction:
    """One entry of a document's correction history (oldest first)."""

    field: str
    value: Any
    who: str
    at: str  # UTC, ISO 8601


def _string(field: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise VanthuError(f"{field}: expected text or null, got {type(value).__name__}")
    return normalize(value).strip() or None


def _date(field: str, value: Any) -> str | None:
    value = _string(field, value)
    if value is None:
        return None
    try:
        if not _ISO.match(value):
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        raise VanthuError(f"{field}: expected a date YYYY-MM-DD or null, got {value!r}") from None
    return value


def _item(field: str, item_type: type, value: Any) -> dict[str, Any]:
    if isinstance(value, item_type):
        value = asdict(cast(Any, value))
    if not isinstance(value, Mapping):
        raise VanthuError(f"{field}: each item must be an object, got {type(value).__name__}")
    known = {f.name for f in fields(item_type)} - _COMPUTED
    unknown = set(value) - known - _COMPUTED
    if unknown:
        raise VanthuError(f"{field}: unknown keys {sorted(unknown)}")
    out: dict[str, Any] = {}
    for key in sorted(known):
        if key in value:
            check = _date if key == "date" else _string
            out[key] = check(f"{field}.{key}", value[key])
    return out


def parse_value(field: str, raw: str) -> Any:
    """A value typed by an archivist (``FIELD=VALUE`` on the CLI, a form field): JSON for
    null, lists and objects, else the text itself.

    >>> parse_value("recipients", '["Văn phòng"]'), parse_value("date", "null")
    (['Văn phòng'], None)
    >>> parse_value("signer", "Nguyễn Văn A")
    'Nguyễn Văn A'
    >>> parse_value("citations", "[" * 5000)
    Traceback (most recent call last):
    archive.errors.VanthuError: citations: JSON nested deeper than 3 levels
    """
    text = raw.strip()
    if text != "null" and text[:1] not in ("[", "{"):
        return text
    depth = 0
    for token in _BRACKETS.findall(text):  # strings are matched whole, so "[" in text is no bracket
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise VanthuError(f"{field}: JSON nested deeper than {MAX_DEPTH} levels")
        elif token in "]}":
            depth -= 1
    try:
        return json.loads(text)
    except ValueError:
        raise VanthuError(f"{field}: not valid JSON: {text[:200]}") from None


def validate(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Check field names and value types; return the values in their JSON form.

    >>> validate({"date": "2021-08-11", "issuer": "Quận uỷ Hoàn Kiếm"})
    {'date': '2021-08-11', 'issuer': 'Quận ủy Hoàn Kiếm'}
    >>> validate({"text": "x"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    archive.errors.VanthuError: cannot correct 'text'; correctable: ref, number, ...
    """
    if not isinstance(changes, Mapping) or not changes:
        raise VanthuError("a correction needs at least one field")
    out: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in CORRECTABLE:
            raise VanthuError(f"cannot correct {field!r}; correctable: {', '.join(CORRECTABLE)}")
        if field == "date":
            out[field] = _date(field, value)
        elif field == "recipients":
            if not isinstance(value, (list, tuple)):
                raise VanthuError("recipients: expected a list of text")
            out[field] = [v for v in (_string(field, v) for v in value) if v]
        elif field in _ITEMS:
            if not isinstance(value, (list, tuple)):
                raise VanthuError(f"{field}: expected a list of objects")
            out[field] = [_item(field, _ITEMS[field], v) for v in value]
        else:
            out[field] = _string(field, value)
    return out


def apply(record: Record, latest: Mapping[str, Any]) -> Record:
    """The record with the latest corrected values (JSON form) replacing the parsed ones.

    A corrected field is confirmed: it leaves ``needs_review`` (the number also when the
    ref is corrected). A corrected number alone renumbers the parsed ref, symbol kept.

    >>> apply(Record(ref="1/X"), {"ref": "2/X"}).corrected
    ('ref',)
    >>> r = apply(Record(ref="445/NQ-CP", number="445", symbol="NQ-CP",
    ...                  needs_review=("number", "date")), {"number": "115"})
    >>> r.ref, r.needs_review
    ('115/NQ-CP', ('date',))
    """
    if not latest:
        return record
    changes: dict[str, Any] = {}
    for field, value in latest.items():
        if field in _ITEMS:
            value = tuple(_ITEMS[field](**v) for v in value)
        elif field == "recipients":
            value = tuple(value)
        changes[field] = value
    if "number" in latest and "ref" not in latest:
        changes["ref"] = _renumbered(record, latest["number"])
    corrected = tuple(f for f in CORRECTABLE if f in latest)
    confirmed = set(corrected) | ({"number"} if "ref" in latest else set())
    review = tuple(f for f in record.needs_review if f not in confirmed)
    return record.replace(**changes, corrected=corrected, needs_review=review)


def _renumbered(record: Record, number: str | None) -> str | None:
    """The parsed ref with another number: "445/NQ-CP" → "115/NQ-CP", "1919-CV/QU" keeps
    its Party dash. Without a parsed symbol there is no ref to renumber."""
    if not number or not record.ref or not record.number or not record.symbol:
        return record.ref
    sep = record.ref[len(record.number):len(record.number) + 1]
    return f"{number}{sep}{record.symbol}" if sep in ("/", "-") else record.ref
