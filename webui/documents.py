"""Reading a document: ``/d/<id>`` (metadata, page images beside the text, citations both
ways, copies, corrections), its page images, downloads, and ``/n/<number>`` for a number
that is cited (and perhaps not stored)."""
from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, send_file, url_for

from archive.annotate import annotate
from archive.chain import citers, summaries
from archive.errors import NotFoundError
from archive.history import latest_changes
from archive.review import pending_fields

from .format import FIELD_LABELS
from .services import services

__all__ = ["bp"]

bp = Blueprint("documents", __name__)

# The metadata table: every field of the record, in reading order.
_TABLE_FIELDS = ("ref", "doc_type_name", "issuer", "parent_issuer", "place", "date", "subject",
                 "signer", "signer_title", "recipients")


def _page_number(pages: int) -> int:
    try:
        return min(max(1, int(request.args.get("p", "1"))), max(pages, 1))
    except ValueError:
        return 1


@bp.route("/d/<doc_id>")
def document(doc_id: str) -> Any:
    svc = services()
    archive = svc.archive
    record = archive.get(doc_id)
    history = archive.corrections(doc_id)
    corrected = latest_changes(archive.parsed(doc_id), history) if history else {}
    original = archive.original_path(doc_id)
    pages = record.source.pages if record.source else 0
    page = _page_number(pages)
    zoom = request.args.get("z") == "1"
    targets = summaries(archive.catalog, [i for c in record.citations
                                          for i in ((c.target_id,) if c.target_id else c.candidates)])
    rows = [(name, FIELD_LABELS[name], getattr(record, name), corrected.get(name))
            for name in _TABLE_FIELDS]
    return render_template(
        "document.html", record=record, rows=rows, corrected=corrected, targets=targets,
        segments=annotate(record.text.strip(), record.citations), pages=pages, page=page, zoom=zoom,
        has_images=svc.images.has_images(original) and pages > 0,
        width=svc.settings.page_zoom_width if zoom else svc.settings.page_width,
        review=pending_fields(record), original_name=(record.source.filename if record.source
                                                      else None) or original.name)


@bp.route("/d/<doc_id>/page/<int:number>.png")
def page_image(doc_id: str, number: int) -> Any:
    svc = services()
    width = request.args.get("w", type=int) or svc.settings.page_width
    if width not in (svc.settings.page_width, svc.settings.page_zoom_width):
        abort(400)
    path = svc.images.page(doc_id, svc.archive.original_path(doc_id), number, width)
    return send_file(path, mimetype="image/png", max_age=86400)


@bp.route("/d/<doc_id>/original")
def original(doc_id: str) -> Any:
    archive = services().archive
    record = archive.get(doc_id)
    path = archive.original_path(doc_id)
    name = (record.source.filename if record.source else None) or path.name
    return send_file(path, as_attachment=True, download_name=name)


@bp.route("/d/<doc_id>.json")
def record_json(doc_id: str) -> Any:
    """The record as ``vanthu show --json`` prints it, plus its correction history."""
    archive = services().archive
    data = archive.get(doc_id).to_dict()
    data["corrections"] = [asdict(c) for c in archive.corrections(doc_id)]
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{doc_id}.json"'})


@bp.route("/n/<path:ref>")
def number(ref: str) -> Any:
    """A document number: the stored documents that carry it and every document citing it."""
    archive = services().archive
    ids = archive.find(ref)
    if len(ids) == 1:
        return redirect(url_for("documents.document", doc_id=ids[0]))
    stored = summaries(archive.catalog, ids)
    citing = citers(archive.catalog, ref)
    if not stored and not citing:
        raise NotFoundError(f"không văn bản nào trong kho mang hoặc trích dẫn số {ref}")
    return render_template("number.html", ref=ref, stored=list(stored.values()), citing=citing)
