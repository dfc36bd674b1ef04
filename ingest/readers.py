"""Reading files into pages of text: text files, PDFs (text layer or OCR) and scans.

    >>> from pathlib import Path
    >>> from archive.settings import Settings
    >>> doc = read(Path("samples/seeds/004_0881eebd51305214.txt"), Settings())  # doctest: +SKIP
    >>> doc.pages[0].ocr, "1196/UBND-VP" in doc.text                          # doctest: +SKIP
    (False, True)

``read_many`` is the batch form: every page that needs OCR, from every file of the batch,
goes to one pool of ``settings.jobs`` worker processes (one tesseract per page), and the
documents come back in input order. A file that cannot be read comes back as its
:class:`~archive.errors.IngestError` and the batch goes on.

The text of a document is its pages' text joined by a blank line ("\\n\\n"): page breaks
are not content, and a form feed would surprise line-based parsing and the web UI. Who
needs the page boundaries has ``Document.pages``. All text is NFC (``archive.vntext``).
"""
from __future__ import annotations

import hashlib
import multiprocessing
import statistics
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from archive.errors import IngestError
from archive.record import Word
from archive.settings import Settings
from archive.vntext import normalize

from . import images, pdf
from .ocr import OcrJob, OcrResult, init_worker, run_job
from .progress import make_progress

__all__ = ["Page", "Document", "SUPPORTED", "walk", "read", "read_many"]

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
PAGE_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    text: str
    ocr: bool
    confidence: float | None  # Tesseract's mean word confidence (0-100) of an OCR'd page
    words: tuple[Word, ...] = ()  # an OCR'd page's words with confidence and box


@dataclass(frozen=True)
class Document:
    path: Path
    sha256: str
    media_type: str
    pages: tuple[Page, ...]

    @property
    def text(self) -> str:
        """All pages, separated by a blank line."""
        return PAGE_SEPARATOR.join(p.text for p in self.pages)

    @property
    def ocr(self) -> bool:
        """True if any page was OCR'd."""
        return any(p.ocr for p in self.pages)

    @property
    def words(self) -> tuple[tuple[Word, ...], ...]:
        """Each page's OCR words (empty for a page read from its text layer)."""
        return tuple(p.words for p in self.pages)

    @property
    def ocr_confidence(self) -> float | None:
        """Mean confidence over the OCR'd pages; None if no page was OCR'd."""
        values = [p.confidence for p in self.pages if p.ocr and p.confidence is not None]
        return round(statistics.fmean(values), 2) if values else None


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


def read(path: Path, settings: Settings) -> Document:
    """Read one file; raise :class:`IngestError` naming the file if it cannot be read."""
    for result in read_many([path], settings, progress=False):
        if isinstance(result, IngestError):
            raise result
        return result
    raise AssertionError("read_many yields one result per path")  # pragma: no cover


def read_many(
    paths: Iterable[Path],
    settings: Settings,
    progress: bool | Callable[[int, int], object] = True,
) -> Iterator[Document | IngestError]:
    """Read files, OCR'ing pages across ``settings.jobs`` processes; yield in input order.

    ``progress``: True shows pages done/total, pages/min and ETA on stderr; a callable is
    called as ``progress(done, total)`` after each page; False is silent.

    The OCR workers are *spawned* (fresh interpreters: forking a process that runs threads
    can deadlock), so a script that calls this must keep its top level under
    ``if __name__ == "__main__":``, as multiprocessing requires.
    """
    plans = [_plan(Path(p)) for p in paths]
    reporter = make_progress(progress)
    reporter.start(sum(p.pages for p in plans if isinstance(p, _Plan)))
    batch = _Batch(settings, reporter.advance)
    slots: list[_Slot] = []
    head = 0
    try:
        for plan in plans:
            slots.append(batch.start(plan))
            batch.collect(block=False)
            while head < len(slots) and slots[head].complete:
                yield slots[head].result()
                head += 1
        while head < len(slots):
            if not slots[head].complete:
                batch.collect(block=True)
                continue
            yield slots[head].result()
            head += 1
    finally:
        batch.close()
        reporter.close()


# --- planning: what each file is, how many pages, what it costs ---------------------------

@dataclass
class _Plan:
    path: Path
    sha256: str
    media_type: str
    kind: str  # "text" | "pdf" | "image"
    pages: int
    text: str | None = None


def _plan(path: Path) -> _Plan | IngestError:
    try:
        return _plan_unsafe(path)
    except IngestError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - read() promises only IngestError
        return IngestError(path, f"cannot read file ({type(exc).__name__}: {' '.join(str(exc).split())[:160]})")


