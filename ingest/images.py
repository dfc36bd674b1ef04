"""Scanned page images (PNG, JPEG, TIFF including multi-page TIFF)."""
from __future__ import annotations

import warnings
from pathlib import Path

__all__ = ["ImageError", "frame_count"]


class ImageError(Exception):
    """An image that cannot be read; ``str()`` is the one-line reason for the user."""


def frame_count(path: Path, max_pixels: int) -> tuple[int, str]:
    """Check the image's header and count its pages: ``(pages, media_type)``.

    Only the header is read here; pixels are decoded by the OCR worker, which reports a
    truncated or damaged file as "not a readable image" too, and checks every frame
    against ``max_pixels`` (here only the first is).
    """
    from PIL import Image

    try:
        with warnings.catch_warnings():
            # A huge scan is still a scan; Pillow's bomb warning would only stop it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                media_type = Image.MIME.get(img.format or "", "application/octet-stream")
                frames = getattr(img, "n_frames", 1)
                width, height = img.size
    except Image.DecompressionBombError as exc:
        raise ImageError(f"image too large to OCR ({' '.join(str(exc).split())[:120]})") from None
    except Image.UnidentifiedImageError:
        raise ImageError("not a readable image (unknown or damaged format)") from None
    except Exception as exc:  # noqa: BLE001 - Pillow raises OSError, SyntaxError, ValueError...
        detail = " ".join(str(exc).split())[:120]
        raise ImageError(f"not a readable image ({detail or type(exc).__name__})") from None
    if width * height > max_pixels:
        raise ImageError(f"image too large to OCR ({width:,} × {height:,} pixels; the limit is {max_pixels:,})")
    return frames, media_type
