"""OCR of one page image with Tesseract, and the rebuilding of its lines from word boxes.

Tesseract's own text output reads the two-column header of a directive (issuer left,
national motto right) as one line: ``ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM``,
``Số: 1196/UBND-VP Hoàn Kiếm, ngày 11 tháng 8 năm 2021``. We ask for the word boxes
(``image_to_data``, one tesseract run, so no extra cost) and rebuild the lines ourselves:
a line is cut where two words are further apart than a column gap, and a run of rows that
is cut at the same place (a *zone*: the header, or "Nơi nhận" beside the signature) is
written column by column — the whole left column, then the whole right column.

Each page runs in its own tesseract process with ``OMP_THREAD_LIMIT=1``: Tesseract's
OpenMP threads make one page about 2.5x slower in wall time on these machines, so we
parallelise across pages instead (see ``ingest.readers.read_many``).
"""
from __future__ import annotations

import statistics
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from archive.record import Word as PageWord

from .limits import out_of_memory

__all__ = ["OcrJob", "OcrResult", "run_job", "layout_text", "layout_lines"]

# A gap wider than this many text heights separates two columns; justified body text
# stretches its spaces to about one height at most.
COLUMN_GAP = 2.5
# A one-column row joins the zone above it when the blank between them is at most this
# many text heights: the lines of one header block, not the "Kính gửi" below it.
ZONE_LEADING = 1.2


@dataclass(frozen=True)
class OcrJob:
    """One page to OCR: page ``index`` (0-based) of a PDF or of a (multi-page) image."""

    kind: str  # "pdf" | "image"
    path: str  # absolute: a name such as "-x.png" must not read as a tesseract option
    index: int
    lang: str
    dpi: int
    max_pixels: int  # refuse a page larger than this as rendered or decoded
    timeout: float  # seconds Tesseract may take


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: float | None
    error: str | None = None  # a one-line reason; the reader turns it into an IngestError
    # The words of ``text`` in its order, with confidence and box: where each header field
    # was read and how surely (the parser's ``fields`` and ``needs_review``).
    words: tuple[PageWord, ...] = ()


def run_job(job: OcrJob) -> OcrResult:
    """Render or load the page, OCR it, rebuild its lines. Never raises."""
    import pytesseract  # imported here so that reading text files never needs it

    try:
        image, dpi = _load(job)
    except PageTooLarge as exc:
        return OcrResult("", None, str(exc))
    except Exception as exc:  # noqa: BLE001 - any decoder failure is "unreadable"
        if out_of_memory(exc):
            return OcrResult("", None, f"page {job.index + 1} needs more memory than a reader may use")
        what = "PDF page" if job.kind == "pdf" else "image"
        return OcrResult("", None, f"not a readable {what} (page {job.index + 1}: {_one_line(exc)})")
    config = f"--dpi {dpi}" if dpi else ""
    try:
        with tempfile.TemporaryDirectory(prefix="vanthu-ocr-") as tmp:
            if isinstance(image, Path):  # a plain one-page scan: Tesseract reads it itself
                source = image
            else:
                # PGM/PBM: no compression; writing it costs ~10 ms where a PNG costs ~200 ms.
                source = Path(tmp) / ("page.pbm" if image.mode == "1" else "page.pgm")
                image.save(source, format="PPM")
            data = pytesseract.image_to_data(
                str(source), lang=job.lang, config=config,
                output_type=pytesseract.Output.DICT, timeout=job.timeout,
            )
    except pytesseract.TesseractNotFoundError:
        return OcrResult("", None, "tesseract is not installed")
    except pytesseract.TesseractError as exc:  # before RuntimeError: it is one
        return OcrResult("", None, f"Tesseract failed on page {job.index + 1} "
                                   f"(status {exc.status}: {_one_line(exc.message)})")
    except RuntimeError as exc:  # pytesseract's timeout
        return OcrResult("", None, f"OCR of page {job.index + 1} took over {job.timeout:g} s ({_one_line(exc)})")
    except Exception as exc:  # noqa: BLE001 - a worker must answer, not die
        return OcrResult("", None, f"OCR of page {job.index + 1} failed ({_one_line(exc)})")
    words = _words(data)
    confs = [w.conf for w in words if w.conf >= 0]
    confidence = round(statistics.fmean(confs), 2) if confs else None
    lines = layout_lines(words)
    placed = tuple(PageWord(w.text, w.conf, (w.left, w.top, w.right, w.bottom))
                   for line in lines for w in line)
    return OcrResult(_joined(lines), confidence, words=placed)


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


