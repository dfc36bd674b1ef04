"""The search index: derived from the archive, rebuilt at will, one writer at a time.

Layout of ``path``::

    CURRENT                   the folder searches use (replaced atomically by a rebuild)
    <engine>-<n>/vanthu.json    its engine, SCHEMA_VERSION and the catalog change it holds
    <engine>-<n>/…            the engine's own files
    write.lock                held by every write, briefly
    rebuild.lock              held for a whole rebuild

Writes go through the engine's own atomic commit: readers see the index before or after
it, never half of it. ``vanthu.json`` records the catalog's change number up to which the
index is complete (written only after the commit, so it may lag, never lead), and
:meth:`Index.sync` first indexes every document the catalog changed after it: a process
killed between the catalog commit and the index commit leaves nothing unfindable once
any later write runs. A rebuild fills a new folder while searches and writes go on with
the current one, then catches up with the catalog and swaps ``CURRENT``.
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
from typing import Any, Protocol

from archive.errors import NotFoundError, QueryError, StorageError, VanthuError
from archive.killpoints import reached
from archive.record import Record
from archive.settings import SEARCH_ENGINES, Settings

from .fields import Fields, fields_of
from .locking import file_lock
from .query import parse
from .results import SORTS, SearchResult, page_of
from .snippets import Highlighter
from .spelling import expand_fuzzy, suggest
from .tantivy_engine import TantivyEngine
from .whoosh_engine import WhooshEngine

__all__ = ["Index", "RecordSource", "SCHEMA_VERSION"]

# Bump whenever fields, analysis or fields_of() change: an index built by another
# version reports needs_rebuild() instead of answering wrongly.
SCHEMA_VERSION = 5
ENGINES: dict[str, Any] = {"whoosh": WhooshEngine, "tantivy": TantivyEngine}
REINDEX = "run `vanthu reindex`"
_FOLDERS = (*ENGINES, "gen")  # index folders, this version's and the generations of older ones


class RecordSource(Protocol):
    """What :meth:`Index.sync` needs from the archive (``archive.store.Archive`` has it)."""

    def sequence(self) -> int: ...
    def changes(self, since: int) -> list[tuple[int, str]]: ...
    def get(self, doc_id: str) -> Record: ...


class _FromCaller(Exception):
    """An exception raised by the caller's records, to be re-raised as it was."""

    def __init__(self, original: Exception):
        super().__init__(str(original))
        self.original = original


def _guarded(items: Iterable[Record | str], point: str) -> Iterator[Fields | str]:
    """The fields of each record (an id stands for a deletion), with the caller's own
    exceptions marked so that they reach the caller unchanged. ``point`` names the kill
    point of the crash tests reached before each one (writing, before the commit)."""
    iterator = iter(items)
    while True:
        try:
            item = next(iterator)
            change = item if isinstance(item, str) else fields_of(item)
        except StopIteration:
            return
        except Exception as exc:
            raise _FromCaller(exc) from exc
        reached(point)
        yield change


