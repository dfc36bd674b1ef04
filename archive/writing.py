"""Writing documents into the archive: many at a time, durable before they are visible.

A document is stored in three steps, and :class:`StoreBatch` takes each step for a whole
batch of documents at once (group commit), so that ingesting a folder costs a few disk
flushes per batch instead of seven per document:

1. :meth:`StoreBatch.add` writes the document's pages, ``words.json`` and ``record.json``
   to a private temp folder under ``docs/``, and its original to a temp file beside its
   place under ``originals/``, without waiting for the disk;
2. :meth:`StoreBatch.commit` fsyncs all of those files and folders together (a journaling
   file system commits fsyncs that wait together in one transaction: :func:`fsync_all`);
3. then, under the catalog's write lock, it moves each document into place and inserts
   its catalog rows (each document in a savepoint: one that fails takes back only its own
   files), fsyncs the folders they were moved into, and commits. The catalog is
   ``synchronous=FULL``: a commit that returned survives a power cut.

So the catalog names a document only once its files are on disk, and a document is
acknowledged (``created``) only once its catalog rows are. A process killed before the
commit leaves temp files (removed when the archive is next opened by anyone, since
their owner is gone) and perhaps document folders no catalog row names (ignored, replaced
by the next store of the same file; ``vanthu check --repair`` removes them).

>>> import tempfile
>>> from archive.store import Archive
>>> with Archive(tempfile.mkdtemp()) as archive, archive.store_batch() as batch:
...     first = batch.add(Record(ref="1/CV"), b"one", ["Số: 1/CV"], "a.txt")
...     again = batch.add(Record(ref="1/CV"), b"one", ["Số: 1/CV"], "copy of a.txt")
...     results = batch.commit()
...     (first.created, again.created, results[first.id].created, archive.count())
(True, False, True, 1)
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Sequence

from .catalog import Catalog
from .errors import StorageError
from .files import (
    discard_folder, fsync_all, make_temp_dir, remove_tree, sha256_of, temp_copy, write_new_file,
    write_pages,
)
from .record import Record, Source, Word
from .words import dump_words

__all__ = ["StoreBatch", "StoreResult", "as_parsed", "record_json", "utc_now", "original_file"]

_EXT = re.compile(r"^[a-z0-9]{1,10}$")


@dataclass(frozen=True)
class StoreResult:
    """What storing one document did: its id, and whether it is new."""

    id: str
    created: bool


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def as_parsed(record: Record, doc_id: str, source: Source | None) -> Record:
    """The record as the parser made it: no resolver output, nothing computed."""
    citations = tuple(replace(c, target_id=None, status=None, candidates=())
                      for c in record.citations)
    return record.replace(id=doc_id, source=source, citations=citations, cited_by=(),
                          corrected=())


def record_json(record: Record) -> str:
    """``record.json``'s text."""
    try:
        return json.dumps(record.to_dict(), ensure_ascii=False, indent=1)
    except (TypeError, ValueError) as exc:
        raise StorageError(f"record {record.id} cannot be serialised: {exc}") from exc


def original_file(originals: Path, sha: str, ext: str) -> Path:
    """Where the original with this sha256 and extension is kept."""
    return originals / sha[:2] / f"{sha}.{ext}"


def _ext(filename: str, original: Path | bytes) -> str:
    for name in (filename, "" if isinstance(original, bytes) else str(original)):
        ext = Path(name or "").suffix.lower().lstrip(".")
        if _EXT.match(ext):
            return ext
    return "bin"


@dataclass
class _Staged:
    """A document written to temp files, waiting for the commit."""

    doc_id: str
    sha: str
    ext: str
    filename: str
    pages: int
    record: Record  # as parsed, with its id and source
    folder: Path  # the private temp folder: pages/, record.json, words.json
    original: Path | None  # temp copy of the original; None when it is in place already
    written: list[Path] = field(default_factory=list)  # to fsync before the commit


