"""Reading files into pages of text: text files, PDFs (text layer or OCR) and scans.

    >>> from pathlib import Path
    >>> from archive.settings import Settings
    >>> doc = read(Path("samples/seeds/004_0881eebd51305214.txt"), Settings())  # doctest: +SKIP
    >>> doc.pages[0].ocr, "1196/UBND-VP" in doc.text                          # doctest: +SKIP
    (False, True)

``read_many`` is the batch form: every page that needs OCR, from every file of the batch,
goes to one pool of ``settings.jobs`` worker processes (one tesseract per page) or to the
OCR queue (:mod:`ingest.dispatch`), and the documents come back in input order. A file that
cannot be read comes back as its :class:`~archive.errors.IngestError` and the batch goes on.

Hostile input is bounded: only regular files are opened (a FIFO or ``/dev/zero`` is refused
before any read), sizes, pages and pixels are capped by ``Settings``, and every parser of
untrusted bytes runs in a worker with a memory and a time limit (:mod:`ingest.limits`).

The text of a document is its pages' text joined by a blank line ("\\n\\n"): page breaks
are not content, and a form feed would surprise line-based parsing and the web UI. Who
needs the page boundaries has ``Document.pages``. All text is NFC (``archive.vntext``).
With ``with_record``, each document comes back parsed too (``Document.record``), by the
reader workers when the batch is large (:mod:`ingest.dispatch`).
"""
from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from archive.errors import IngestError
from archive.settings import Settings

from . import images, pdf
from .dispatch import Batch, OcrBackend, Plan, Slot
from .documents import Document, Page
from .progress import make_progress

__all__ = ["Page", "Document", "SUPPORTED", "walk", "check", "read", "read_many"]

SUPPORTED = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}
def walk(paths: Iterable[Path]) -> list[Path]:
    """The files to read: folders expanded (recursively, sorted, hidden names skipped) to
    their supported files; a file named explicitly is kept whatever its type, so that
    :func:`read` can say why it cannot be read.

    >>> walk([Path("a.pdf"), Path("notes.docx")])
    [PosixPath('a.pdf'), PosixPath('notes.docx')]
    """
    out: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            out.append(path)
            continue
        for child in sorted(path.rglob("*")):
            rel = child.relative_to(path)
            if any(part.startswith(".") for part in rel.parts):
                continue
            if child.is_file() and child.suffix.lower() in SUPPORTED:
                out.append(child)
    return out


def read(path: Path, settings: Settings, backend: OcrBackend | None = None,
         with_record: bool = False) -> Document:
    """Read one file; raise :class:`IngestError` naming the file if it cannot be read."""
    for result in read_many([path], settings, progress=False, backend=backend,
                            with_record=with_record):
        if isinstance(result, IngestError):
            raise result
        return result
    raise AssertionError("read_many yields one result per path")  # pragma: no cover


def read_many(
    paths: Iterable[Path],
    settings: Settings,
    progress: bool | Callable[[int, int], object] = True,
    backend: OcrBackend | None = None,
    with_record: bool = False,
) -> Iterator[Document | IngestError]:
    """Read files, OCR'ing pages across ``settings.jobs`` processes; yield in input order.

    ``progress``: True shows pages done/total, pages/min and ETA on stderr; a callable is
    called as ``progress(done, total)`` after each page; False is silent.
    ``backend``: makes the executor that OCRs pages (default: the local worker pool), e.g.
    :func:`ingest.ocr_queue.executor` to send them to Celery workers.
    ``with_record``: each document also parsed (``Document.record``); in the worker pool
    when the batch holds ``settings.pool_min_docs`` text files or more.

    Text files are read when their turn comes, at most ``settings.read_ahead`` documents
    ahead of the one the caller holds, so a batch of any size holds few texts at a time.
    The workers are *spawned* (fresh interpreters: forking a process that runs threads
    can deadlock), so a script that calls this must keep its top level under
    ``if __name__ == "__main__":``, as multiprocessing requires.
    """
    paths = [Path(p) for p in paths]
    plans = [None if _is_text(p) else _plan(p, settings) for p in paths]
    texts = plans.count(None)
    reporter = make_progress(progress)
    reporter.start(texts + sum(p.pages for p in plans if isinstance(p, Plan)))
    batch = Batch(settings, reporter.advance, backend, with_record=with_record,
                  pooled=texts >= settings.pool_min_docs)
    slots: list[Slot] = []
    head = 0
    try:
        for path, planned in zip(paths, plans):
            if planned is None:
                while len(slots) - head >= max(1, settings.read_ahead):
                    if slots[head].complete:
                        yield _result(slots[head])
                        head += 1
                    else:
                        batch.collect(block=True)
                planned = _plan(path, settings)
                if isinstance(planned, IngestError):
                    reporter.advance(1)  # counted in the total as a text file's page
            slots.append(batch.start(planned))
            batch.collect(block=False)
            while head < len(slots) and slots[head].complete:
                yield _result(slots[head])
                head += 1
        while head < len(slots):
            if not slots[head].complete:
                batch.collect(block=True)
                continue
            yield _result(slots[head])
            head += 1
    finally:
        batch.close()
        reporter.close()


def _result(slot: Slot) -> Document | IngestError:
    plan = slot.plan
    if isinstance(plan, IngestError):
        return plan
    if slot.error is not None or slot.document is None:
        return IngestError(plan.path, slot.error or "not read")
    return slot.document


# --- checks: what each file is, and what it costs ----------------------------------------

