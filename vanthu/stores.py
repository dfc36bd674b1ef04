"""Opening the archive and its search index together, for the CLI and the web UI."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from archive.errors import VanthuError
from archive.settings import Settings
from archive.store import Archive

if TYPE_CHECKING:  # imported where used: `vanthu show` needs no search stack
    from search import Index

__all__ = ["open_archive", "open_index", "open_stores", "rebuild_index"]


@contextmanager
def open_archive(settings: Settings) -> Iterator[Archive]:
    store = Archive(settings)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def open_index(settings: Settings) -> Iterator[Index]:
    from search import Index

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


def rebuild_index(settings: Settings, store: Archive) -> int:
    """Rebuild the index from every stored record; returns how many were indexed."""
    from search import Index

    index = Index(settings.index_dir)
    try:
        return index.rebuild(store.iter_records(), procs=settings.jobs)
    finally:
        index.close()
