"""Reviewing parser doubts (archivists): ``/review`` lists documents whose fields are
marked ``needs_review``, each field beside the crop of the page where it was read; Enter
confirms what is in the boxes (typed or as read), and a confirmation is a correction."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from archive.review import pending_fields, review_count, review_queue
from vanthu.pipeline import correct_record

from .auth import archivist_required
from .edit import changed_fields, form_values
from .services import services

__all__ = ["bp"]

bp = Blueprint("review", __name__)
_PER_PAGE = 10


@bp.route("/review")
@archivist_required
def queue() -> Any:
    svc = services()
    items = []
    for doc_id in review_queue(svc.archive.catalog, limit=_PER_PAGE):
        record = svc.archive.get(doc_id)
        values = form_values(record)
        fields = [{"name": name, "value": values.get(name, ""),
                   "source": record.fields.get(name)} for name in pending_fields(record)]
        items.append({"record": record, "fields": fields})
    return render_template("review.html", items=items, total=review_count(svc.archive.catalog))


@bp.route("/review/<doc_id>", methods=["POST"])
@archivist_required
def confirm(doc_id: str) -> Any:
    svc = services()
    record = svc.archive.get(doc_id)
    fields = pending_fields(record)
    typed = {name: request.form.get(name, "") for name in fields}
    changed = changed_fields(record, typed)
    # A value confirmed as read is a correction too: it says a person checked it.
    values = {name: changed.get(name, getattr(record, name)) for name in fields}
    if values:
        correct_record(svc.archive, svc.index, doc_id, values, current_user.name)
        flash(f"Đã xác nhận {record.ref or doc_id}.", "info")
    return redirect(url_for("review.queue"))


@bp.route("/d/<doc_id>/crop/<field>.png")
def crop(doc_id: str, field: str) -> Any:
    svc = services()
    record = svc.archive.get(doc_id)
    source = record.fields.get(field)
    if source is None or source.box is None or not source.page:
        abort(404)
    path = svc.images.crop(doc_id, svc.archive.original_path(doc_id), source.page, source.box)
    return send_file(path, mimetype="image/png", max_age=86400)
