"""Settings, declared once and passed explicitly (no module-level globals)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings"]


def _default_archive() -> Path:
    return Path(os.environ.get("VANTHU_ARCHIVE") or "vanthu-data")


@dataclass(frozen=True)
class Settings:
    archive_dir: Path = field(default_factory=_default_archive)
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    ocr_lang: str = "vie"
    ocr_dpi: int = 300

    @property
    def index_dir(self) -> Path:
        """The search index is derived data and lives beside the archive it came from."""
        return self.archive_dir / "index"
