"""Uploading scans (archivists): ``/upload`` takes many files or a folder; each is checked,
staged and queued at once, and read in the background. The page shows each file's state
and keeps it across reloads (the batch is in the URL, the jobs in the catalog)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .auth import archivist_required
from .services import services
from .uploads import receive

__all__ = ["bp", "receive_request"]

bp = Blueprint("upload", __name__)


def receive_request() -> tuple[str, list, list[str]]:
    """The request's files (field ``files``) accepted as one batch."""
    svc = services()
    files = []
    for storage in request.files.getlist("files"):
        try:
            if storage.filename:
                files.append((storage.filename, storage.read()))
        finally:
            storage.close()  # a big upload is spooled to a temporary file: close it now
    batch, jobs, refused = receive(files, current_user.name, svc.archive, svc.jobs,
                                   svc.settings.inbox_dir)
    if jobs:
        svc.workers.notify()
    return batch, jobs, refused


@bp.route("/upload", methods=["GET", "POST"])
@archivist_required
def upload() -> Any:
    svc = services()
    if request.method == "POST":
        batch, jobs, refused = receive_request()
        for reason in refused:
            flash(f"Không nhận: {reason}. Tệp này không được lưu.", "error")
        if not jobs:
            if not refused:
                flash("Chưa chọn tệp nào.", "error")
            return render_template("upload.html", batch=None, jobs=[], recent=svc.jobs.recent(20),
                                   limit_mb=svc.settings.upload_max_bytes >> 20), 400
        flash(f"Đã nhận {len(jobs)} tệp; đang đọc và phân tích ở chế độ nền.", "info")
        return redirect(url_for("upload.upload", batch=batch))
    shown = request.args.get("batch")
    return render_template("upload.html", batch=shown, jobs=svc.jobs.batch(shown) if shown else [],
                           recent=svc.jobs.recent(20), limit_mb=svc.settings.upload_max_bytes >> 20)
