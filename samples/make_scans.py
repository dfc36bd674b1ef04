"""Render the five seed directives as realistic A4 300 dpi scans, and gather the samples.

    python samples/make_scans.py            # writes samples/scans, samples/seeds, samples/corpus

What it writes (deterministic: every random choice comes from a RNG seeded by the seed name):

* ``samples/scans/<seed>.pdf``      image-only PDF, one greyscale JPEG per page (a greyscale
  office scan: grey paper, soft edges, speckle, 0.5-1 degree of skew);
* ``samples/scans/pages/<seed>-pN.png``   the same pages as 1-bit PNG (a black-and-white scan mode;
  1-bit keeps the repository small);
* ``samples/seeds/``                 the seed texts, copied unchanged;
* ``samples/corpus/``                a few real documents from ``shared/corpus`` (see CORPUS).

The renderer knows its own layout: it reads the header lines of a seed as they appear
(issuer in capitals, motto, "Số ...", "V/v ...", "<place>, ngày ...") and lays them out as
the two-column header of Decree 30/2020/NĐ-CP; Party documents get "ĐẢNG CỘNG SẢN VIỆT NAM"
as their motto when the seed lost it. Nothing else is invented.
"""
from __future__ import annotations

import hashlib
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
SHARED = Path("/work/shared")
SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus"
# Real documents copied for tests and demos: a citation pair with a text layer, an
# image-only gazette PDF (handwritten number), a mixed PDF and one scanned page.
CORPUS_FILES = (
    "congbao/thong-tu-so-20-2023-tt-bldtbxh-41198.pdf",
    "congbao/thong-tu-so-01-2025-tt-bldtbxh-43956.pdf",
    "congbao/nghi-quyet-so-115-nq-cp-469452.pdf",
    "congbao/quyet-dinh-so-109-qd-btc-468842.pdf",
    "scans/ocr_vbpl__pline_1.jpg",
)

DPI = 300
PAGE_W, PAGE_H = 2480, 3508  # A4 at 300 dpi
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 354, 236, 236, 260  # 30/20/20/22 mm
TEXT_W = PAGE_W - MARGIN_L - MARGIN_R
LEFT_COL = (MARGIN_L - 60, MARGIN_L + 820)  # issuer column (x range)
RIGHT_COL = (MARGIN_L + 900, PAGE_W - MARGIN_R + 40)  # motto / date / signature column

FONT_DIR = Path("/usr/share/fonts/truetype/noto")
FONT_FILES = {
    "regular": "NotoSerif-Regular.ttf",
    "bold": "NotoSerif-Bold.ttf",
    "italic": "NotoSerif-Italic.ttf",
}


def pt(size: float) -> int:
    return round(size * DPI / 72)


_fonts: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}


def font(style: str = "regular", size: float = 13) -> ImageFont.FreeTypeFont:
    key = (style, pt(size))
    if key not in _fonts:
        _fonts[key] = ImageFont.truetype(str(FONT_DIR / FONT_FILES[style]), key[1])
    return _fonts[key]


# --- reading a seed -------------------------------------------------------------------

MOTTO_STATE = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
MOTTO_PARTY = ("ĐẢNG CỘNG SẢN VIỆT NAM",)
DATE_LINE = re.compile(r"^[^\d,]{2,30}, ngày \d{1,2} tháng \d{1,2} năm \d{4}$")
NUMBER_LINE = re.compile(r"^Số:?\s*\S")


def clean(line: str) -> str:
    """Drop markdown emphasis and escapes; the converter's ``**`` is not on the paper."""
    line = line.replace("\\*", "*").rstrip()
    line = re.sub(r"\*{1,2}(?=\S)|(?<=\S)\*{1,2}", "", line)
    return line.strip()


def is_caps(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


@dataclass
class Layout:
    issuer: list[str] = field(default_factory=list)
    motto: tuple[str, ...] = MOTTO_PARTY
    star: bool = False
    number: str | None = None
    subject: list[str] = field(default_factory=list)  # "V/v ..." under the number
    date: str | None = None
    title: list[str] = field(default_factory=list)  # "CHỈ THỊ" / "ĐIỆN" + subject, centred
    body: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)  # "Nơi nhận:" block, bottom left
    signature: list[str] = field(default_factory=list)  # bottom right, name last


