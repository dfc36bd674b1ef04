"""Crash-safe file writes for the archive: temp file, fsync, ``os.replace``.

A reader (or a process that crashes half-way) sees either the old file or the new one,
never a torn one. Directories are built under a temporary name and renamed into place.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Callable, Sequence

from .errors import StorageError

__all__ = [
    "atomic_write_bytes", "atomic_write_text", "atomic_copy", "write_new_file", "write_pages",
    "put_file", "fsync_dir",
    "sha256_of", "make_temp_dir", "remove_tree", "remove_stale_temps", "stale_temps",
    "TEMP_PREFIX",
]

# Every temporary name is ".tmp-<pid>-…": the writer's pid tells whether its owner still
# runs, so a crashed writer's leftovers can be removed at once and a live one's never.
TEMP_PREFIX = ".tmp-"
_OWNER = re.compile(r"^\.tmp-(\d+)-")
_CHUNK = 1 << 20


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry in *path* durable (a no-op where unsupported)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_via_temp(dest: Path, write: Callable[[BinaryIO], object]) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(dest.name), dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(dest.parent)


def atomic_write_bytes(dest: Path, data: bytes) -> None:
    """Write *data* to *dest* so that readers never see a partial file.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write_bytes(d / "a.txt", b"hi"); (d / "a.txt").read_bytes()
    b'hi'
    """
    _write_via_temp(dest, lambda fh: fh.write(data))


def atomic_write_text(dest: Path, text: str) -> None:
    """UTF-8 variant of :func:`atomic_write_bytes`."""
    atomic_write_bytes(dest, text.encode("utf-8"))


def write_new_file(dest: Path, text: str) -> None:
    """Write and fsync a file inside a private temp folder (no rename needed: nobody sees
    the folder until it is renamed into place; fsync the folder once with :func:`fsync_dir`)."""
    with open(dest, "xb") as fh:
        fh.write(text.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


def atomic_copy(src: Path, dest: Path) -> None:
    """Copy the file *src* to *dest* atomically, streaming (large PDFs stay out of memory)."""

    def write(fh: BinaryIO) -> None:
        with open(src, "rb") as inp:
            shutil.copyfileobj(inp, fh, _CHUNK)

    _write_via_temp(dest, write)


def put_file(dest: Path, original: Path | bytes) -> None:
    """Atomically place *original* (bytes, or a file to copy) at *dest*."""
    if isinstance(original, (bytes, bytearray, memoryview)):
        atomic_write_bytes(dest, bytes(original))
    else:
        atomic_copy(Path(original), dest)


def write_pages(folder: Path, pages: Sequence[str]) -> list[str]:
    """Write ``0001.txt``, ``0002.txt`` … into a new private *folder*; return the texts."""
    folder.mkdir(parents=True)
    texts: list[str] = []
    for number, text in enumerate(pages, start=1):
        if not isinstance(text, str):
            raise StorageError(f"page {number} is {type(text).__name__}, not text")
        write_new_file(folder / f"{number:04d}.txt", text)
        texts.append(text)
    return texts


def sha256_of(original: Path | bytes) -> str:
    """Hex sha256 of bytes or of a file's content (streamed).

    >>> sha256_of(b"")[:12]
    'e3b0c44298fc'
    """
    digest = hashlib.sha256()
    if isinstance(original, (bytes, bytearray, memoryview)):
        digest.update(original)
    else:
        with open(original, "rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
    return digest.hexdigest()


def make_temp_dir(parent: Path, label: str) -> Path:
    """A fresh directory under *parent*, named so that readers and listings ignore it."""
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=_temp_prefix(label), dir=parent))


def _temp_prefix(label: str) -> str:
    return f"{TEMP_PREFIX}{os.getpid()}-{label}."


def _owner_alive(name: str) -> bool | None:
    """Whether the process that made temp entry *name* still runs; None for an old name."""
    found = _OWNER.match(name)
    if not found:
        return None
    try:
        os.kill(int(found[1]), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's live process: not ours to judge
    return True


def stale_temps(parent: Path, older_than: float = 3600.0) -> list[Path]:
    """Temp entries directly under *parent* left by writers that are gone: the owner's pid
    is not running, or (names without a pid) the entry is older than *older_than* seconds.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> mine = make_temp_dir(d, "doc"); (d / ".tmp-999999999-doc.x").mkdir()
    >>> [p.name for p in stale_temps(d)]
    ['.tmp-999999999-doc.x']
    """
    if not parent.is_dir():
        return []
    limit = time.time() - older_than
    found = []
    for entry in parent.iterdir():
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        alive = _owner_alive(entry.name)
        try:
            if alive is False or (alive is None and entry.lstat().st_mtime < limit):
                found.append(entry)
        except OSError:
            pass  # gone meanwhile
    return sorted(found)


def remove_tree(path: Path) -> None:
    """Remove a directory tree if it exists; errors are ignored (best-effort cleanup)."""
    shutil.rmtree(path, ignore_errors=True)


def remove_stale_temps(parent: Path, older_than: float = 3600.0) -> list[Path]:
    """Remove the :func:`stale_temps` of *parent*; returns what was removed."""
    removed = []
    for entry in stale_temps(parent, older_than):
        try:
            if entry.is_dir() and not entry.is_symlink():
                remove_tree(entry)
            else:
                entry.unlink()
        except OSError:
            continue
        removed.append(entry)
    return removed