class StoreBatch:
    """Documents added now, made durable and visible together by :meth:`commit`.

    Use it as a context manager: what was added but not committed is removed on exit.
    Idempotent by content like :meth:`archive.store.Archive.store`: a document already in
    the catalog, or added to this batch before, is not written again (``created`` False).
    Not for sharing between threads.
    """

    def __init__(self, catalog: Catalog, docs: Path, originals: Path):
        self._catalog, self._docs, self._originals = catalog, docs, originals
        self._staged: dict[str, _Staged] = {}

    def __enter__(self) -> StoreBatch:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.discard()

    def __len__(self) -> int:
        return len(self._staged)

    def add(self, record: Record, original: Path | bytes, pages: Sequence[str],
            filename: str, words: Sequence[Sequence[Word]] = ()) -> StoreResult:
        """Write a parsed document's files (see :meth:`archive.store.Archive.store` for the
        arguments); ``created`` True means it will be new if the commit succeeds. Raises
        for this document only (StorageError, or what its pages raise)."""
        try:
            sha = sha256_of(original if isinstance(original, bytes) else Path(original))
        except OSError as exc:
            raise StorageError(f"{filename}: cannot read the original: {exc}") from exc
        given = record.source.sha256 if record.source else None
        if given and given.lower() != sha:
            raise StorageError(f"{filename}: record says sha256 {given}, the file is {sha}")
        doc_id = sha[:16]
        if doc_id in self._staged or self._known(doc_id, sha):
            return StoreResult(doc_id, False)
        ext = _ext(filename, original)
        try:
            folder = make_temp_dir(self._docs, doc_id)
        except OSError as exc:
            raise StorageError(f"cannot write {filename} to the archive: {exc}") from exc
        staged = None
        try:
            written = write_pages(folder / "pages", pages)
            source = record.source or Source()
            source = replace(source, sha256=sha, filename=source.filename or filename,
                             pages=source.pages or len(written))
            if not record.text:
                record = record.replace(text="\n\n".join(pages))
            parsed = as_parsed(record, doc_id, source)
            staged = _Staged(doc_id, sha, ext, filename, len(written), parsed, folder, None,
                             [*written, folder / "pages", folder])
            if any(words):
                write_new_file(folder / "words.json", dump_words(words))
                staged.written.append(folder / "words.json")
            write_new_file(folder / "record.json", record_json(parsed))
            staged.written.append(folder / "record.json")
            dest = original_file(self._originals, sha, ext)
            if not dest.exists():
                made = not dest.parent.exists()
                staged.original = temp_copy(dest, original)
                staged.written.append(staged.original)
                if made:  # the new sha256[:2] folder's own entry
                    staged.written.append(self._originals)
        except BaseException as exc:
            remove_tree(folder)
            self._remove(staged)
            if isinstance(exc, OSError):
                raise StorageError(f"cannot write {filename} to the archive: {exc}") from exc
            raise
        self._staged[doc_id] = staged
        return StoreResult(doc_id, True)

    def commit(self) -> dict[str, StoreResult | Exception]:
        """Make every added document durable, then visible; by id, what became of each:
        a :class:`StoreResult` (``created`` False if another process stored it meanwhile)
        or the exception that kept it out (the others are stored all the same).

        Raises (storing none of them) only if the catalog transaction cannot be had or
        committed."""
        staged, self._staged = list(self._staged.values()), {}
        results: dict[str, StoreResult | Exception] = {}
        try:
            unsynced = {path for path, _ in fsync_all(p for s in staged for p in s.written)}
            ready = []
            for item in staged:
                bad = next((p for p in item.written if p in unsynced), None)
                if bad is not None:
                    results[item.doc_id] = StorageError(
                        f"cannot write {item.filename} to the archive: {bad} could not be synced")
                else:
                    ready.append(item)
            placed: dict[str, list[Path]] = {}
            try:
                with self._catalog.write():
                    for item in ready:
                        results[item.doc_id] = self._place(item, placed)
                    # The renames into docs/ and originals/xx/ themselves.
                    folders = {self._docs} | {p.parent for paths in placed.values()
                                              for p in paths if p.parent != self._docs}
                    fsync_all(folders)
            except BaseException:
                self._take_back(placed)
                raise
        finally:
            for item in staged:
                self._remove(item)
        return results

    def discard(self) -> None:
        """Remove the temp files of what was added and not committed."""
        staged, self._staged = list(self._staged.values()), {}
        for item in staged:
            self._remove(item)

    # -- internals ---------------------------------------------------------------

    def _known(self, doc_id: str, sha: str) -> bool:
        row = self._catalog.document(doc_id)
        if row is not None and row["sha256"] != sha:  # 64-bit prefix collision: refuse
            raise StorageError(f"id {doc_id} is taken by another file ({row['sha256']})")
        return row is not None

    def _place(self, item: _Staged, placed: dict[str, list[Path]]) -> StoreResult | Exception:
        """Move one document into place and insert its rows; inside the write transaction."""
        try:
            if self._known(item.doc_id, item.sha):  # another process stored it meanwhile
                return StoreResult(item.doc_id, False)
        except StorageError as exc:
            return exc
        mine: list[Path] = []
        try:
            with self._catalog.savepoint():
                dest = original_file(self._originals, item.sha, item.ext)
                if item.original is not None and not dest.exists():
                    os.rename(item.original, dest)
                    mine.append(dest)
                final = self._docs / item.doc_id
                if final.exists():  # left by a store that crashed before its commit
                    discard_folder(final)
                os.rename(item.folder, final)
                mine.append(final)
                self._catalog.insert_document(item.doc_id, item.sha, item.ext, item.filename,
                                              utc_now(), item.pages, item.record)
                self._catalog.index_document(item.doc_id, item.record)
        except Exception as exc:  # noqa: BLE001 - this document's failure, for commit() to hand back
            self._undo(mine)
            if isinstance(exc, OSError):
                return StorageError(f"cannot write {item.filename} to the archive: {exc}")
            return exc
        placed[item.doc_id] = mine
        return StoreResult(item.doc_id, True)

    def _take_back(self, placed: dict[str, list[Path]]) -> None:
        """The transaction failed: take back what it moved into view, unless (its COMMIT
        failed after all?) the catalog names the document."""
        for doc_id, paths in placed.items():
            try:
                if self._catalog.document(doc_id) is not None:
                    continue
            except StorageError:
                continue  # cannot tell: leave them; uncatalogued files are invisible
            self._undo(paths)

    @staticmethod
    def _undo(paths: list[Path]) -> None:
        for path in paths:
            if path.is_dir():
                discard_folder(path)
            else:
                path.unlink(missing_ok=True)

    @staticmethod
    def _remove(item: _Staged | None) -> None:
        if item is None:
            return
        remove_tree(item.folder)  # gone already once it was moved into place
        if item.original is not None:
            item.original.unlink(missing_ok=True)
