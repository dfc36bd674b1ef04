"""Correcting a document (archivists): ``/d/<id>/edit``. A change is stored as a
correction (who, when, old → new) by :func:`vanthu.pipeline.correct_record`, which also
re-indexes the document, so the new value is searchable at once and survives reparse."""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Mapping

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from archive.corrections import CORRECTABLE
from archive.errors import VanthuError
from archive.record import Record
from vanthu.pipeline import correct_record

from .auth import archivist_required
from .format import FIELD_LABELS, vn_date
from .querytext import iso_date
from .services import services

__all__ = ["bp", "form_values", "changed_fields"]

bp = Blueprint("edit", __name__)

TEXT_FIELDS = ("ref", "number", "symbol", "doc_type", "doc_type_name", "issuer", "parent_issuer",
               "place", "date", "subject", "signer", "signer_title")
LIST_FIELDS = ("copies", "citations")  # edited as JSON


def form_values(record: Record) -> dict[str, str]:
    """The record's correctable fields as the form shows them."""
    values = {name: (vn_date(record.date) if record.date else "") if name == "date"
              else getattr(record, name) or "" for name in TEXT_FIELDS}
    values["recipients"] = "\n".join(record.recipients)
    for name in LIST_FIELDS:
        items = [{k: v for k, v in asdict(item).items()
                  if v not in (None, (), "") and k not in ("target_id", "status", "candidates")}
                 for item in getattr(record, name)]
        values[name] = json.dumps(items, ensure_ascii=False, indent=1)
    return values


def changed_fields(record: Record, form: Mapping[str, str]) -> dict[str, Any]:
    """The fields whose submitted value differs from the record's, as correction values.
    Raises VanthuError for a date or JSON that cannot be read."""
    shown = form_values(record)
    out: dict[str, Any] = {}
    for name in (*TEXT_FIELDS, "recipients", *LIST_FIELDS):
        if name not in form:
            continue
        typed = form[name].replace("\r\n", "\n").strip()
        if typed == shown[name].strip():
            continue
        if name == "date":
            value = iso_date(typed) if typed else None
            if typed and value is None:
                raise VanthuError(f"Ngày ban hành: không đọc được '{typed}' (viết 11/08/2021)")
            out[name] = value
        elif name == "recipients":
            out[name] = [line.strip() for line in typed.splitlines() if line.strip()]
        elif name in LIST_FIELDS:
            try:
                out[name] = json.loads(typed or "[]")
            except ValueError as exc:
                raise VanthuError(f"{FIELD_LABELS[name]}: JSON không hợp lệ ({exc})") from None
        else:
            out[name] = typed or None
    return out


@bp.route("/d/<doc_id>/edit", methods=["GET", "POST"])
@archivist_required
def edit(doc_id: str) -> Any:
    svc = services()
    record = svc.archive.get(doc_id)
    values = form_values(record)
    error = None
    if request.method == "POST":
        try:
            changes = changed_fields(record, request.form)
            if not changes:
                flash("Không có thay đổi nào.", "info")
                return redirect(url_for("documents.document", doc_id=doc_id))
            correct_record(svc.archive, svc.index, doc_id, changes, current_user.name)
        except VanthuError as exc:
            error = str(exc)
            values = {**values, **{k: request.form[k] for k in values if k in request.form}}
        else:
            labels = ", ".join(FIELD_LABELS.get(f, f) for f in changes)
            flash(f"Đã lưu đính chính: {labels}.", "info")
            return redirect(url_for("documents.document", doc_id=doc_id))
    return render_template("edit.html", record=record, values=values, error=error,
                           text_fields=TEXT_FIELDS, correctable=CORRECTABLE), 400 if error else 200