class Index:
    """The index at ``path`` (created, empty, when there is none and ``create``; without
    ``create``, a missing index is reported by :meth:`problem` and by any use but rebuild).

    ``engine`` (else ``settings.search_engine``) is the engine the caller expects: an
    index built by the other one answers ``needs_rebuild()``. None takes what is there.

    >>> import tempfile
    >>> ix = Index(Path(tempfile.mkdtemp()) / "index")
    >>> ix.add(Record(id="a", ref="1/CV", text="Phòng, chống dịch"))
    >>> ix.search("phong chong").total
    1
    """

    def __init__(self, path: Path | str, *, engine: str | None = None, create: bool = True,
                 settings: Settings | None = None):
        self.path = Path(path)
        self.settings = settings or Settings()
        self.wanted = engine or self.settings.search_engine
        if self.wanted is not None and self.wanted not in SEARCH_ENGINES:
            raise VanthuError(f"unknown search engine {self.wanted!r}; use {' or '.join(SEARCH_ENGINES)}")
        self._mutex = threading.Lock()
        self._engine: Any = None
        self._engine_folder: str | None = None
        if (self.path / "CURRENT").exists() or not create:
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            with self._write_lock():
                if not (self.path / "CURRENT").exists():
                    folder = self._new_folder(self.wanted or "whoosh", synced=0)
                    self._switch_to(folder.name)
        except OSError as exc:
            raise StorageError(f"cannot create the search index in {self.path}: {exc}") from exc

    # -- state on disk --------------------------------------------------------------

    def _current(self) -> str:
        try:
            name = (self.path / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise NotFoundError(f"there is no search index in {self.path}; {REINDEX}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise StorageError(f"cannot read {self.path / 'CURRENT'}: {exc}; {REINDEX}") from exc
        if not name or "/" in name or name.startswith("."):
            raise StorageError(f"{self.path / 'CURRENT'} is empty or damaged; {REINDEX}")
        if not (self.path / name).is_dir():
            raise StorageError(f"the search index {self.path / name} is missing; {REINDEX}")
        return name

    def _meta(self, folder: str) -> dict[str, Any]:
        try:
            meta = json.loads((self.path / folder / "vanthu.json").read_text(encoding="utf-8"))
            if not isinstance(meta, dict):
                raise ValueError("not an object")
            return meta
        except (OSError, ValueError) as exc:
            raise StorageError(f"the search index {self.path / folder} was built by another "
                               f"version of vanthu or is damaged ({exc}); {REINDEX}") from exc

    def _write_meta(self, folder: Path, meta: dict[str, Any]) -> None:
        tmp = folder / f"vanthu.json.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(meta), encoding="utf-8")
        os.replace(tmp, folder / "vanthu.json")

    def problem(self) -> str | None:
        """Why the index cannot be used as it is (missing, damaged, built by another
        version or engine), as a message that says what to do; None when it can."""
        try:
            meta = self._meta(self._current())
        except VanthuError as exc:
            return str(exc)
        if meta.get("schema") != SCHEMA_VERSION:
            return (f"the search index in {self.path} was built by another version of vanthu; "
                    f"{REINDEX}")
        if self.wanted and meta.get("engine") != self.wanted:
            return (f"the search index in {self.path} was built by {meta.get('engine')}, not "
                    f"{self.wanted}; {REINDEX} (add --engine to choose)")
        return None

    def needs_rebuild(self) -> bool:
        """True if the index is missing, damaged, or built by another SCHEMA_VERSION or engine."""
        return self.problem() is not None

    @property
    def engine(self) -> str | None:
        """The engine that built the current index (None if there is none)."""
        try:
            return self._meta(self._current()).get("engine")
        except VanthuError:
            return None

    def synced(self) -> int:
        """The catalog change number up to which the index is complete."""
        return int(self._meta(self._current()).get("synced", 0))

    def _new_folder(self, engine: str, synced: int) -> Path:
        folder = self.path / f"{engine}-{time.time_ns():x}-{os.getpid()}"
        folder.mkdir()
        ENGINES[engine].create(folder, self.settings).close()
        self._write_meta(folder, {"engine": engine, "schema": SCHEMA_VERSION, "synced": synced})
        return folder

    def _switch_to(self, name: str) -> None:
        tmp = self.path / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(name, encoding="utf-8")
        os.replace(tmp, self.path / "CURRENT")

    def _write_lock(self):
        return file_lock(self.path / "write.lock", self.settings.index_lock_timeout,
                         "the search index is busy with another writer")

    def _open(self):
        """The engine of the current folder (reopened when a rebuild swapped it)."""
        with self._mutex:
            name = self._current()
            if self._engine is None or name != self._engine_folder:
                problem = self.problem()
                if problem:
                    raise StorageError(problem)
                try:
                    engine = ENGINES[self._meta(name)["engine"]](self.path / name, self.settings)
                except StorageError as exc:
                    raise StorageError(f"{exc}; {REINDEX}") from exc
                if self._engine is not None:
                    self._engine.close()
                self._engine, self._engine_folder = engine, name
            return self._engine

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        engine = self._open()
        try:
            yield engine
        except VanthuError:
            raise
        except Exception as exc:  # a driver's error: a damaged or vanished index
            raise StorageError(f"the search index in {self.path} cannot be read "
                               f"({' '.join(str(exc).split())}); {REINDEX}") from exc

    # -- writing --------------------------------------------------------------------

    def _write(self, engine: Any, changes: Iterable[Record | str], procs: int = 1) -> int:
        try:
            return engine.write(_guarded(changes, "index-write"), procs)
        except _FromCaller as exc:
            raise exc.original from None
        except VanthuError:
            raise
        except Exception as exc:  # the driver's error
            raise StorageError(f"cannot write the search index in {self.path} "
                               f"({' '.join(str(exc).split())}); {REINDEX}") from exc

    @contextmanager
    def _writer(self) -> Iterator[Any]:
        with self._write_lock():
            yield self._open()

    def add(self, record: Record) -> None:
        """Index one record, replacing any earlier version with the same id."""
        with self._writer() as engine:
            self._write(engine, [record])

    def add_many(self, records: Iterable[Record]) -> int:
        """Index many records in one commit (nothing if the records raise part-way)."""
        with self._writer() as engine:
            return self._write(engine, records)

    def delete(self, id: str) -> None:
        """Remove a document; deleting an unknown id is not an error."""
        with self._writer() as engine:
            self._write(engine, [id])

    def sync(self, source: RecordSource, procs: int = 1) -> int:
        """Index what the catalog changed since the index last caught up; returns how many.

        Cheap when nothing changed (no lock taken). Documents the catalog no longer has
        are removed from the index. ``procs`` > 1 lets a large catch-up be written by that
        many worker processes (whoosh, forked: not from a process serving requests in
        threads) or threads (tantivy).
        """
        if source.sequence() <= self.synced():
            return 0
        with self._writer() as engine:
            return self._catch_up(engine, self.path / str(self._engine_folder), source, procs)

    def _catch_up(self, engine: Any, folder: Path, source: RecordSource, procs: int = 1) -> int:
        meta = self._meta(folder.name)
        changes = source.changes(int(meta.get("synced", 0)))
        if not changes:
            return 0
        # Worker processes cost a start and a segment each: worth it for a large batch only.
        procs = procs if len(changes) >= self.settings.index_parallel_min_docs else 1
        count = self._write(engine, (change for _, doc_id in changes
                                     if (change := _record_or_id(source, doc_id)) is not None),
                            procs)
        reached("index-committed")  # the engine has committed; vanthu.json not yet updated
        self._write_meta(folder, {**meta, "synced": changes[-1][0]})
        return count

    def rebuild(self, records: Iterable[Record], procs: int = 1, *, engine: str | None = None,
                source: RecordSource | None = None) -> int:
        """Index ``records`` into a new folder, then swap it in; returns the count.

        ``engine`` (else the expected one, else the current one, else whoosh) builds it.
        Searches and writes use the old index meanwhile; with ``source`` (the archive the
        records come from), what it changed during the rebuild is indexed before the swap.
        ``procs`` > 1 indexes in that many worker processes (whoosh) or threads (tantivy).
        """
        name = engine or self.wanted or self.engine or "whoosh"
        if name not in ENGINES:
            raise VanthuError(f"unknown search engine {name!r}; use {' or '.join(ENGINES)}")
        self.path.mkdir(parents=True, exist_ok=True)
        with file_lock(self.path / "rebuild.lock", 0, "a reindex is already running"):
            since = source.sequence() if source is not None else 0
            with self._write_lock():
                folder = self._new_folder(name, synced=since)
            try:
                built = ENGINES[name](folder, self.settings)
                try:
                    count = built.load(_guarded(records, "reindex-load"), max(1, procs))
                except _FromCaller as exc:
                    raise exc.original from None
                with self._write_lock():
                    if source is not None:
                        self._catch_up(built, folder, source)
                    built.close()
                    old = (self.path / "CURRENT").read_text(encoding="utf-8").strip() \
                        if (self.path / "CURRENT").exists() else None
                    reached("reindex-swap")
                    self._switch_to(folder.name)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            if self.wanted:
                self.wanted = name
            self._remove_folders(keep={folder.name, old})
            return count

    def _remove_folders(self, keep: set[str | None]) -> None:
        # The folder just replaced stays: another process may still be reading it.
        for folder in self.path.iterdir():
            if folder.is_dir() and folder.name.split("-")[0] in _FOLDERS \
                    and folder.name not in keep:
                shutil.rmtree(folder, ignore_errors=True)

    # -- reading --------------------------------------------------------------------

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
        if page * limit > self.settings.search_max_results:
            raise QueryError(f"only the first {self.settings.search_max_results} results can "
                             "be paged through; narrow the query")
        parsed = parse(query, self.settings)
        with self._reading() as engine:
            node, expanded = expand_fuzzy(parsed.node, engine, self.settings)
            highlighter = Highlighter(parsed.phrases + [(t,) for t in expanded], mark=mark)
            found = engine.search(node, offset=(page - 1) * limit, limit=limit, sort=sort,
                                  facet_limit=facet_limit if facets else None)
            result = page_of(query, found, highlighter, limit=limit, page=page, sort=sort)
            if result.total == 0 and parsed.words:
                result = dataclasses.replace(
                    result, suggestion=suggest(engine, query, parsed, self.settings))
        return result

    def suggest(self, query: str) -> str | None:
        """"Did you mean": the query with unknown words replaced by close indexed ones."""
        parsed = parse(query, self.settings)
        with self._reading() as engine:
            return suggest(engine, query, parsed, self.settings)

    def doc_count(self) -> int:
        with self._reading() as engine:
            return engine.doc_count()

    def ids(self) -> set[str]:
        """Ids of all indexed documents (for consistency checks)."""
        with self._reading() as engine:
            return engine.ids()

    def __contains__(self, id: str) -> bool:
        with self._reading() as engine:
            return engine.contains(id)

    def close(self) -> None:
        """Release the engine's files (the index on disk stays as it is)."""
        with self._mutex:
            if self._engine is not None:
                self._engine.close()
            self._engine = self._engine_folder = None


def _record_or_id(source: RecordSource, doc_id: str) -> Record | str | None:
    """The record to index, its id alone when the archive no longer has it, or None when
    its files cannot be read: one damaged document must not keep every later one out of
    the index (`vanthu check` reports it as stored but not indexed, and repairs it)."""
    try:
        return source.get(doc_id)
    except NotFoundError:
        return doc_id
    except StorageError:
        return None
