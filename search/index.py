"""The search index: derived from archive records, rebuilt at will, written by one writer.

Layout of ``path``::

    CURRENT          name of the generation searches use (replaced atomically)
    gen-<n>/         a whoosh index, plus SCHEMA (its SCHEMA_VERSION)
    write.lock       held by every write batch, briefly
    rebuild.lock     held for a whole rebuild
    journal.jsonl    changes made while a rebuild runs, replayed before its swap

``rebuild()`` fills a new generation while searches and ingest carry on with the
current one, then replays the journal and swaps ``CURRENT`` — so ingest and reindex
neither corrupt nor lock out each other. A write batch commits only when its body
raised nothing, and always releases its locks.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from archive.errors import QueryError, StorageError
from archive.record import Record

from .locking import file_lock, is_locked
from .query import parse
from .results import SORTS, FacetCache, SearchResult, highlight_runs, run, suggest
from .schema import SCHEMA_VERSION, document, make_schema
from .snippets import Highlighter
from .writer import BulkWriter, write_all

__all__ = ["Index"]

_LIMITMB = 192  # postings kept in memory per writer process before a segment is written


class Index:
    """Open (or create) the index at ``path``.

    >>> import tempfile
    >>> ix = Index(Path(tempfile.mkdtemp()) / "index")
    >>> ix.add(Record(id="a", ref="1/CV", text="Phòng, chống dịch"))
    >>> ix.search("phong chong").total
    1
    """

    def __init__(self, path: Path | str, *, lock_timeout: float = 30.0):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._mutex = threading.Lock()
        self._searcher: Searcher | None = None
        self._searcher_gen: str | None = None
        self._facets = FacetCache()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            if self._current() is None:
                with self._write_lock():
                    if self._current() is None:
                        self._switch_to(self._new_generation())
        except OSError as exc:
            raise StorageError(f"cannot create the search index in {self.path}: {exc}") from exc

    # -- state on disk ------------------------------------------------------------------

    def _current(self) -> str | None:
        try:
            return (self.path / "CURRENT").read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def needs_rebuild(self) -> bool:
        """True if the index was built by another SCHEMA_VERSION (run ``vanthu reindex``)."""
        gen = self._current()
        try:
            return gen is None or int((self.path / gen / "SCHEMA").read_text()) != SCHEMA_VERSION
        except (OSError, ValueError):
            return True

    def _open(self, gen: str) -> whoosh_index.Index:
        if self.needs_rebuild():
            raise StorageError(f"the search index in {self.path} was built by another version "
                               "of vanthu; run `vanthu reindex`")
        try:
            return whoosh_index.open_dir(str(self.path / gen))
        except Exception as exc:  # whoosh raises many types; callers get ours
            raise StorageError(f"cannot open the search index {self.path / gen}: {exc}") from exc

    def _new_generation(self) -> str:
        gen = f"gen-{time.time_ns():x}-{os.getpid()}"
        folder = self.path / gen
        folder.mkdir()
        whoosh_index.create_in(str(folder), make_schema())
        (folder / "SCHEMA").write_text(str(SCHEMA_VERSION))
        return gen

    def _switch_to(self, gen: str) -> None:
        tmp = self.path / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(gen, encoding="utf-8")
        os.replace(tmp, self.path / "CURRENT")

    def _write_lock(self):
        return file_lock(self.path / "write.lock", self.lock_timeout,
                         "the search index is busy with another writer")

    # -- writing ------------------------------------------------------------------------

    @contextmanager
    def _batch(self) -> Iterator["_Batch"]:
        """One writer: commit if the body raised nothing, else cancel; locks always released."""
        with self._write_lock():
            ix = self._open(self._current())
            writer = BulkWriter(ix, limitmb=_LIMITMB)
            batch = _Batch(writer, self.path / "journal.jsonl"
                           if is_locked(self.path / "rebuild.lock") else None)
            try:
                yield batch
                batch.flush_journal()
            except BaseException:
                writer.cancel()
                raise
            try:
                writer.commit()
            except Exception as exc:
                raise StorageError(f"cannot write the search index: {exc}") from exc

    def add(self, record: Record) -> None:
        """Index one record, replacing any earlier version with the same id."""
        with self._batch() as batch:
            batch.add(record)

    def add_many(self, records: Iterable[Record]) -> int:
        """Index many records in one commit (for a whole archive, ``rebuild`` is faster)."""
        with self._batch() as batch:
            for record in records:
                batch.add(record)
            return batch.count

    def delete(self, id: str) -> None:
        """Remove a document; deleting an unknown id is not an error."""
        with self._batch() as batch:
            batch.delete(id)

    def rebuild(self, records: Iterable[Record], procs: int = 1) -> int:
        """Index ``records`` into a new generation, then swap it in; returns the count.

        Searches keep using the old generation meanwhile; ``add``/``delete`` calls made
        during the rebuild are journalled and replayed into the new one before the swap.
        ``procs`` > 1 analyses and writes in that many worker processes (one segment
        or more each, not merged: merging would cost as much as the writing).
        """
        with file_lock(self.path / "rebuild.lock", 0, "a reindex is already running"):
            with self._write_lock():
                (self.path / "journal.jsonl").unlink(missing_ok=True)
                gen = self._new_generation()
            try:
                count = write_all(str(self.path / gen), records, document, procs=procs,
                                  limitmb=_LIMITMB)
                with self._write_lock():
                    self._replay_journal(gen)
                    old = self._current()
                    self._switch_to(gen)
            except BaseException:
                shutil.rmtree(self.path / gen, ignore_errors=True)
                raise
            self._remove_generations(keep={gen, old})
            return count

    def _replay_journal(self, gen: str) -> None:
        journal = self.path / "journal.jsonl"
        if not journal.exists():
            return
        writer = BulkWriter(whoosh_index.open_dir(str(self.path / gen)), limitmb=_LIMITMB)
        try:
            for line in journal.read_text(encoding="utf-8").splitlines():
                op = json.loads(line)
                if op["op"] == "add":
                    writer.update_document(**document(Record.from_dict(op["record"])))
                else:
                    writer.delete_by_term("id", op["id"])
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        journal.unlink()

    def _remove_generations(self, keep: set[str | None]) -> None:
        # The generation just replaced stays: another process may still be reading it.
        for folder in self.path.glob("gen-*"):
            if folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)

    # -- reading ------------------------------------------------------------------------

    def _get_searcher(self) -> Searcher:
        with self._mutex:
            gen = self._current()
            if (self._searcher is None or gen != self._searcher_gen
                    or not self._searcher.up_to_date()):
                # A new searcher, not refresh(): refresh() closes readers another
                # thread may still be using; the old one is closed by the GC.
                self._searcher = self._open(gen).searcher()
                self._searcher_gen = gen
            return self._searcher

    def search(self, query: str, *, limit: int = 20, page: int = 1, sort: str = "relevance",
               facets: bool = True, facet_limit: int = 20,
               mark: tuple[str, str] = ("<mark>", "</mark>")) -> SearchResult:
        """Search with the query language of INTERFACE.md; raises QueryError if malformed.

        ``sort`` is ``relevance``, ``date`` (oldest first) or ``-date`` (newest first).
        """
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
        if limit < 1 or page < 1:
            raise QueryError("limit and page must be at least 1")
        parsed = parse(query)
        searcher = self._get_searcher()
        highlighter = Highlighter(highlight_runs(searcher, parsed), mark=mark)
        result = run(searcher, self._facets, query, parsed, limit=limit, page=page, sort=sort,
                     facets=facets, facet_limit=facet_limit, highlighter=highlighter)
        if result.total == 0 and parsed.words:
            return dataclasses.replace(result, suggestion=suggest(searcher, query, parsed))
        return result

    def suggest(self, query: str) -> str | None:
        """"Did you mean": the query with unknown words replaced by close indexed ones."""
        return suggest(self._get_searcher(), query, parse(query))

    def doc_count(self) -> int:
        return self._get_searcher().doc_count()

    def ids(self) -> set[str]:
        """Ids of all indexed documents (for consistency checks)."""
        searcher = self._get_searcher()
        return {fields["id"] for fields in searcher.all_stored_fields()}

    def __contains__(self, id: str) -> bool:
        return self._get_searcher().document_number(id=id) is not None

    def close(self) -> None:
        """Release the cached searcher's files (the index on disk stays as it is)."""
        with self._mutex:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None
            self._searcher_gen = None


class _Batch:
    def __init__(self, writer, journal: Path | None):
        self.writer, self.journal, self.count = writer, journal, 0
        self._ops: list[dict] = []

    def add(self, record: Record) -> None:
        self.writer.update_document(**document(record))
        self.count += 1
        if self.journal:
            self._ops.append({"op": "add", "record": record.to_dict()})

    def delete(self, id: str) -> None:
        self.writer.delete_by_term("id", id)
        if self.journal:
            self._ops.append({"op": "delete", "id": id})

    def flush_journal(self) -> None:
        if self.journal and self._ops:
            with self.journal.open("a", encoding="utf-8") as out:
                for op in self._ops:
                    out.write(json.dumps(op, ensure_ascii=False) + "\n")
