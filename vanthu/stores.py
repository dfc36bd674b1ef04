"""Opening the archive and its search index together, for the CLI and the web UI.

Commands that only read (``search``, ``show``) open with ``create=False``: they never
create an archive or an index, and a missing or damaged one is a one-line error that
says what to do. Writers create what is missing — except an index for an archive that
already holds documents: that takes ``vanthu reindex``, not an index holding only what
the next ingest stores.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from archive.errors import StorageError
from archive.settings import Settings
from archive.store import Archive

if TYPE_CHECKING:  # imported where used: `vanthu show` needs no search stack
    from search import Index

__all__ = ["open_archive", "open_index", "open_stores", "rebuild_index"]


@contextmanager
def open_archive(settings: Settings, *, create: bool = True) -> Iterator[Archive]:
    """The archive at ``settings.archive_dir``; with ``create=False`` (read-only commands)
    a folder that holds no archive is an error, never a new empty archive."""
    store = Archive(settings, create=create)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def open_index(settings: Settings, *, create: bool = False) -> Iterator[Index]:
    """The archive's index, ready to use (rebuilding is never done behind the user's
    back: it can take minutes on a big archive)."""
    from search import Index

    index = Index(settings.index_dir, settings=settings, create=create)
    try:
        problem = index.problem()
        if problem:
            raise StorageError(problem)
        yield index
    finally:
        index.close()


@contextmanager
def open_stores(settings: Settings, *, create: bool = True) -> Iterator[tuple[Archive, Index]]:
    with open_archive(settings, create=create) as store:
        missing = not (settings.index_dir / "CURRENT").exists()
        if missing and create and store.count():
            raise StorageError(f"there is no search index in {settings.index_dir} for the "
                               f"{store.count()} documents of the archive; run `vanthu reindex`")
        with open_index(settings, create=create) as index:
            yield store, index


def rebuild_index(settings: Settings, store: Archive, engine: str | None = None,
                  on_error: Callable[[str, StorageError], None] | None = None) -> int:
    """Rebuild the index from every stored record (with ``engine``, else the setting,
    else the index's own engine); returns how many were indexed. A record that cannot be
    read is given to *on_error* and skipped (without it, raised)."""
    from search import Index

    index = Index(settings.index_dir, settings=settings, engine=engine, create=False)
    try:
        return index.rebuild(store.iter_records(on_error=on_error), procs=settings.jobs,
                             engine=engine, source=store)
    finally:
        index.close()