# Files Tesseract (Leptonica) reads as they are, when they hold one upright page.
_DIRECT = {("PNG", "1"), ("PNG", "L"), ("PNG", "RGB"), ("JPEG", "L"), ("JPEG", "RGB"),
           ("TIFF", "1"), ("TIFF", "L"), ("TIFF", "RGB")}
_EXIF_ORIENTATION = 0x0112


class PageTooLarge(Exception):
    """A page over the pixel limit; ``str()`` is the one-line reason."""


def _check_pixels(job: OcrJob, width: float, height: float, size: str = "") -> None:
    if width * height > job.max_pixels:
        raise PageTooLarge(f"page {job.index + 1} is too large to OCR ({size}{width:,.0f} × {height:,.0f} "
                           f"pixels; the limit is {job.max_pixels:,})")


def _load(job: OcrJob) -> tuple[Image.Image | Path, int | None]:
    """The page as a greyscale (or 1-bit) image, or the file itself when Tesseract can
    read it as it is; and the dpi to tell Tesseract (None: the file says, or it guesses).
    Raises PageTooLarge before decoding a page of more than ``job.max_pixels``."""
    if job.kind == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(job.path)
        try:
            page = pdf[job.index]
            width, height = page.get_size()  # points
            scale = job.dpi / 72
            _check_pixels(job, width * scale, height * scale,
                          f"{width / 72:.4g} × {height / 72:.4g} in at {job.dpi} dpi: ")
            image = page.render(scale=scale, grayscale=True).to_pil()
            page.close()
        finally:
            pdf.close()
        return image.convert("L"), job.dpi
    try:
        with warnings.catch_warnings():
            # Our own pixel limit applies below, frame by frame.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(job.path)
    except Image.DecompressionBombError as exc:
        raise PageTooLarge(f"page {job.index + 1} is too large to OCR ({_one_line(exc)})") from None
    with img:
        img.seek(job.index)
        _check_pixels(job, img.width, img.height)
        if (job.index == 0 and getattr(img, "n_frames", 1) == 1 and (img.format, img.mode) in _DIRECT
                and img.getexif().get(_EXIF_ORIENTATION, 1) == 1):
            img.load()  # decoding here catches a truncated file before Tesseract sees it
            return Path(job.path), None
        dpi = img.info.get("dpi")
        frame = ImageOps.exif_transpose(img) if job.index == 0 else img
        # A 1-bit scan stays 1-bit (written as PBM): Tesseract then skips its thresholding.
        image = frame.copy() if frame.mode == "1" else frame.convert("L")
    x_dpi = round(float(dpi[0])) if dpi and dpi[0] else None
    return image, x_dpi if x_dpi and 70 <= x_dpi <= 2400 else None


# --- rebuilding lines -----------------------------------------------------------------

@dataclass(frozen=True)
class Word:
    line: tuple[int, int, int]  # tesseract's (block, paragraph, line)
    left: int
    top: int
    right: int
    bottom: int
    conf: float
    text: str


@dataclass
class Segment:
    """Words of one line that sit together (a line cut at its column gaps gives segments)."""

    words: list[Word]

    @property
    def left(self) -> int:
        return self.words[0].left

    @property
    def right(self) -> int:
        return max(w.right for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass
class Row:
    segments: list[Segment]
    top: int
    bottom: int

    def crosses(self, x: float) -> bool:
        return any(s.left < x < s.right for s in self.segments)


def _words(data: dict[str, list[Any]]) -> list[Word]:
    words = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if int(data["level"][i]) != 5 or not text:
            continue
        left, top = int(data["left"][i]), int(data["top"][i])
        words.append(Word(
            (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i])),
            left, top, left + int(data["width"][i]), top + int(data["height"][i]),
            float(data["conf"][i]), text,
        ))
    heights = [w.bottom - w.top for w in words if any(c.isalnum() for c in w.text)]
    height = statistics.median(heights) if heights else 0
    # Specks of scanner dust come back as "_", "-", ":" or "|" with a tiny box or a low
    # confidence; a real dash sits inside a line with a confident box.
    return [w for w in words if any(c.isalnum() for c in w.text)
            or (w.conf >= 40 and max(w.right - w.left, w.bottom - w.top) >= 0.2 * height)]


