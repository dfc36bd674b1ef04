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
    # A number or date OCR read with a lower word confidence (0-100) is marked for review.
    # Printed numbers read 70-96 on the dev scans; handwritten ones 0-78, with a blank or
    # garbled date beside them (that rule catches the confident misreadings).
    review_confidence: float = 60.0

    @property
    def index_dir(self) -> Path:
        """The search index is derived data and lives beside the archive it came from."""
        return self.archive_dir / "index"
