"""The archive: originals, extracted pages, parsed records and the catalog.

Layout under ``settings.archive_dir``::

    originals/<sha256[:2]>/<sha256>.<ext>   the file as received
    docs/<id>/pages/0001.txt …              extracted text, one file per page
    docs/<id>/words.json                    a scan's OCR words per page (text, confidence, box)
    docs/<id>/record.json                   the record as parsed (no corrections)
    catalog.sqlite3                         identities, citations, corrections (WAL)

A document's id is the first 16 hex digits of its original's sha256, so storing the
same file twice gives one document. A document's files are put in place first and
its catalog rows committed last: after a crash it is either fully there or invisible
(a leftover ``docs/<id>`` without catalog rows is ignored, and replaced by the next
store of that file; ``.tmp-*`` folders are cleaned up when an archive is opened).

Decisions:

* ``get()`` takes an id only. A ref such as ``17/CT-UBND`` repeats across years and
  bodies, so :meth:`Archive.find` returns *all* ids of a ref and :meth:`Archive.lookup`
  turns an id or a ref naming exactly one document into an id (the CLI's ``show``).
* ``record.json`` stays as parsed; corrections live in the catalog and are applied
  on read, so :meth:`Archive.reparse` never loses them.
* Citation status (linked / ambiguous / unresolved) is kept in the catalog, never in
  ``record.json``; see :mod:`archive.resolve` for the rules.
* A scan's OCR words are kept (``words.json``) so that a reparse can tell again how surely
  each header field was read: a number under review stays under review after a reparse.
  Fields marked ``needs_review`` are listed by :meth:`Archive.review`; a number under
  review links nothing until a correction confirms it.

>>> import tempfile
>>> with Archive(tempfile.mkdtemp()) as archive:
...     result = archive.store(Record(ref="1196/UBND-VP"), b"%PDF-1.4 ...", ["Số: 1196/UBND-VP"],
...                            "cv1196.pdf")
...     archive.get(result.id).ref, archive.find("1196/UBND–VP") == [result.id]
('1196/UBND-VP', True)
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Callable, Iterator, Sequence

from .catalog import Catalog
from .corrections import Correction, apply, validate
from .errors import NotFoundError, StorageError, VanthuError
from .files import atomic_write_text, discard_folder, remove_stale_temps
from .killpoints import reached
from .record import Record, Source, Word
from .settings import Settings
from .words import load_words
from .writing import StoreBatch, StoreResult, as_parsed, original_file, record_json, utc_now

__all__ = ["Archive", "StoreResult", "ReviewItem"]

_ID = re.compile(r"^[0-9a-f]{16}$")
_SHA = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class ReviewItem:
    """A stored document with fields to review (``vanthu review``)."""

    id: str
    ref: str | None
    fields: tuple[str, ...]


class Archive:
    """The source of truth of vanthu. Open it once and share it; close it when done.

    >>> import tempfile
    >>> with Archive(tempfile.mkdtemp()) as archive:
    ...     archive.count()
    0
    """

    def __init__(self, settings_or_path: Settings | str | os.PathLike[str], *,
                 timeout: float = 30.0, create: bool = True):
        root = settings_or_path.archive_dir if isinstance(settings_or_path, Settings) \
            else settings_or_path
        self.root = Path(root)
        if not create and not (self.root / "catalog.sqlite3").is_file():
            raise NotFoundError(f"there is no archive in {self.root} "
                                "(check --archive or $VANTHU_ARCHIVE)")
        self._originals = self.root / "originals"
        self._docs = self.root / "docs"
        try:
            self._originals.mkdir(parents=True, exist_ok=True)
            self._docs.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create archive at {self.root}: {exc}") from exc
        remove_stale_temps(self._docs)
        self._catalog = Catalog(self.root / "catalog.sqlite3", timeout=timeout)

    @property
    def catalog(self) -> Catalog:
        """The catalog, for archive modules with tables of their own (users, jobs, chain)."""
        return self._catalog

    def close(self) -> None:
        """Close the catalog connection."""
        self._catalog.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------

    def store(self, record: Record, original: Path | bytes, pages: Sequence[str],
              filename: str, words: Sequence[Sequence[Word]] = ()) -> StoreResult:
        """Store a parsed document; idempotent by the original's sha256. Durable when it
        returns (many documents at a time: :meth:`store_batch`).

        Resolves the document's citations and re-resolves stored citations that may
        point to it (a citation to a not-yet-ingested document links when it arrives).
        ``words``: a scan's OCR words per page, kept for reparsing.
        ``archive.store(ingest.parser.parse(text), Path("cv.pdf"), pages, "cv.pdf")``
        """
        with self.store_batch() as batch:
            added = batch.add(record, original, pages, filename, words)
            if not added.created:
                return added
            result = batch.commit()[added.id]
        if isinstance(result, Exception):
            raise result
        return result

    def store_batch(self) -> StoreBatch:
        """Store many documents with a few disk flushes in all (``archive/writing.py``):
        ``with archive.store_batch() as batch: batch.add(…); …; batch.commit()``."""
        return StoreBatch(self._catalog, self._docs, self._originals)

    def correct(self, doc_id: str, changes: dict[str, Any], who: str) -> Record:
        """Record an archivist's corrections; they win over the parse, now and after reparse.

        ``archive.correct(id, {"date": "2021-08-11", "issuer": "Quận ủy Hoàn Kiếm"}, "lan")``
        Raises VanthuError for a field that cannot be corrected or a value of the wrong type.
        """
        values = validate(changes)
        if not isinstance(who, str) or not who.strip():
            raise VanthuError("a correction needs the name of who made it")
        self._require(doc_id)
        with self._catalog.write():  # read under the lock: a concurrent reparse is done
            parsed = self._read_record(doc_id)
            self._catalog.add_corrections(doc_id, values, who.strip(), utc_now())
            self._reindex(doc_id, parsed)
        reached("correct-committed")
        return self.get(doc_id)

    def reparse(self, doc_id: str, parse: Callable[[str], Record]) -> Record:
        """Parse the stored page text again (pages joined by a blank line) and replace
        ``record.json``; the source info is kept (its e-signing stamp as the new parse
        reads it) and corrections still win. A scan's parse also wants its OCR words:
        ``archive.reparse(id, functools.partial(parse, words=archive.page_words(id)))``.

        ``archive.reparse(id, ingest.parser.parse)``
        """
        self._require(doc_id)
        old = self._read_record(doc_id)
        new = parse("\n\n".join(self.pages(doc_id)))
        if not isinstance(new, Record):
            raise VanthuError(f"parse() returned {type(new).__name__}, not a Record")
        source = replace(old.source or Source(),
                         signature=new.source.signature if new.source else None)
        parsed = as_parsed(new, doc_id, source)
        text = record_json(parsed)
        with self._catalog.write():
            self._reindex(doc_id, parsed)
            try:  # the file last: if it fails, the catalog rolls back with it
                atomic_write_text(self._docs / doc_id / "record.json", text)
            except OSError as exc:
                raise StorageError(f"cannot write record of {doc_id}: {exc}") from exc
        return self.get(doc_id)

    def reparse_all(self, parse: Callable[[str], Record],
                    on_error: Callable[[str, Exception], None] | None = None) -> int:
        """Reparse every document; returns how many were reparsed. Without *on_error*
        the first failure is raised; with it, failures are reported and skipped."""
        done = 0
        for doc_id in self.ids():
            try:
                self.reparse(doc_id, parse)
                done += 1
            except Exception as exc:
                if on_error is None:
                    raise
                on_error(doc_id, exc)
        return done

    # -- reading -----------------------------------------------------------------

    def get(self, doc_id: str) -> Record:
        """The record with corrections applied, citations resolved and ``cited_by`` filled.

        Takes an id only; use :meth:`find` to turn a ref such as ``1196/UBND-VP`` into ids
        (one ref can name several documents). Raises NotFoundError for an unknown id.
        """
        self._require(doc_id)
        parsed = self._read_record(doc_id)
        with self._catalog.read():
            latest = self._catalog.latest_corrections(doc_id)
            resolutions = self._catalog.resolutions(doc_id)
            cited_by = self._catalog.cited_by(doc_id)
        record = apply(parsed, latest)
        citations = []
        for seq, cit in enumerate(record.citations):
            res = resolutions.get(seq)
            if res is not None:
                cit = replace(cit, target_id=res.target_id, status=res.status,
                              candidates=res.candidates)
            citations.append(cit)
        return record.replace(id=doc_id, citations=tuple(citations), cited_by=tuple(cited_by))

    def find(self, ref: str) -> list[str]:
        """Ids of the documents that carry this number, as their own or as a copy's.

        ``archive.find("49-BS/QU")``; a ref with a year (``23/2020/QĐ-TTg``) must match it.
        """
        return self._catalog.find(ref)

    def lookup(self, key: str) -> str:
        """The id of the one document named by *key*: an id, or a ref such as ``1196/UBND-VP``.

        Raises NotFoundError if nothing matches, VanthuError naming the ids if several do
        (a ref repeats across years and bodies; pick one with its id).
        """
        key = key.strip() if isinstance(key, str) else key
        if key in self:
            return key
        found = self.find(key) if isinstance(key, str) else []
        if not found:
            raise NotFoundError(f"no document with id or number {key!r}")
        if len(found) > 1:
            raise VanthuError(f"{key!r} names {len(found)} documents: {', '.join(found)}; "
                              "give one id")
        return found[0]

    def find_sha256(self, sha256: str) -> str | None:
        """The id of the document stored from a file with this content, or None."""
        row = self._catalog.document(sha256.lower()[:16]) if _SHA.match(sha256 or "") else None
        return row["id"] if row is not None and row["sha256"] == sha256.lower() else None

    def iter_records(self, batch_size: int = 256,
                     on_error: Callable[[str, StorageError], None] | None = None
                     ) -> Iterator[Record]:
        """Every record (as :meth:`get` gives it), in ingest order, reading *batch_size*
        ids at a time: memory stays flat, and no read transaction is held open between
        batches, so writers are never blocked by a slow consumer.

        A document whose files cannot be read raises StorageError, or with *on_error* is
        reported to it and skipped, so one damaged document does not stop a reindex.

        ``index.rebuild(archive.iter_records())``
        """
        after = 0
        while True:
            batch = self._catalog.ids_page(after, batch_size)
            if not batch:
                return
            for _rowid, doc_id in batch:
                try:
                    record = self.get(doc_id)
                except StorageError as exc:
                    if on_error is None:
                        raise
                    on_error(doc_id, exc)
                    continue
                yield record
            after = batch[-1][0]

    def sequence(self) -> int:
        """The catalog's latest change number: grows with every store, correction and
        reparse (the search index compares it with the change it last indexed)."""
        return self._catalog.sequence()

    def changes(self, since: int) -> list[tuple[int, str]]:
        """(change number, id) of the documents changed after change ``since``, oldest
        first: what ``search.Index.sync`` indexes."""
        return self._catalog.changes(since)

    def ids(self) -> list[str]:
        """All document ids in ingest order."""
        out: list[str] = []
        after = 0
        while batch := self._catalog.ids_page(after, 10_000):
            out.extend(doc_id for _, doc_id in batch)
            after = batch[-1][0]
        return out

    def count(self) -> int:
        """The number of stored documents."""
        return self._catalog.count()

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and bool(_ID.match(doc_id)) \
            and self._catalog.document(doc_id) is not None

    def pages(self, doc_id: str) -> list[str]:
        """The extracted text of each page, in order."""
        self._require(doc_id)
        folder = self._docs / doc_id / "pages"
        try:
            files = sorted(folder.glob("[0-9]*.txt"), key=lambda p: int(p.stem))
            return [p.read_text(encoding="utf-8") for p in files]
        except OSError as exc:
            raise StorageError(f"cannot read pages of {doc_id}: {exc}") from exc

    def page_words(self, doc_id: str) -> tuple[tuple[Word, ...], ...]:
        """A scan's OCR words, page by page (empty when the text came from a text layer)."""
        self._require(doc_id)
        path = self._docs / doc_id / "words.json"
        try:
            return load_words(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return ()
        except (OSError, ValueError) as exc:
            raise StorageError(f"cannot read {path}: {exc}") from exc

    def review(self, batch_size: int = 1000) -> Iterator[ReviewItem]:
        """Documents with fields to review, in ingest order (the catalog's index, so
        listing costs no ``record.json`` reads)."""
        after = 0
        while batch := self._catalog.to_review(after, batch_size):
            for _rowid, doc_id, ref, fields in batch:
                yield ReviewItem(doc_id, ref, tuple(fields))
            after = batch[-1][0]

    def original_path(self, doc_id: str) -> Path:
        """Where the original file of a document is kept."""
        row = self._require(doc_id)
        return self._original(row["sha256"], row["ext"])

    def parsed(self, doc_id: str) -> Record:
        """The record as the parser made it: no corrections, no resolution (``record.json``)."""
        self._require(doc_id)
        return self._read_record(doc_id)

    @property
    def docs_dir(self) -> Path:
        """``docs/``: one folder of pages and record.json per document."""
        return self._docs

    @property
    def originals_dir(self) -> Path:
        """``originals/``: the files as received, by sha256."""
        return self._originals

    def stored_files(self) -> Iterator[tuple[str, str, str]]:
        """``(id, sha256, ext)`` of every catalogued document, in ingest order."""
        after = 0
        while rows := self._catalog.file_rows(after, 10_000):
            yield from ((r[1], r[2], r[3]) for r in rows)
            after = rows[-1][0]

    def record_path(self, doc_id: str) -> Path:
        """Where a document's record as parsed (``record.json``) is kept."""
        return self._docs / doc_id / "record.json"

    def discard_orphan(self, path: Path) -> bool:
        """Remove a document folder or original that no catalogued document owns (left by
        a store that crashed before its commit). Checked again under the catalog's write
        lock, which every store holds while it places files; returns whether it was removed."""
        path = Path(path)
        with self._catalog.write():
            if path.parent == self._docs:
                if self._catalog.document(path.name) is not None:
                    return False
                discard_folder(path)
            elif path.parent.parent == self._originals:
                if self._catalog.has_sha256(path.stem.lower()):
                    return False
                path.unlink(missing_ok=True)
            else:
                raise VanthuError(f"{path} is not a document folder or an original")
        return True

    def restore_record(self, doc_id: str, parse: Callable[[str], Record]) -> Record:
        """Write ``record.json`` again from the stored pages when it is lost or unreadable;
        the source is rebuilt from the catalog (per-page OCR confidences are lost with the
        file). Corrections, kept in the catalog, still win."""
        row = self._require(doc_id)
        pages = self.pages(doc_id)
        if not pages:
            raise StorageError(f"{doc_id}: its pages are missing too; ingest the original again")
        new = parse("\n\n".join(pages))
        source = Source(filename=row["filename"], sha256=row["sha256"], pages=row["pages"])
        parsed = as_parsed(new, doc_id, source)
        text = record_json(parsed)
        with self._catalog.write():
            self._reindex(doc_id, parsed)
            try:
                atomic_write_text(self.record_path(doc_id), text)
            except OSError as exc:
                raise StorageError(f"cannot write record of {doc_id}: {exc}") from exc
        return self.get(doc_id)

    def corrections(self, doc_id: str) -> list[Correction]:
        """The correction history of a document, oldest first (field, value, who, at)."""
        self._require(doc_id)
        return self._catalog.correction_history(doc_id)

    # -- internals ---------------------------------------------------------------

    def _require(self, doc_id: str) -> Any:
        row = self._catalog.document(doc_id) if isinstance(doc_id, str) and _ID.match(doc_id) \
            else None
        if row is None:
            raise NotFoundError(f"no document with id {doc_id!r}")
        return row

    def _reindex(self, doc_id: str, parsed: Record) -> None:
        """Refresh the catalog from the parse plus corrections; inside a write transaction."""
        effective = apply(parsed, self._catalog.latest_corrections(doc_id))
        self._catalog.update_document(doc_id, effective)
        self._catalog.index_document(doc_id, effective)

    def _read_record(self, doc_id: str) -> Record:
        path = self._docs / doc_id / "record.json"
        try:
            return Record.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise StorageError(f"cannot read {path}: {exc}") from exc

    def _original(self, sha: str, ext: str) -> Path:
        return original_file(self._originals, sha, ext)
