"""The web UI and JSON API: a Flask app over the archive and the search index.

``create_app(settings)`` opens the archive and one long-lived search index, registers
one blueprint per feature and starts the embedded upload workers. Views call archive/,
search/ and vanthu.pipeline; they hold no logic of their own.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from archive.errors import NotFoundError, QueryError, StorageError, VanthuError
from archive.review import review_count
from archive.settings import Settings

from . import api, auth, chain, documents, edit, review, search, upload
from . import format as fmt
from .services import Services, services

__all__ = ["create_app", "services"]

csrf = CSRFProtect()

# Scripts and styles only from our own files: no inline script, no framing.
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_STATUS = ((NotFoundError, 404), (QueryError, 400), (StorageError, 503), (VanthuError, 400))
_MESSAGES = {400: "Yêu cầu không hợp lệ.", 401: "Cần đăng nhập.",
             403: "Tài khoản của bạn không có quyền làm việc này (cần vai trò lưu trữ viên).",
             404: "Không tìm thấy trang hoặc văn bản.", 405: "Phương thức không được hỗ trợ.",
             413: "Tệp tải lên quá lớn.", 429: "Quá nhiều yêu cầu, hãy thử lại sau.",
             500: "Lỗi máy chủ.", 503: "Kho lưu trữ tạm thời không đọc/ghi được."}


def secret_key(path: Path) -> str:
    """The signing key of sessions, made once per archive (mode 0600) and kept."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it meanwhile
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def create_app(settings: Settings | None = None, *, start_workers: bool = True,
               config: dict[str, Any] | None = None) -> Flask:
    """The app for the archive of *settings*.

    *start_workers* False leaves upload jobs queued until ``services().workers.run_once()``
    (tests run them in the foreground); *config* overrides Flask settings.
    """
    settings = settings or Settings()
    app = Flask(__name__)
    try:
        key = secret_key(settings.secret_key_file)
    except OSError as exc:
        raise StorageError(f"cannot read or create {settings.secret_key_file}: {exc}") from exc
    app.config.update(
        SECRET_KEY=key, MAX_CONTENT_LENGTH=settings.upload_max_bytes,
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session
    )
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    svc = Services.open(settings)
    app.extensions["vanthu"] = svc
    csrf.init_app(app)

    auth.login_manager.init_app(app)
    app.before_request(auth.require_login)
    for module in (auth, search, documents, chain, upload, edit, review, api):
        app.register_blueprint(module.bp)
    fmt.register(app, settings.timezone)
    _handle_errors(app)

    @app.after_request
    def headers(response: Any) -> Any:
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    @app.context_processor
    def counts() -> dict[str, Any]:
        if getattr(current_user, "is_archivist", False):
            return {"review_waiting": review_count(svc.archive.catalog)}
        return {}

    if start_workers:
        svc.workers.start()
    return app


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.endswith(".json")


def _error(status: int, message: str) -> Any:
    if _wants_json():
        return jsonify(error=message), status
    return render_template("error.html", status=status, message=message), status


def _handle_errors(app: Flask) -> None:
    @app.errorhandler(VanthuError)
    def vanthu_error(exc: VanthuError) -> Any:
        status = next(code for kind, code in _STATUS if isinstance(exc, kind))
        return _error(status, str(exc))

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return _error(400, "Phiên làm việc đã hết hạn hoặc thiếu mã bảo vệ (CSRF). "
                           "Hãy tải lại trang rồi thử lại.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        if code == 413:
            limit = services().settings.upload_max_bytes >> 20
            return _error(413, f"Tệp tải lên quá lớn: tối đa {limit} MB cho một lần tải. "
                               "Không tệp nào được lưu.")
        return _error(code, _MESSAGES.get(code, exc.description or exc.name))
