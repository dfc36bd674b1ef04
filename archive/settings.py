"""Settings, declared once and passed explicitly (no module-level globals)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import VanthuError

__all__ = ["Settings", "SEARCH_ENGINES"]

SEARCH_ENGINES = ("whoosh", "tantivy")


def _default_archive() -> Path:
    return Path(os.environ.get("VANTHU_ARCHIVE") or "vanthu-data")


def _default_queue() -> str | None:
    return os.environ.get("VANTHU_QUEUE") or None


def _env_engine() -> str | None:
    return os.environ.get("VANTHU_SEARCH_ENGINE") or None


def _env(name: str, default: float) -> Any:
    """A tunable's default, overridden by the environment variable ``name`` (a number),
    read when Settings are made."""
    def read() -> float:
        raw = os.environ.get(name)
        if not raw:
            return default
        try:
            return type(default)(float(raw))
        except ValueError:
            raise VanthuError(f"{name}={raw!r} is not a number") from None
    return field(default_factory=read)


@dataclass(frozen=True)
class Settings:
    archive_dir: Path = field(default_factory=_default_archive)
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    ocr_lang: str = "vie"
    ocr_dpi: int = 300
    # A number or date OCR read with a lower word confidence (0-100) is marked for review.
    # Printed numbers read 70-96 on the dev scans; handwritten ones 0-78, with a blank or
    # garbled date beside them (that rule catches the confident misreadings).
    review_confidence: float = 60.0
    # Broker URL (redis://host:6379/0) of the OCR queue served by `vanthu worker`; None:
    # OCR runs in this machine's own worker processes. Env: VANTHU_QUEUE.
    queue_url: str | None = field(default_factory=_default_queue)
    # Seconds after which the page of a worker that vanished (killed, its machine down) goes
    # to another worker. Longer than any page takes (ocr_timeout), or pages run twice.
    queue_visibility_timeout: float = _env("VANTHU_QUEUE_VISIBILITY_TIMEOUT", 600.0)
    # Seconds the broker may be unreachable before the pages in flight are given up (their
    # files are reported as failed; a re-run OCRs them again).
    queue_patience: float = _env("VANTHU_QUEUE_PATIENCE", 30.0)

    # -- limits on what one input file may cost (hostile or broken files) -----------------
    # Each can be set in the environment, e.g. VANTHU_MAX_PAGE_PIXELS=200000000.
    # A file larger than this is refused before it is read (a 500-page colour scan is ~1 GB).
    max_file_bytes: int = _env("VANTHU_MAX_FILE_BYTES", 2 << 30)
    # A text file larger than this is refused: the longest Vietnamese code of law is ~1 MB.
    max_text_bytes: int = _env("VANTHU_MAX_TEXT_BYTES", 32 << 20)
    # Pages of one PDF, frames of one TIFF.
    max_pages: int = _env("VANTHU_MAX_PAGES", 5000)
    # Pixels of one page as rendered or decoded for OCR. A4 at 300 dpi is 8.7 million,
    # A1 70 million; a 200-inch PDF page at 300 dpi would be 3,600 million (3.6 GB).
    max_page_pixels: int = _env("VANTHU_MAX_PAGE_PIXELS", 100_000_000)
    # Seconds Tesseract may spend on one page (a normal page takes about 2 s).
    ocr_timeout: float = _env("VANTHU_OCR_TIMEOUT", 300.0)
    # Seconds the text layer of one PDF page may take to read (a normal page: 0.01-0.3 s).
    text_timeout: float = _env("VANTHU_TEXT_TIMEOUT", 60.0)
    # Address space of each reader/OCR worker process and its tesseract: a decompression
    # bomb fails there with "over the memory limit" instead of taking the machine's memory.
    worker_memory_bytes: int = _env("VANTHU_WORKER_MEMORY_BYTES", 4 << 30)
    # The engine of a new index and of `vanthu reindex` ($VANTHU_SEARCH_ENGINE). None: an
    # archive's index keeps the engine it was built with (whoosh for a new one); when set,
    # an index built by the other engine asks for `vanthu reindex`.
    search_engine: str | None = field(default_factory=_env_engine)
    # Reading ahead of the document being stored: at most this many documents read (and
    # parsed) before it is, so a batch of any size holds few texts in memory.
    read_ahead: int = _env("VANTHU_READ_AHEAD", 16)
    # A batch with at least this many text files is parsed in the reader workers, beside
    # the storing; a smaller one in the ingesting process (the pool takes ≈ 0.4 s to start).
    pool_min_docs: int = _env("VANTHU_POOL_MIN_DOCS", 8)
    # Ingest commits the index every N stored documents or T seconds, and at the end.
    index_batch_docs: int = _env("VANTHU_INDEX_BATCH_DOCS", 500)
    index_batch_seconds: float = _env("VANTHU_INDEX_BATCH_SECONDS", 10.0)
    # An ingest's batch of at least this many documents is written into the index by
    # ``jobs`` processes (whoosh) or threads (tantivy); a smaller one by one.
    index_parallel_min_docs: int = _env("VANTHU_INDEX_PARALLEL_MIN_DOCS", 100)
    index_lock_timeout: float = 30.0  # seconds a writer waits for another one
    index_memory_mb: int = 256  # per writing process (whoosh limitmb, tantivy heap)
    # Hostile or mistaken queries are refused with a QueryError beyond these.
    query_max_chars: int = 1000
    query_max_terms: int = 64
    query_max_depth: int = 16  # nested parentheses
    search_max_results: int = 10_000  # how far pages may go (page × limit)
    search_time_limit: float = 1.0  # seconds a whoosh query may walk its matches
    fuzzy_max_terms: int = 50  # indexed words a `word~` may expand to
    suggest_max_words: int = 4  # unknown words "did you mean" tries to replace
    suggest_max_terms: int = 50_000  # indexed words it compares with each of them

    def __post_init__(self) -> None:
        if self.search_engine is not None and self.search_engine not in SEARCH_ENGINES:
            raise VanthuError(f"unknown search engine {self.search_engine!r}; "
                              f"use {' or '.join(SEARCH_ENGINES)}")

    # -- web UI ------------------------------------------------------------------------
    #: Largest upload request in bytes, all files together ($VANTHU_UPLOAD_MAX_BYTES).
    upload_max_bytes: int = _env("VANTHU_UPLOAD_MAX_BYTES", 200 << 20)
    #: Threads of the embedded upload worker pool; each runs one file at a time, its OCR
    #: pages on ``jobs`` processes.
    upload_workers: int = 1
    #: Failed logins allowed per account and address within the window, then refused.
    login_max_failures: int = 5
    login_window_seconds: float = 300.0
    #: Width in pixels of a page image on the document page, and of the zoomed image.
    page_width: int = 900
    page_zoom_width: int = 1800
    #: Citation chain: default depth, the deepest a user may ask, and a cap on nodes so
    #: a much-cited directive still draws in time.
    chain_depth: int = 3
    chain_max_depth: int = 8
    chain_max_nodes: int = 150
    #: Seconds Graphviz may take to lay out one chain.
    dot_timeout: float = 20.0
    search_page_size: int = 20
    #: How dates and times of corrections and jobs are shown.
    timezone: str = "Asia/Ho_Chi_Minh"

    @property
    def index_dir(self) -> Path:
        """The search index is derived data and lives beside the archive it came from."""
        return self.archive_dir / "index"

    @property
    def cache_dir(self) -> Path:
        """Rendered page images and crops: derived, safe to delete."""
        return self.archive_dir / "cache"

    @property
    def inbox_dir(self) -> Path:
        """Uploaded files waiting for their job (removed once stored)."""
        return self.archive_dir / "inbox"

    @property
    def secret_key_file(self) -> Path:
        """The web sessions' signing key, made on first start (mode 0600)."""
        return self.archive_dir / "web-secret-key"
