"""PDF pages: which carry a real text layer, which are scans to OCR.

A Công báo scan still has a text layer: the gazette's running header ("CÔNG BÁO/Số 88/
Ngày 06-02-2026 100", ~35 characters) and sometimes the digital-signature block. So a
page is judged by its *body* text: the characters outside the top and bottom margin bands.
Measured on shared/corpus (32 PDFs, 27 with a text layer):

* text pages: body text >= 84 characters (last pages that hold only "Nơi nhận" and the
  signature), usually 1,000-2,300; none has an image;
* scanned pages: body text <= 46 characters (signature block of a mixed page), and one
  image covering 15-67 % of the page.

An e-signing stamp printed as text on a scan ("Ký bởi: … / Email: … / Cơ quan: … / Thời
gian ký: …", two of them when issuer and publisher both sign) is no body text either.

A page is OCR'd when its body text is under ``MIN_BODY_CHARS`` *and* an image covers at
least ``MIN_IMAGE_SHARE`` of it (so a short last page of a text PDF is never OCR'd, and a
searchable scan whose text layer is already full is trusted). A page with neither text
nor an image is blank: empty text, not OCR'd.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .limits import TimeLimitExceeded, out_of_memory, time_limit

__all__ = ["PdfPage", "page_count", "text_pass", "MIN_BODY_CHARS", "MIN_IMAGE_SHARE"]

MIN_BODY_CHARS = 200
MIN_IMAGE_SHARE = 0.10
# Running headers/footers and page numbers live in these bands (fractions of the height).
TOP_BAND, BOTTOM_BAND = 0.09, 0.05


@dataclass(frozen=True)
class PdfPage:
    """The outcome of the text pass for one page: its text, or ``None`` if it needs OCR."""

    number: int  # 1-based
    text: str | None
    body_chars: int
    image_share: float


class PdfError(Exception):
    """A PDF that cannot be read; ``str()`` is the one-line reason for the user."""


def page_count(path: Path) -> int:
    """Open the PDF with PDFium (fast) to check it and count its pages."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message or "security" in message:
            raise PdfError("encrypted PDF (a password is needed to open it)") from None
        raise PdfError(f"corrupt PDF ({_pdfium_reason(exc)})") from None
    try:
        return len(pdf)
    finally:
        pdf.close()


def _pdfium_reason(exc: Exception) -> str:
    # "Failed to load document (PDFium: Data format error)." -> "Data format error"
    text = " ".join(str(exc).split())
    found = re.search(r"PDFium: ([^)]*)", text)
    reason = (found.group(1) if found else text).strip(" .")
    # PDFium says "Success" when the file parses but holds no usable page tree.
    return "no readable pages" if reason in ("", "Success") else reason


def text_pass(path: Path, page_timeout: float | None = None,
              max_pixels: int | None = None) -> list[PdfPage]:
    """Extract the text layer of every page and decide which pages need OCR.

    pdfminer is pure Python and decompresses whole streams, so a hostile PDF can cost
    minutes or gigabytes: this runs in a bounded worker (:mod:`ingest.limits`), each page
    within ``page_timeout`` seconds. A page to OCR whose scan is an image of more than
    ``max_pixels`` is refused: decoding it is what would cost the memory.
    """
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    pages: list[PdfPage] = []
    try:
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages, 1):
                with time_limit(page_timeout):
                    pages.append(_page(number, page, max_pixels))
                page.close()  # pdfplumber caches every page's objects otherwise
    except PDFPasswordIncorrect:
        raise PdfError("encrypted PDF (a password is needed to open it)") from None
    except TimeLimitExceeded:
        raise PdfError(f"reading the text of page {len(pages) + 1} took over {page_timeout:g} s") from None
    except PdfError:
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types on bad files
        if out_of_memory(exc):
            raise PdfError(f"page {len(pages) + 1} needs more memory than a reader may use "
                           "(a decompression bomb?)") from None
        raise PdfError(f"corrupt PDF ({type(exc).__name__}: {' '.join(str(exc).split())[:160]})") from None
    return pages


def _stamp_chars(page, top: float, bottom: float) -> int:  # page: pdfplumber.page.Page
    """Body characters of e-signing stamp lines on a page that also holds an image."""
    from .parser.stamps import is_stamp_line  # what a stamp line is, the parser knows

    return sum(sum(1 for c in line["chars"] if c["text"].strip())
               for line in page.extract_text_lines()
               if line["top"] >= top and line["bottom"] <= bottom and is_stamp_line(line["text"]))


def _page(number: int, page, max_pixels: int | None) -> PdfPage:  # page: pdfplumber.page.Page
    width, height = float(page.width), float(page.height)
    top, bottom = TOP_BAND * height, (1 - BOTTOM_BAND) * height
    body = sum(1 for c in page.chars if c["text"].strip() and c["top"] >= top and c["bottom"] <= bottom)
    if body >= MIN_BODY_CHARS and page.images:
        body -= _stamp_chars(page, top, bottom)
    share = 0.0
    for im in page.images:
        w = max(0.0, min(float(im["x1"]), width) - max(float(im["x0"]), 0.0))
        h = max(0.0, min(float(im["bottom"]), height) - max(float(im["top"]), 0.0))
        share = max(share, w * h / (width * height))
    if body < MIN_BODY_CHARS and share >= MIN_IMAGE_SHARE:
        for im in page.images:
            w, h = (int(v) for v in im.get("srcsize") or (0, 0))
            if max_pixels and w * h > max_pixels:
                raise PdfError(f"page {number} is too large to OCR (a scan of {w:,} × {h:,} pixels; "
                               f"the limit is {max_pixels:,})")
        return PdfPage(number, None, body, share)
    page_text = page.extract_text() or ""
    return PdfPage(number, page_text, body, share)
