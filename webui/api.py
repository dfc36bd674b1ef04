"""The JSON API: the shapes of INTERFACE.md; errors are ``{"error": "..."}`` with a status.

``GET /api/search?q=&page=&limit=&sort=``, ``GET /api/documents/<id>``,
``GET /api/documents/<id>/chain?up=&down=``, ``POST /api/uploads`` (multipart ``files``;
needs the ``X-CSRFToken`` header of a logged-in archivist's session), ``GET /api/jobs?batch=``,
``GET /api/jobs/<id>``.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from archive.errors import QueryError

from .auth import archivist_required
from .chain import chain_of
from .search import search_args
from .services import services
from .upload import receive_request

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api")
_MAX_LIMIT = 100


@bp.route("/search")
def search() -> Any:
    q, sort, page = search_args()
    limit = request.args.get("limit", type=int) or services().settings.search_page_size
    if not 1 <= limit <= _MAX_LIMIT:
        raise QueryError(f"limit must be between 1 and {_MAX_LIMIT}")
    return jsonify(services().index.search(q, limit=limit, page=page, sort=sort).to_dict())


@bp.route("/documents/<doc_id>")
def document(doc_id: str) -> Any:
    return jsonify(services().archive.get(doc_id).to_dict())


@bp.route("/documents/<doc_id>/chain")
def chain(doc_id: str) -> Any:
    return jsonify(chain_of(doc_id).to_dict())


@bp.route("/uploads", methods=["POST"])
@archivist_required
def upload() -> Any:
    batch, jobs, refused = receive_request()
    status = 202 if jobs else 400
    body: dict[str, Any] = {"batch": batch, "jobs": [j.to_dict() for j in jobs], "refused": refused}
    if not jobs:
        body["error"] = "; ".join(refused) or "no files in the request (field 'files')"
    return jsonify(body), status


@bp.route("/jobs")
@archivist_required
def jobs() -> Any:
    svc = services()
    batch = request.args.get("batch")
    found = svc.jobs.batch(batch) if batch else svc.jobs.recent(50)
    return jsonify({"batch": batch, "jobs": [j.to_dict() for j in found]})


@bp.route("/jobs/<int:job_id>")
@archivist_required
def job(job_id: int) -> Any:
    return jsonify(services().jobs.get(job_id).to_dict())
