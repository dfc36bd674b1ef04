"""The ingest flow in plain sight: read → parse → archive.store → index.add.

Both the CLI and (later) the web upload job call :func:`ingest_files`; neither holds
any of this logic itself.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from archive.errors import IngestError, VanthuError
from archive.record import Record, Source
from archive.settings import Settings
from archive.store import Archive
from ingest.parser import parse
from ingest.readers import Document, read, read_many, walk
from search import Index

__all__ = ["Outcome", "ingest_files", "parse_file", "record_of", "correct_record", "reparse_records"]


@dataclass(frozen=True)
class Outcome:
    """What became of one input file."""

    path: str
    id: str | None = None
    ref: str | None = None
    created: bool = False
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"file": self.path, "id": self.id, "ref": self.ref,
                "created": self.created, "error": self.error}


def record_of(document: Document) -> Record:
    """Parse a read document and attach where it came from."""
    record = parse(document.text)
    source = Source(
        filename=document.path.name,
        sha256=document.sha256,
        pages=len(document.pages),
        ocr=document.ocr,
        ocr_confidence=document.ocr_confidence,
        media_type=document.media_type,
        page_confidence=tuple(page.confidence for page in document.pages),
    )
    return record.replace(source=source)


def parse_file(path: Path, settings: Settings) -> Record:
    """Read and parse one file without storing it (``vanthu parse``)."""
    return record_of(read(path, settings))


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None  # read() will report the reason with the file's name
    return digest.hexdigest()


def ingest_files(
    paths: Iterable[Path],
    archive: Archive,
    index: Index | None,
    settings: Settings,
    progress: bool | Callable[[int, int], None] = True,
) -> Iterator[Outcome]:
    """Store every file under ``paths``; yield one :class:`Outcome` per file, in order.

    A file whose content is already stored is not read again, so an interrupted batch
    resumes where it stopped without re-running OCR. A bad file yields an outcome with
    ``error`` set and the batch goes on.
    """
    files = walk(paths)
    todo: list[Path] = []
    for path in files:
        sha = _sha256(path)
        known = archive.find_sha256(sha) if sha else None
        if known is None:
            todo.append(path)
            continue
        try:
            yield Outcome(str(path), id=known, ref=archive.get(known).ref, created=False)
        except VanthuError as error:
            yield Outcome(str(path), id=known, error=f"{path}: already stored as {known}, "
                                                     f"but {error}; run `vanthu check --repair`")
    for path, result in zip(todo, read_many(todo, settings, progress=progress)):
        if isinstance(result, IngestError):
            yield Outcome(str(path), error=str(result))
            continue
        try:
            record = record_of(result)
            pages = [page.text for page in result.pages]
            stored = archive.store(record, result.path, pages, filename=result.path.name)
        except VanthuError as error:
            yield Outcome(str(path), error=str(error) if str(path) in str(error)
                          else f"{path}: {error}")
            continue
        try:
            if index is not None:
                index.add(archive.get(stored.id))
        except VanthuError as error:
            # The archive is the truth and holds the document; only the derived index lags.
            yield Outcome(str(path), id=stored.id, ref=record.ref, created=stored.created,
                          error=f"{path}: stored as {stored.id}, but the search index was not "
                                f"updated ({error}); run `vanthu reindex`")
            continue
        yield Outcome(str(path), id=stored.id, ref=record.ref, created=stored.created)


def correct_record(archive: Archive, index: Index | None, doc_id: str,
                   changes: dict[str, object], who: str) -> Record:
    """Store an archivist's corrections and bring the index up to date with them."""
    archive.correct(doc_id, changes, who)
    record = archive.get(doc_id)
    if index is not None:
        index.add(record)
    return record


def reparse_records(archive: Archive, index: Index | None, ids: Iterable[str],
                    on_error: Callable[[str, VanthuError], None] | None = None) -> int:
    """Parse stored text again with today's parser; corrections still win. Returns the count.

    A document that cannot be reparsed (e.g. its record.json is damaged: `vanthu check
    --repair` restores it) is given to *on_error* and skipped; without it, raised."""
    done = 0
    for doc_id in ids:
        try:
            archive.reparse(doc_id, parse)
            if index is not None:
                index.add(archive.get(doc_id))
        except VanthuError as error:
            if on_error is None:
                raise
            on_error(doc_id, error)
            continue
        done += 1
    return done
