"""What reading hands on: a document's pages and, when asked, the record parsed from them.

:func:`finish` is the last stage of reading a document: its pages' text normalized and,
for an ingest, parsed. For a large batch it runs in a reader worker, beside the pages'
reading, so that parsing overlaps the storing and indexing of the documents before it;
the :class:`Document` with its :class:`~archive.record.Record` is what travels back.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, replace
from pathlib import Path

from archive.errors import printable
from archive.record import Record, Source, Word
from archive.settings import Settings
from archive.vntext import normalize

from .parser import parse

__all__ = ["Page", "Document", "PAGE_SEPARATOR", "finish", "record_of"]

PAGE_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    text: str
    ocr: bool
    confidence: float | None  # Tesseract's mean word confidence (0-100) of an OCR'd page
    words: tuple[Word, ...] = ()  # an OCR'd page's words with confidence and box


@dataclass(frozen=True)
class Document:
    path: Path
    sha256: str
    media_type: str
    pages: tuple[Page, ...]
    record: Record | None = None  # the parsed record, when it was read to be stored

    @property
    def text(self) -> str:
        """All pages, separated by a blank line."""
        return PAGE_SEPARATOR.join(p.text for p in self.pages)

    @property
    def ocr(self) -> bool:
        """True if any page was OCR'd."""
        return any(p.ocr for p in self.pages)

    @property
    def words(self) -> tuple[tuple[Word, ...], ...]:
        """Each page's OCR words (empty for a page read from its text layer)."""
        return tuple(p.words for p in self.pages)

    @property
    def ocr_confidence(self) -> float | None:
        """Mean confidence over the OCR'd pages; None if no page was OCR'd."""
        values = [p.confidence for p in self.pages if p.ocr and p.confidence is not None]
        return round(statistics.fmean(values), 2) if values else None


def record_of(document: Document, settings: Settings | None = None) -> Record:
    """Parse a read document (with a scan's OCR words: where each header field was read and
    how surely) and attach where it came from."""
    threshold = (settings or Settings()).review_confidence
    record = parse(document.text, document.words, min_confidence=threshold)
    source = Source(
        filename=printable(document.path.name),
        sha256=document.sha256,
        pages=len(document.pages),
        ocr=document.ocr,
        ocr_confidence=document.ocr_confidence,
        media_type=document.media_type,
        page_confidence=tuple(page.confidence for page in document.pages),
        signature=record.source.signature if record.source else None,
    )
    return record.replace(source=source)


def finish(document: Document, settings: Settings | None = None,
           with_record: bool = False) -> Document:
    """The document with every page NFC, Đ not Ð, one tone placement (``vntext.normalize``)
    and, ``with_record``, its record (:func:`record_of`)."""
    document = replace(document, pages=tuple(replace(page, text=normalize(page.text))
                                             for page in document.pages))
    return replace(document, record=record_of(document, settings)) if with_record else document