def _plan_unsafe(path: Path) -> _Plan:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        kinds = " ".join(sorted(SUPPORTED))
        raise IngestError(path, f"unsupported file type {suffix or '(no extension)'!r} (supported: {kinds})")
    try:
        if path.is_dir():
            raise IngestError(path, "is a folder, not a file")
        data = path.read_bytes()
    except FileNotFoundError:
        raise IngestError(path, "no such file") from None
    except PermissionError:
        raise IngestError(path, "cannot read file (permission denied)") from None
    except OSError as exc:
        raise IngestError(path, f"cannot read file ({exc.strerror or exc})") from None
    if not data:
        raise IngestError(path, "empty file")
    sha256 = hashlib.sha256(data).hexdigest()
    media_type = SUPPORTED[suffix]
    if suffix in (".txt", ".md"):
        return _Plan(path, sha256, media_type, "text", 1, _decode_text(path, data))
    if suffix == ".pdf":
        try:
            pages = pdf.page_count(path)
        except pdf.PdfError as exc:
            raise IngestError(path, str(exc)) from None
        if pages == 0:
            raise IngestError(path, "PDF has no pages")
        return _Plan(path, sha256, media_type, "pdf", pages)
    try:
        frames, media_type = images.frame_count(path)
    except images.ImageError as exc:
        raise IngestError(path, str(exc)) from None
    return _Plan(path, sha256, media_type, "image", frames)


def _decode_text(path: Path, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = " (looks like UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise IngestError(
            path, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}){hint}"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- the batch: text passes here, OCR pages in the pool ------------------------------------

@dataclass
class _Slot:
    """One file of the batch while its pages come in."""

    plan: _Plan | IngestError
    pages: dict[int, Page] = field(default_factory=dict)
    pending: int = 0
    error: str | None = None

    @property
    def complete(self) -> bool:
        return isinstance(self.plan, IngestError) or self.error is not None or self.pending == 0

    def result(self) -> Document | IngestError:
        plan = self.plan
        if isinstance(plan, IngestError):
            return plan
        if self.error is not None:
            return IngestError(plan.path, self.error)
        pages = tuple(self.pages[n] for n in sorted(self.pages))
        return Document(plan.path, plan.sha256, plan.media_type, pages)


class _Batch:
    """Owns the process pool (started at the first page to OCR) and the pages in flight."""

    def __init__(self, settings: Settings, advance: Callable[[int], object]) -> None:
        self.settings = settings
        self.advance = advance
        self.pool: ProcessPoolExecutor | None = None
        self.futures: dict[Future[OcrResult], tuple[_Slot, int]] = {}

    def start(self, plan: _Plan | IngestError) -> _Slot:
        slot = _Slot(plan)
        if isinstance(plan, IngestError):
            return slot
        if plan.kind == "text":
            slot.pages[1] = Page(1, normalize(plan.text or ""), False, None)
            self.advance(1)
        elif plan.kind == "image":
            for index in range(plan.pages):
                self._submit(slot, OcrJob("image", str(plan.path), index, self.settings.ocr_lang, self.settings.ocr_dpi))
        else:
            self._start_pdf(slot, plan)
        return slot

    def _start_pdf(self, slot: _Slot, plan: _Plan) -> None:
        try:
            pages = pdf.text_pass(plan.path)
        except pdf.PdfError as exc:
            slot.error = str(exc)
            self.advance(plan.pages)
            return
        except Exception as exc:  # noqa: BLE001 - read() promises only IngestError
            slot.error = f"corrupt PDF ({type(exc).__name__})"
            self.advance(plan.pages)
            return
        for page in pages:
            if page.text is None:
                job = OcrJob("pdf", str(plan.path), page.number - 1, self.settings.ocr_lang, self.settings.ocr_dpi)
                self._submit(slot, job)
            else:
                slot.pages[page.number] = Page(page.number, normalize(page.text), False, None)
                self.advance(1)

    def _submit(self, slot: _Slot, job: OcrJob) -> None:
        if self.pool is not None and getattr(self.pool, "_broken", False):
            self.pool.shutdown(wait=False, cancel_futures=True)  # a worker was killed: start over
            self.pool = None
        if self.pool is None:
            # "spawn": a fresh interpreter per worker; fork from a process that may run
            # threads (tqdm's monitor, a web server) can deadlock.
            self.pool = ProcessPoolExecutor(
                max_workers=max(1, int(self.settings.jobs or 1)),
                mp_context=multiprocessing.get_context("spawn"),
                initializer=init_worker,
            )
        slot.pending += 1
        self.futures[self.pool.submit(run_job, job)] = (slot, job.index + 1)

    def collect(self, block: bool) -> None:
        """Move finished OCR pages into their files' slots."""
        if not self.futures:
            return
        done, _ = wait(self.futures, timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            slot, number = self.futures.pop(future)
            slot.pending -= 1
            self.advance(1)
            try:
                result = future.result()
            except BrokenProcessPool:
                result = OcrResult("", None, f"OCR worker died on page {number}")
            except Exception as exc:  # noqa: BLE001 - e.g. a job that could not be pickled
                result = OcrResult("", None, f"OCR of page {number} failed ({type(exc).__name__})")
            if result.error is not None:
                slot.error = slot.error or result.error
            else:
                slot.pages[number] = Page(number, normalize(result.text), True, result.confidence,
                                          result.words)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
