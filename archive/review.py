"""Fields waiting for an archivist: marked ``needs_review`` by the parser, not yet corrected.

The catalog keeps each document's fields to review (``documents.needs_review``, corrections
applied) up to date on every store, correction and reparse, so the review queue is a read of
the catalog, never a scan of the records. Confirming a
value is a correction (who, when) and takes the field off the queue.
"""
from __future__ import annotations

from .catalog import Catalog
from .record import Record

__all__ = ["pending_fields", "review_queue", "review_count"]


def pending_fields(record: Record) -> tuple[str, ...]:
    """The fields of *record* still to review.

    >>> pending_fields(Record(needs_review=("number", "date"), corrected=("date",)))
    ('number',)
    """
    return tuple(f for f in record.needs_review if f not in record.corrected)


def review_queue(catalog: Catalog, limit: int = 20, offset: int = 0) -> list[str]:
    """Ids of documents with fields to review, oldest ingest first."""
    rows = catalog.query("SELECT id FROM documents WHERE needs_review IS NOT NULL "
                         "ORDER BY rowid LIMIT ? OFFSET ?", (limit, offset))
    return [r[0] for r in rows]


def review_count(catalog: Catalog) -> int:
    """How many documents wait for review."""
    return int(catalog.query("SELECT count(*) FROM documents WHERE needs_review IS NOT NULL")[0][0])