# What a file's first bytes say it is; for a clear message when the extension says otherwise.
_MAGIC = (
    (b"%PDF-", "a PDF"), (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
    (b"II*\x00", "a TIFF image"), (b"MM\x00*", "a TIFF image"), (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (.docx, .xlsx, .odt ...)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.doc, .xls)"), (b"{\\rtf", "an RTF document"),
)
_IMAGES = {"a PNG image", "a JPEG image", "a TIFF image"}
# C0 control characters other than tab, line feed, vertical tab, form feed and return.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")
_NOT_REGULAR = ((stat.S_ISFIFO, "a pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _sniff(head: bytes) -> str | None:
    """What the first bytes of a file say it is (None: nothing we know).

    >>> _sniff(b"%PDF-1.7"), _sniff(b"hello")
    ('a PDF', None)
    """
    return next((what for magic, what in _MAGIC if head.startswith(magic)), None)


def _open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading; anything else is refused *before* it is read, so
    that a FIFO or ``/dev/zero`` cannot hang or fill the batch."""
    try:
        # O_NONBLOCK: opening a FIFO would otherwise wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise IngestError(path, "no such file or folder") from None
    except PermissionError:
        raise IngestError(path, "cannot read file (permission denied)") from None
    except OSError as exc:
        raise IngestError(path, f"cannot read file ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise IngestError(path, "is a folder, not a file")
        kind = next((name for test, name in _NOT_REGULAR if test(mode)), "of an unknown kind")
        raise IngestError(path, f"not a regular file: {kind}")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def check(path: Path, settings: Settings) -> str:
    """The file's sha256, after the checks that need no decoding: it exists, is a regular
    file of a supported type, not empty, within ``settings.max_file_bytes``, and its first
    bytes do not say it is something else. Raises :class:`IngestError` naming the file.

    >>> check(Path("notes.docx"), Settings())
    Traceback (most recent call last):
    archive.errors.IngestError: notes.docx: no such file or folder
    """
    return _checked(path, settings)[0]


def _checked(path: Path, settings: Settings) -> tuple[str, bytes | None]:
    """(sha256, the whole content of a text file / None for the others)."""
    with _open_regular(path) as handle:
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED:
            kinds = " ".join(sorted(SUPPORTED))
            raise IngestError(path, f"unsupported file type {suffix or '(no extension)'!r} (supported: {kinds})")
        text = _is_text(path)
        size = os.fstat(handle.fileno()).st_size
        limit = settings.max_text_bytes if text else settings.max_file_bytes
        if size == 0:
            raise IngestError(path, "empty file")
        if size > limit:
            raise IngestError(path, f"file too large ({size:,} bytes; the limit for {suffix} files is {limit:,})")
        digest = hashlib.sha256()
        try:
            head = handle.read(1024)
            digest.update(head)
            whole = [head] if text else None
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                if whole is not None:
                    whole.append(block)
        except OSError as exc:
            raise IngestError(path, f"cannot read file ({exc.strerror or exc})") from None
    found = _sniff(head)
    if text and found:
        raise IngestError(path, f"the file is {found}, not text (named {suffix})")
    if suffix == ".pdf" and b"%PDF-" not in head and found:
        raise IngestError(path, f"the file is {found}, not a PDF (named {suffix})")
    if suffix not in (".pdf", ".txt", ".md") and found and found not in _IMAGES:
        # A JPEG named .png is fine: Pillow reads images by their content.
        raise IngestError(path, f"the file is {found}, not a PNG, JPEG or TIFF image (named {suffix})")
    return digest.hexdigest(), b"".join(whole) if whole is not None else None


def _is_text(path: Path) -> bool:
    return path.suffix.lower() in (".txt", ".md")


def _plan(path: Path, settings: Settings) -> Plan | IngestError:
    try:
        return _plan_unsafe(path, settings)
    except IngestError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - read() promises only IngestError
        return IngestError(path, f"cannot read file ({type(exc).__name__}: {' '.join(str(exc).split())[:160]})")


def _plan_unsafe(path: Path, settings: Settings) -> Plan:
    sha256, data = _checked(path, settings)
    suffix = path.suffix.lower()
    media_type = SUPPORTED[suffix]
    if data is not None:
        return Plan(path, sha256, media_type, "text", 1, _decode_text(path, data))
    if suffix == ".pdf":
        try:
            pages = pdf.page_count(path)
        except pdf.PdfError as exc:
            raise IngestError(path, str(exc)) from None
        kind, what = "pdf", "PDF"
    else:
        try:
            pages, media_type = images.frame_count(path, settings.max_page_pixels)
        except images.ImageError as exc:
            raise IngestError(path, str(exc)) from None
        kind, what = "image", "image"
    if pages == 0:
        raise IngestError(path, f"{what} has no pages")
    if pages > settings.max_pages:
        raise IngestError(path, f"{what} has {pages:,} pages; the limit is {settings.max_pages:,}")
    return Plan(path, sha256, media_type, kind, pages)


def _utf16_hint(data: bytes) -> str:
    # Vietnamese in UTF-16: the letters of the Latin range have a zero byte, and some NULs
    # but not all say so (a file of NULs is not text at all).
    return " (UTF-16 without a byte-order mark?)" if 0.2 < data.count(0) / len(data) < 0.8 else ""


def _decode_text(path: Path, data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with its byte-order mark (Notepad's "Unicode")
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise IngestError(path, f"not valid UTF-16 text (at byte {exc.start + 2})") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise IngestError(path, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
                                    f"{_utf16_hint(data)}") from None
    bad = _CONTROL.search(text)
    if bad:
        raise IngestError(path, f"not text (control character 0x{ord(bad.group()):02x} "
                                f"at character {bad.start()}){_utf16_hint(data)}")
    if not text.strip():
        raise IngestError(path, "no text in it (only white space)")
    return text.replace("\r\n", "\n").replace("\r", "\n")
