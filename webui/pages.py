"""Page images of originals, rendered on the server and cached on disk.

PDF pages are rendered with pypdfium2, scans read with Pillow; each (document, page,
width) is rendered once into ``settings.cache_dir`` (derived data: deleting it only
costs time). A review crop is cut from the page as it was rendered for OCR (PDFs at
``ocr_dpi``, images at their own pixels), since that is what a field's box refers to.
"""
from __future__ import annotations

import io
import threading
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageOps, UnidentifiedImageError

from archive.errors import NotFoundError, StorageError
from archive.files import atomic_write_bytes

__all__ = ["PageImages", "IMAGE_EXTS"]

IMAGE_EXTS = ("png", "jpg", "jpeg", "tif", "tiff")
_MARGIN = 24  # pixels around a field's box, so the reader sees what surrounds it


class PageImages:
    """Renders and caches page images; one per app, shared by request threads."""

    def __init__(self, cache_dir: Path, ocr_dpi: int):
        self.cache_dir = cache_dir
        self.ocr_dpi = ocr_dpi
        # pdfium is not thread-safe: one render at a time in this process.
        self._pdfium = threading.Lock()

    @staticmethod
    def has_images(original: Path) -> bool:
        ext = original.suffix.lower().lstrip(".")
        return ext == "pdf" or ext in IMAGE_EXTS

    def page(self, doc_id: str, original: Path, number: int, width: int) -> Path:
        """A PNG of page *number* (1-based), *width* pixels wide."""
        target = self.cache_dir / doc_id / f"p{number}-w{width}.png"
        if not target.exists():
            image = self._render(original, number, width=width)
            if image.mode == "1":  # Pillow resizes 1-bit images by nearest neighbour: jagged
                image = image.convert("L")
            if image.width > width:
                image = image.resize((width, round(image.height * width / image.width)),
                                     Image.Resampling.LANCZOS)
            self._save(target, image)
        return target

    def crop(self, doc_id: str, original: Path, number: int,
             box: tuple[int, int, int, int]) -> Path:
        """A PNG of the part of page *number* inside *box* (pixels of the OCR image)."""
        x0, y0, x1, y1 = (int(v) for v in box)
        target = self.cache_dir / doc_id / f"crop-p{number}-{x0}-{y0}-{x1}-{y1}.png"
        if not target.exists():
            image = self._render(original, number, width=None)
            area = (max(0, x0 - _MARGIN), max(0, y0 - _MARGIN),
                    min(image.width, x1 + _MARGIN), min(image.height, y1 + _MARGIN))
            if area[2] <= area[0] or area[3] <= area[1]:
                raise NotFoundError(f"the box {box} is outside page {number}")
            self._save(target, image.crop(area))
        return target

    def _render(self, original: Path, number: int, width: int | None) -> Image.Image:
        """The page; *width* None means as rendered for OCR."""
        ext = original.suffix.lower().lstrip(".")
        try:
            if ext == "pdf":
                return self._render_pdf(original, number, width)
            if ext in IMAGE_EXTS:
                with Image.open(original) as img:
                    if not 1 <= number <= getattr(img, "n_frames", 1):
                        raise NotFoundError(f"{original.name} has no page {number}")
                    img.seek(number - 1)
                    frame = ImageOps.exif_transpose(img)
                    return frame.convert("L") if frame.mode not in ("1", "L") else frame.copy()
        except (OSError, UnidentifiedImageError, pdfium.PdfiumError) as exc:
            raise StorageError(f"cannot render page {number} of {original.name}: {exc}") from exc
        raise NotFoundError(f"{original.name} has no page images")

    def _render_pdf(self, original: Path, number: int, width: int | None) -> Image.Image:
        with self._pdfium:
            pdf = pdfium.PdfDocument(original)
            try:
                if not 1 <= number <= len(pdf):
                    raise NotFoundError(f"{original.name} has no page {number}")
                page = pdf[number - 1]
                scale = self.ocr_dpi / 72 if width is None else width / page.get_width()
                image = page.render(scale=scale, grayscale=True).to_pil()
                page.close()
                return image
            finally:
                pdf.close()

    @staticmethod
    def _save(target: Path, image: Image.Image) -> None:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=False)
        try:
            atomic_write_bytes(target, buffer.getvalue())
        except OSError as exc:
            raise StorageError(f"cannot cache a page image in {target.parent}: {exc}") from exc
