"""The record: the one value type every stage of vanthu speaks.

`ingest` produces records, `archive` stores them, `search` indexes them, the CLI and
web UI print them. This module imports nothing else of vanthu's so that any stage
can depend on it. Field names and JSON shape follow ``shared/INTERFACE.md``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

__all__ = ["Citation", "Copy", "CitedBy", "FieldSource", "Signing", "Source", "Record", "SearchHit",
           "Word"]


@dataclass(frozen=True)
class Citation:
    """A reference from one directive to another, as written in its text.

    >>> Citation(ref="68/NQ-CP", number="68", symbol="NQ-CP", doc_type="NQ").ref
    '68/NQ-CP'
    """

    ref: str | None = None
    number: str | None = None
    symbol: str | None = None
    doc_type: str | None = None
    issuer: str | None = None
    date: str | None = None
    relation: str | None = None
    context: str | None = None
    # Filled by the archive's resolver, never by the parser.
    target_id: str | None = None
    status: str | None = None  # "linked" | "ambiguous" | "unresolved"
    candidates: tuple[str, ...] = ()
    # The symbol exactly as printed when it differed from the normalised one
    # (seed 004 prints "18/CD-UBND" for 18/CĐ-UBND).
    printed: str | None = None


@dataclass(frozen=True)
class Copy:
    """A copy block (sao lục, sao y, trích sao): a second identity of the same file."""

    ref: str | None = None
    number: str | None = None
    symbol: str | None = None
    doc_type: str | None = None
    kind: str | None = None  # "sao lục" | "sao y" | "trích sao"
    issuer: str | None = None
    place: str | None = None
    date: str | None = None
    signer: str | None = None
    signer_title: str | None = None


@dataclass(frozen=True)
class CitedBy:
    id: str
    ref: str | None = None
    relation: str | None = None
    date: str | None = None
    issuer: str | None = None


@dataclass(frozen=True)
class Signing:
    """An e-signing stamp printed as text on a born-digital document ("Ký bởi: …")."""

    signed_by: str | None = None
    organisation: str | None = None
    time: str | None = None  # ISO 8601 with its UTC offset, as stamped


@dataclass(frozen=True)
class Word:
    """One word OCR read on a page image: what it read, how sure it was, and where."""

    text: str
    confidence: float  # Tesseract's word confidence, 0–100
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the OCR'd image


@dataclass(frozen=True)
class FieldSource:
    """Where a header field was read on a scan and how sure OCR was of it."""

    confidence: float | None = None  # Tesseract's lowest word confidence in the field, 0–100
    page: int | None = None  # 1-based page of the document
    box: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 in pixels of the OCR'd image


@dataclass(frozen=True)
class Source:
    filename: str | None = None
    sha256: str | None = None
    pages: int = 0
    ocr: bool = False
    ocr_confidence: float | None = None
    media_type: str | None = None
    # Tesseract's mean word confidence of each page; None for a page read from a text layer.
    page_confidence: tuple[float | None, ...] = ()
    signature: Signing | None = None


_TUPLE_OF = {"copies": Copy, "citations": Citation, "cited_by": CitedBy}


@dataclass(frozen=True)
class Record:
    """Everything vanthu knows about one directive.

    Unknown values are ``None`` (or empty), never guessed.
    """

    id: str | None = None
    ref: str | None = None
    number: str | None = None
    symbol: str | None = None
    doc_type: str | None = None
    doc_type_name: str | None = None
    issuer: str | None = None
    parent_issuer: str | None = None
    place: str | None = None
    date: str | None = None
    subject: str | None = None
    signer: str | None = None
    signer_title: str | None = None
    recipients: tuple[str, ...] = ()
    copies: tuple[Copy, ...] = ()
    citations: tuple[Citation, ...] = ()
    cited_by: tuple[CitedBy, ...] = ()
    text: str = ""
    source: Source | None = None
    # Names of fields whose value an archivist set; filled by the archive.
    corrected: tuple[str, ...] = field(default=())
    # Fields the parser does not vouch for (a low-confidence or implausible reading);
    # an archivist's correction of a field clears it.
    needs_review: tuple[str, ...] = ()
    # Header field name → where it was read on a scan (empty for text documents).
    fields: dict[str, FieldSource] = field(default_factory=dict)
    # The number exactly as printed when it differs from ``ref`` (look-alike letters,
    # "18/CD-UBND" for 18/CĐ-UBND): for display; ``ref`` is what is compared and linked.
    printed: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of INTERFACE.md (tuples become lists)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Record":
        """Inverse of :meth:`to_dict`; unknown keys are ignored so old files still load."""
        known = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known:
                continue
            if key in _TUPLE_OF:
                item_type = _TUPLE_OF[key]
                value = tuple(_build(item_type, v) for v in value or ())
            elif key in ("recipients", "corrected", "needs_review"):
                value = tuple(value or ())
            elif key == "source" and value is not None:
                value = _build(Source, value)
            elif key == "fields":
                value = {name: _build(FieldSource, v) for name, v in (value or {}).items()}
            kwargs[key] = value
        return cls(**kwargs)

    def replace(self, **changes: Any) -> "Record":
        return replace(self, **changes)


def _build(item_type: type, value: Any) -> Any:
    if isinstance(value, item_type):
        return value
    known = {f.name for f in fields(item_type)}
    data = {k: tuple(v) if isinstance(v, list) else v for k, v in value.items() if k in known}
    if item_type is Source and isinstance(data.get("signature"), dict):
        data["signature"] = _build(Signing, data["signature"])
    return item_type(**data)


@dataclass(frozen=True)
class SearchHit:
    """One result of a search, in the JSON shape of INTERFACE.md."""

    id: str
    ref: str | None = None
    doc_type: str | None = None
    issuer: str | None = None
    date: str | None = None
    subject: str | None = None
    score: float = 0.0
    highlights: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
