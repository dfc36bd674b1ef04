"""Settings, declared once and passed explicitly (no module-level globals)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings"]


def _default_archive() -> Path:
    return Path(os.environ.get("VANTHU_ARCHIVE") or "vanthu-data")


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name) or default)
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    archive_dir: Path = field(default_factory=_default_archive)
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    ocr_lang: str = "vie"
    ocr_dpi: int = 300

    # -- web UI ------------------------------------------------------------------------
    #: Largest upload request, all files together ($VANTHU_UPLOAD_MAX_MB, in MiB).
    upload_max_bytes: int = field(default_factory=lambda: _env_int("VANTHU_UPLOAD_MAX_MB", 200) << 20)
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
