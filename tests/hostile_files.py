"""Makers of hostile and odd input files for tests/test_hostile.py: bombs, wrong types, odd names.

Each maker writes into a folder and returns the path to give to ``vanthu ingest``. The PDFs
are written object by object (the way a forger would), so that a test controls exactly
what a library will be asked to decode.
"""
from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

from paths import SAMPLES

SCAN_PAGE = SAMPLES / "scans" / "pages" / "002_78fb6ff3a99b7859-p2.png"
TEXT_PDF = SAMPLES / "corpus" / "thong-tu-so-20-2023-tt-bldtbxh-41198.pdf"


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF of the given object bodies (object 1 is the catalog), with a correct xref."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(entries: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (entries, len(data), data)


_CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
_PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def repeated_deflate(chunk: bytes, count: int) -> bytes:
    """A valid zlib stream of ``chunk`` repeated ``count`` times, ~1,000 times smaller,
    made in seconds: after a full flush deflate starts afresh, so the blocks for one chunk
    repeat byte for byte. The Adler-32 at the end is computed over the whole output."""
    z = zlib.compressobj(9)
    first = z.compress(chunk) + z.flush(zlib.Z_FULL_FLUSH)
    again = z.compress(chunk) + z.flush(zlib.Z_FULL_FLUSH)
    end = z.flush()
    adler = 1
    for _ in range(count):
        adler = zlib.adler32(chunk, adler)
    return first + again * (count - 1) + end[:-4] + adler.to_bytes(4, "big")


def content_bomb_pdf(gigabytes: int) -> bytes:
    """One A4 page whose content stream (spaces) inflates to ``gigabytes`` GiB: pdfminer
    inflates a stream whole before it parses it."""
    bomb = repeated_deflate(b" " * (1 << 26), gigabytes * 16)
    return raw_pdf(_CATALOG, _PAGES, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                   _stream(b"/Filter /FlateDecode", bomb))


def image_bomb_pdf(side: int = 60_000) -> bytes:
    """One A4 page covered by a ``side`` x ``side`` grey scan that inflates to side² bytes
    (``side`` a multiple of 1,000)."""
    data = repeated_deflate(b"\xff" * (side * 1000), side // 1000)
    return raw_pdf(
        _CATALOG, _PAGES,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /XObject << /Im0 5 0 R >> >> >>",
        _stream(b"", b"q 595 0 0 842 0 0 cm /Im0 Do Q"),
        _stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
                b" /BitsPerComponent 8 /Filter /FlateDecode" % (side, side), data))


def huge_page_pdf(folder: Path) -> Path:
    """1.7 KB: one 200 x 200 inch page holding a small scan (6.9 GB rendered at 300 dpi)."""
    from PIL import Image

    path = folder / "huge-page.pdf"
    Image.new("L", (200, 200), 255).save(path, resolution=1.0)
    return path


def many_pages_pdf(folder: Path, pages: int) -> Path:
    pypdf = __import__("pypdf")
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=100, height=100)
    path = folder / "many-pages.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def encrypted_pdf(folder: Path, name: str, user_password: str) -> Path:
    pypdf = __import__("pypdf")
    writer = pypdf.PdfWriter(clone_from=TEXT_PDF)
    writer.add_metadata({"/Title": "<script>alert('title')</script>"})
    writer.encrypt(user_password=user_password, owner_password="chủ", algorithm="AES-128")
    path = folder / name
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_bomb(folder: Path, side: int) -> Path:
    """A PNG whose header claims ``side`` x ``side`` 1-bit pixels; the data is a few bytes."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path = folder / f"bomb-{side}.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
                     + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + _png_chunk(b"IEND", b""))
    return path


def png_text_bomb(folder: Path) -> Path:
    """A small real PNG with a compressed text chunk that inflates to 200 MB."""
    from PIL import Image

    path = folder / "ztxt-bomb.png"
    Image.new("1", (50, 50), 1).save(path)
    data = path.read_bytes()
    ztxt = _png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * (200 << 20), 9))
    path.write_bytes(data[:-12] + ztxt + data[-12:])  # before IEND
    return path


def _tiff(side: int, frames: int) -> bytes:
    """A little-endian baseline TIFF of ``frames`` IFDs, each claiming ``side`` x ``side``
    uncompressed 1-bit pixels, all pointing at one small strip (written by hand: Pillow
    takes a minute to save 5,000 frames)."""
    tags = [(256, 4, side), (257, 4, side), (258, 3, 1), (259, 3, 1), (262, 3, 0),
            (273, 4, 0), (277, 3, 1), (278, 4, side), (279, 4, side * side // 8)]
    ifd_size = 2 + 12 * len(tags) + 4
    strip = 8 + frames * ifd_size
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    for frame in range(frames):
        following = 8 + (frame + 1) * ifd_size if frame + 1 < frames else 0
        out += struct.pack("<H", len(tags))
        for tag, kind, value in tags:
            value = strip if tag == 273 else value
            out += struct.pack("<HHI", tag, kind, 1)
            out += struct.pack("<I", value) if kind == 4 else struct.pack("<HH", value, 0)
        out += struct.pack("<I", following)
    return bytes(out + b"\x00" * 4096)


def tiff_header_bomb(folder: Path, side: int = 60_000) -> Path:
    path = folder / "bomb.tif"
    path.write_bytes(_tiff(side, 1))
    return path


def many_frames_tiff(folder: Path, frames: int) -> Path:
    path = folder / "many-frames.tiff"
    path.write_bytes(_tiff(8, frames))
    return path


def jpeg_scan(folder: Path, name: str, quality: int = 90) -> Path:
    """A real scanned page as a greyscale JPEG, under any name (extension included)."""
    from PIL import Image

    path = folder / name
    with Image.open(SCAN_PAGE) as page:
        page.convert("L").save(path, format="JPEG", quality=quality, dpi=(300, 300))
    return path


def fifo(folder: Path, name: str) -> Path:
    path = folder / name
    os.mkfifo(path)
    return path


def link(folder: Path, name: str, target: str | Path) -> Path:
    path = folder / name
    path.symlink_to(target)
    return path