def layout_text(words: list[Word]) -> str:
    """The page's text, one printed line per line, two-column zones column by column."""
    return _joined(layout_lines(words))


def _joined(lines: list[list[Word]]) -> str:
    return "\n".join(" ".join(w.text for w in line) for line in lines).strip("\n")


def layout_lines(words: list[Word]) -> list[list[Word]]:
    """The words of each line of :func:`layout_text` (an empty list is a blank line)."""
    if not words:
        return []
    height = statistics.median(w.bottom - w.top for w in words)
    rows = _rows(words, COLUMN_GAP * height)
    out: list[list[Word]] = []
    i = floor = 0  # rows before ``floor`` belong to an earlier zone
    while i < len(rows):
        if len(rows[i].segments) < 2:
            out.append(rows[i].segments[0].words)
            i += 1
            continue
        start, end, left, right = _zone(rows, i, floor, height)
        # Rows pulled in from above were already written as plain lines; take them back.
        del out[len(out) - (i - start):]
        if out and out[-1]:
            out.append([])
        out.extend([s.words for s in left] + [[]] + [s.words for s in right] + [[]])
        i = floor = end
    return out


def _rows(words: list[Word], gap: float) -> list[Row]:
    """Tesseract's lines, each cut into segments at gaps wider than ``gap`` that are empty.

    A gap is only a column gap if no word of another line sits in it: on a noisy page
    Tesseract sometimes files a word of a body line under a neighbouring line.
    """
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w)
    rows = []
    for key, line_words in lines.items():
        line_words.sort(key=lambda w: w.left)
        top, bottom = min(w.top for w in line_words), max(w.bottom for w in line_words)
        segments = [Segment([line_words[0]])]
        for w in line_words[1:]:
            x0, x1 = segments[-1].right, w.left
            if x1 - x0 > gap and not any(
                o.line != key and top <= (o.top + o.bottom) / 2 <= bottom and o.right > x0 and o.left < x1
                for o in words
            ):
                segments.append(Segment([w]))
            else:
                segments[-1].words.append(w)
        # A segment of punctuation alone ("*", '"', ":") is scanner dust or an ornament.
        segments = [s for s in segments if any(c.isalnum() for c in s.text)]
        if segments:
            rows.append(Row(segments, top, bottom))
    rows.sort(key=lambda r: (r.top, r.segments[0].left))
    return rows


def _zone(rows: list[Row], i: int, floor: int, height: float
          ) -> tuple[int, int, list[Segment], list[Segment]]:
    """The two-column run of rows around the cut row ``i``: (start, end, left, right).

    The run grows while each row's segments fit beside the columns seen so far (a segment
    belongs left if it ends before the right column starts, and vice versa); a row with a
    single segment must also follow the row above with no more than ordinary leading.
    """
    segs = rows[i].segments
    widest = max(range(1, len(segs)), key=lambda k: segs[k].left - segs[k - 1].right)
    left, right = segs[:widest], segs[widest:]
    edge_l, edge_r = max(s.right for s in left), min(s.left for s in right)
    lead = ZONE_LEADING * height

    def side(seg: Segment) -> str | None:
        if seg.right < edge_r:
            return "L"
        if seg.left > edge_l:
            return "R"
        return None

    start = i
    while start > floor and len(rows[start - 1].segments) == 1 \
            and side(rows[start - 1].segments[0]) \
            and rows[start].top - rows[start - 1].bottom <= lead:
        start -= 1
    above = [s for r in rows[start:i] for s in r.segments]
    end = i + 1
    while end < len(rows):
        row = rows[end]
        sides = [side(s) for s in row.segments]
        if None in sides:
            break
        if len(row.segments) == 1 and row.top - max(r.bottom for r in rows[start:end]) > lead:
            break
        for s, where in zip(row.segments, sides):
            if where == "L":
                left.append(s)
                edge_l = max(edge_l, s.right)
            else:
                right.append(s)
                edge_r = min(edge_r, s.left)
        end += 1
    head_l = [s for s in above if side(s) == "L"]
    head_r = [s for s in above if side(s) != "L"]
    return start, end, head_l + left, head_r + right
