"""Opening the archive and its search index together, for the CLI and the web UI."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from archive.errors import StorageError, VanthuError
from archive.settings import Settings
from archive.store import Archive
from search import Index

__all__ = ["open_archive", "open_index", "open_stores", "rebuild_index"]


@contextmanager
def open_archive(settings: Settings, create: bool = True) -> Iterator[Archive]:
    """The archive at ``settings.archive_dir``; with ``create=False`` (read-only commands)
    a folder that holds no archive is an error, never a new empty archive."""
    store = Archive(settings, create=create)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def open_index(settings: Settings) -> Iterator[Index]:
    index = Index(settings.index_dir)
    # Rebuilding is never done behind the user's back: it can take minutes on a big archive.
    if index.needs_rebuild():
        index.close()
        raise VanthuError(f"the search index in {settings.index_dir} was built by another "
                          "version of vanthu; run `vanthu reindex`")
    try:
        yield index
    finally:
        index.close()


@contextmanager
def open_stores(settings: Settings) -> Iterator[tuple[Archive, Index]]:
    with open_archive(settings) as store, open_index(settings) as index:
        yield store, index


def rebuild_index(settings: Settings, store: Archive,
                  on_error: Callable[[str, StorageError], None] | None = None) -> int:
    """Rebuild the index from every stored record; returns how many were indexed.

    A record that cannot be read is given to *on_error* and skipped (without it, raised)."""
    index = Index(settings.index_dir)
    try:
        return index.rebuild(store.iter_records(on_error=on_error), procs=settings.jobs)
    finally:
        index.close()