DOC_TYPES = {"CHỈ THỊ", "THÔNG BÁO", "ĐIỆN", "CÔNG ĐIỆN", "QUYẾT ĐỊNH", "NGHỊ QUYẾT", "KẾ HOẠCH"}


def _subject(lines: list[str], i: int, lay: Layout) -> int:
    """Collect the subject lines starting at ``i``; return the index of the last one."""
    lay.subject.append(lines[i])
    while i + 1 < len(lines):
        nxt = lines[i + 1]
        if is_caps(nxt) or DATE_LINE.match(nxt) or "Kính gửi" in nxt or len(nxt) > 60 or nxt.startswith("-"):
            break
        lay.subject.append(nxt)
        i += 1
    return i


def read_seed(text: str) -> Layout:
    raw = [clean(x) for x in text.splitlines()]
    lines = [x for x in raw if x]
    lay = Layout()
    i = 0
    # Header: everything before the first long line or the "Kính gửi" list.
    while i < len(lines):
        line = lines[i]
        if "Kính gửi" in line or line.startswith("- ") or (len(line) > 90 and not lay.title):
            break
        if len(line) > 90 and lay.title and lay.title[-1] not in DOC_TYPES:
            break
        if line.upper().startswith("CỘNG HÒA") or line.upper().startswith("CỘNG HOÀ"):
            lay.motto = MOTTO_STATE
            i += 2 if i + 1 < len(lines) and lines[i + 1].startswith("Độc lập") else 1
            continue
        if line == MOTTO_PARTY[0]:
            lay.motto = MOTTO_PARTY
        elif line == "*":
            lay.star = True
        elif NUMBER_LINE.match(line):
            lay.number = line
            # A Party công văn may put its subject, unlabelled, right under the number.
            if i + 1 < len(lines) and not is_caps(lines[i + 1]) and not DATE_LINE.match(lines[i + 1]):
                i = _subject(lines, i + 1, lay)
        elif line.startswith("V/v"):
            i = _subject(lines, i, lay)
        elif DATE_LINE.match(line):
            lay.date = line
        elif line in DOC_TYPES or lay.title:
            lay.title.append(line)  # type name, then its subject lines
        elif is_caps(line):
            lay.issuer.append(line)
        else:
            lay.title.append(line)
        i += 1
    rest = lines[i:]
    if "Nơi nhận:" in rest:
        k = rest.index("Nơi nhận:")
        lay.body = rest[:k]
        j = k + 1
        lay.recipients = ["Nơi nhận:"]
        while j < len(rest) and rest[j].startswith("-"):
            lay.recipients.append(rest[j])
            j += 1
        lay.signature = rest[j:]
    else:
        lay.body = rest
    return lay


# --- drawing --------------------------------------------------------------------------

