"""Checking an upload by its content and staging it for its background job.

A file is accepted when its bytes are a PDF that opens, a PNG/JPEG/TIFF image that
decodes, or UTF-8 text, and its name's extension agrees with that content (the reader
picks its method by extension). Everything else is refused with a one-line reason that
names the file, before anything is written.
"""
from __future__ import annotations

import hashlib
import io
import re
import shutil
import uuid
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, UnidentifiedImageError

from archive.errors import IngestError, StorageError
from archive.files import atomic_write_bytes
from archive.jobs import DUPLICATE, Job, Jobs
from archive.store import Archive

__all__ = ["check_upload", "sniff", "stage", "clean_name", "receive", "EXTENSIONS"]

EXTENSIONS = {"pdf": (".pdf",), "png": (".png",), "jpeg": (".jpg", ".jpeg"),
              "tiff": (".tif", ".tiff"), "text": (".txt", ".md")}
_KIND_NAMES = {"pdf": "PDF", "png": "ảnh PNG", "jpeg": "ảnh JPEG", "tiff": "ảnh TIFF",
               "text": "văn bản UTF-8"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f/\\]")


def sniff(data: bytes) -> str | None:
    """The kind of a file by its first bytes: pdf, png, jpeg, tiff, text, or None.

    >>> sniff(b"%PDF-1.7 ..."), sniff(b"\\x89PNG\\r\\n\\x1a\\n..."), sniff("Số: 1/CV".encode())
    ('pdf', 'png', 'text')
    >>> sniff(b"MZ\\x90\\x00\\x03")  # a Windows program
    """
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if b"\x00" not in data[:8192]:
        try:
            data.decode("utf-8-sig")
            return "text"
        except UnicodeDecodeError:
            return None
    return None


def clean_name(filename: str) -> str:
    """The file's own name from what a browser sent (folders and control characters dropped).

    >>> clean_name("hồ sơ/2021/../CV 1196.pdf"), clean_name("C:\\\\scan\\\\a.png"), clean_name("..")
    ('CV 1196.pdf', 'a.png', 'tệp')
    """
    name = re.split(r"[/\\]", filename or "")[-1]
    name = _CONTROL.sub("", name).strip().lstrip(".")
    return name[-120:] or "tệp"


def check_upload(filename: str, data: bytes) -> str:
    """Raise IngestError (naming the file, in Vietnamese) unless the upload can be read;
    returns its kind."""
    if not data:
        raise IngestError(filename, "tệp rỗng (0 byte)")
    kind = sniff(data)
    if kind is None:
        raise IngestError(filename, "không phải PDF, ảnh quét (PNG, JPEG, TIFF) hay văn bản UTF-8")
    suffix = Path(filename).suffix.lower()
    if suffix not in EXTENSIONS[kind]:
        raise IngestError(filename, f"nội dung là {_KIND_NAMES[kind]} nhưng tên tệp có đuôi "
                                    f"{suffix or '(không có)'}; hãy đổi thành {EXTENSIONS[kind][0]}")
    if kind == "pdf":
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise IngestError(filename, f"PDF hỏng hoặc có mật khẩu, không mở được ({exc})") from None
        try:
            if len(pdf) == 0:
                raise IngestError(filename, "PDF không có trang nào")
        finally:
            pdf.close()
    elif kind != "text":
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
        except (OSError, UnidentifiedImageError, SyntaxError) as exc:
            raise IngestError(filename, f"ảnh hỏng, không đọc được ({exc})") from None
    return kind


def stage(inbox: Path, filename: str, data: bytes) -> Path:
    """Write the upload durably to ``inbox/<uuid>/<filename>``; returns its path.

    The name is kept as sent (the record's ``source.filename``); the folder makes it unique.
    """
    path = inbox / uuid.uuid4().hex / filename
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise StorageError(f"{filename}: cannot keep the upload in {inbox}: {exc}") from exc
    return path


def receive(files: list[tuple[str, bytes]], who: str, archive: Archive, jobs: Jobs,
            inbox: Path) -> tuple[str, list[Job], list[str]]:
    """Accept a batch of uploads: each good file is staged and queued (or, when its
    content is already stored, recorded at once as a duplicate); each bad one gives a
    one-line reason and leaves nothing behind. Returns (batch id, jobs, reasons)."""
    batch = uuid.uuid4().hex[:12]
    accepted: list[Job] = []
    refused: list[str] = []
    for sent_name, data in files:
        name = clean_name(sent_name)
        try:
            check_upload(name, data)
        except IngestError as exc:
            refused.append(str(exc))
            continue
        sha = hashlib.sha256(data).hexdigest()
        known = archive.find_sha256(sha)
        if known is not None:
            accepted.append(jobs.add(batch, name, None, sha, who, state=DUPLICATE, doc_id=known))
            continue
        staged = stage(inbox, name, data)
        try:
            accepted.append(jobs.add(batch, name, str(staged), sha, who))
        except BaseException:
            shutil.rmtree(staged.parent, ignore_errors=True)
            raise
    return batch, accepted, refused