class Pages:
    """A stack of white A4 pages with a text cursor."""

    def __init__(self) -> None:
        self.pages: list[Image.Image] = []
        self.new_page()

    def new_page(self) -> None:
        self.page = Image.new("L", (PAGE_W, PAGE_H), 255)
        self.draw = ImageDraw.Draw(self.page)
        self.pages.append(self.page)
        self.y = MARGIN_T
        if len(self.pages) > 1:  # page number, top centre, as Decree 30 asks
            f = font("regular", 12)
            num = str(len(self.pages))
            self.draw.text((PAGE_W // 2 - f.getlength(num) / 2, MARGIN_T - pt(12) * 1.6), num, font=f, fill=0)

    def need(self, height: int) -> None:
        if self.y + height > PAGE_H - MARGIN_B:
            self.new_page()

    def text_at(self, x: float, y: float, text: str, f: ImageFont.FreeTypeFont, underline: bool = False) -> None:
        self.draw.text((x, y), text, font=f, fill=0)
        if underline:
            w = f.getlength(text)
            uy = y + f.size * 1.3
            self.draw.line((x, uy, x + w, uy), fill=0, width=3)

    def centred(self, col: tuple[int, int], y: float, text: str, f: ImageFont.FreeTypeFont,
                underline: bool = False) -> float:
        """Draw text centred in a column, shrinking the font if it would not fit."""
        while f.getlength(text) > col[1] - col[0] and f.size > 30:
            f = f.font_variant(size=f.size - 2)
        x = (col[0] + col[1]) / 2 - f.getlength(text) / 2
        self.text_at(x, y, text, f, underline)
        return f.size * 1.35

    def paragraph(self, text: str, f: ImageFont.FreeTypeFont, indent: int = 0,
                  first_indent: int = pt(28), spacing: float = 1.35, after: float = 0.45) -> None:
        words = text.split()
        lines: list[list[str]] = [[]]
        width = TEXT_W - indent
        for w in words:
            trial = " ".join(lines[-1] + [w])
            limit = width - (first_indent if len(lines) == 1 else 0)
            if lines[-1] and f.getlength(trial) > limit:
                lines.append([w])
            else:
                lines[-1].append(w)
        lh = round(f.size * spacing)
        for n, line_words in enumerate(lines):
            self.need(lh)
            x0 = MARGIN_L + indent + (first_indent if n == 0 else 0)
            limit = width - (first_indent if n == 0 else 0)
            last = n == len(lines) - 1
            if last or len(line_words) == 1:
                self.text_at(x0, self.y, " ".join(line_words), f)
            else:  # justified, as typed documents are
                gap = (limit - sum(f.getlength(w) for w in line_words)) / (len(line_words) - 1)
                x = x0
                for w in line_words:
                    self.text_at(x, self.y, w, f)
                    x += f.getlength(w) + gap
            self.y += lh
        self.y += round(f.size * after)


def wrap(text: str, f: ImageFont.FreeTypeFont, width: float) -> list[str]:
    out = [""]
    for w in text.split():
        trial = f"{out[-1]} {w}".strip()
        if out[-1] and f.getlength(trial) > width:
            out.append(w)
        else:
            out[-1] = trial
    return out


def render(lay: Layout) -> list[Image.Image]:
    pg = Pages()
    b13, r13, r12, i13, b12 = font("bold", 13), font("regular", 13), font("regular", 12), font("italic", 13), font("bold", 12)
    # Header: issuer block left, motto right, both starting at the top margin.
    yl = yr = pg.y
    for n, line in enumerate(lay.issuer):
        parent = n < len(lay.issuer) - 1
        yl += pg.centred(LEFT_COL, yl, line, r13 if parent else b13)
    if lay.star or lay.motto == MOTTO_PARTY:
        yl += pg.centred(LEFT_COL, yl, "*", r13)
    for n, line in enumerate(lay.motto):
        yr += pg.centred(RIGHT_COL, yr, line, b12 if n == 0 and len(lay.motto) > 1 else b13,
                         underline=(n == len(lay.motto) - 1))
    y = max(yl, yr) + pt(10)
    yl = y
    if lay.number:
        yl += pg.centred(LEFT_COL, yl, lay.number, r13)
    for line in lay.subject:
        yl += pg.centred(LEFT_COL, yl, line, r12)
    if lay.date:
        pg.centred(RIGHT_COL, y, lay.date, i13)
        y += pt(18)
    pg.y = round(max(yl, y) + pt(18))
    for line in lay.title:
        for part in wrap(line, b13, TEXT_W - pt(60)):
            pg.need(pt(18))
            pg.y += pg.centred((MARGIN_L, PAGE_W - MARGIN_R), pg.y, part, b13)
    if lay.title:
        pg.y += pt(12)
    for line in lay.body:
        if line.startswith("Kính gửi") or line.startswith("- Kính gửi"):
            pg.paragraph(line.lstrip("- "), r13, indent=pt(60), first_indent=0, after=0.2)
        elif line.startswith("- ") or line.startswith("+ "):
            pg.paragraph(line, r13, first_indent=pt(28), after=0.2)
        elif is_caps(line) and len(line) < 45:  # a signature/copy line inside the body
            pg.need(pt(18))
            pg.y += pg.centred(RIGHT_COL, pg.y, line, b13)
        else:
            pg.paragraph(line, r13)
    # Footer: recipients left (small), signature right; the name under a signing gap.
    sig = lay.signature
    block_h = max(len(lay.recipients) * pt(14), (len(sig) + 4) * pt(18))
    pg.need(block_h + pt(10))
    y0 = pg.y + pt(10)
    yl = y0
    for n, line in enumerate(lay.recipients):
        f = font("bold", 11) if n == 0 else font("regular", 10.5)
        pg.text_at(MARGIN_L, yl, line, f)
        yl += round(f.size * 1.3)
    yr = y0
    for n, line in enumerate(sig):
        name = n == len(sig) - 1
        if name:
            yr += pt(60)  # signature and seal go here
        yr += pg.centred(RIGHT_COL, yr, line, b13 if (is_caps(line) or name) else i13)
    return pg.pages


# --- scanner simulation -----------------------------------------------------------------

def scan(page: Image.Image, rng: random.Random) -> Image.Image:
    """Skew, blur, grey paper, uneven toner and speckle: what an office scanner adds."""
    angle = rng.choice((-1, 1)) * rng.uniform(0.5, 1.0)
    img = page.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.7, 1.0)))
    paper, ink = rng.randint(226, 238), rng.randint(25, 55)
    img = img.point(lambda v: ink + (paper - ink) * v // 255)
    # Low-frequency unevenness (lighting / toner): a coarse noise field, blurred up.
    field_ = Image.effect_noise((PAGE_W // 64, PAGE_H // 64), 28).resize(img.size, Image.BILINEAR)
    field_ = field_.filter(ImageFilter.GaussianBlur(4))
    img = Image.blend(img, field_.point(lambda v: 128 + (v - 128) // 3), 0.12)
    # Speckle: dark dots and a few short streaks.
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randint(500, 900)):
        x, y = rng.randrange(PAGE_W), rng.randrange(PAGE_H)
        r = rng.choice((1, 1, 1, 2, 2, 3))
        draw.ellipse((x, y, x + r, y + r), fill=rng.randint(20, 120))
    for _ in range(rng.randint(2, 5)):
        x, y = rng.randrange(PAGE_W), rng.randrange(PAGE_H)
        draw.line((x, y, x + rng.randint(-20, 20), y + rng.randint(40, 200)), fill=rng.randint(140, 200), width=2)
    grain = Image.effect_noise(img.size, 10)
    return Image.blend(img, grain, 0.05)


def binarize(img: Image.Image) -> Image.Image:
    return img.point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.NONE)


def make(seed_path: Path, out: Path) -> list[Path]:
    lay = read_seed(seed_path.read_text(encoding="utf-8-sig"))
    rng = random.Random(hashlib.sha256(seed_path.stem.encode()).hexdigest())
    pages = [scan(p, rng) for p in render(lay)]
    written = []
    pdf = out / f"{seed_path.stem}.pdf"
    # A fixed creation date keeps the PDF byte-identical between runs.
    pages[0].save(pdf, save_all=True, append_images=pages[1:], resolution=DPI, quality=60,
                  title=seed_path.stem, creationDate="D:20240101000000", modDate="D:20240101000000")
    written.append(pdf)
    # Pages apart: one PNG per page is one document each when ingested, so `make run`
    # ingests the PDFs and the tests read single pages from here.
    (out / "pages").mkdir(exist_ok=True)
    for n, img in enumerate(pages, 1):
        png = out / "pages" / f"{seed_path.stem}-p{n}.png"
        binarize(img).save(png, dpi=(DPI, DPI), optimize=True)
        written.append(png)
    return written


def main(argv: list[str]) -> int:
    seeds = sorted(SEEDS.glob("*.txt"))
    if not seeds:
        print(f"no seeds in {SEEDS}", file=sys.stderr)
        return 1
    for sub in ("scans", "seeds", "corpus"):
        (HERE / sub).mkdir(exist_ok=True)
    for seed in seeds:
        shutil.copyfile(seed, HERE / "seeds" / seed.name)
        for path in make(seed, HERE / "scans"):
            print(f"{path.relative_to(HERE)}  {path.stat().st_size / 1e6:.2f} MB")
    for rel in CORPUS_FILES:
        src = CORPUS / rel
        shutil.copyfile(src, HERE / "corpus" / src.name)
        print(f"corpus/{src.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
