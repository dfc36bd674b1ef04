"""Accounts and sessions: log in and out, who may do what, failed logins throttled.

Every page needs an account (reader or archivist); a visitor is sent to the login page
and an API client gets 401. Archivist pages answer 403 to readers.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import (Blueprint, abort, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user

from archive.users import ARCHIVIST, User

from .services import services

__all__ = ["bp", "login_manager", "archivist_required", "WebUser"]

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Hãy đăng nhập để dùng kho văn bản."
login_manager.session_protection = "strong"

_OPEN_ENDPOINTS = {"auth.login", "static"}


class WebUser(UserMixin):
    def __init__(self, user: User):
        self.name, self.role = user.name, user.role

    def get_id(self) -> str:
        return self.name

    @property
    def is_archivist(self) -> bool:
        return self.role == ARCHIVIST


@login_manager.user_loader
def _load(name: str) -> WebUser | None:
    user = services().users.get(name)
    return WebUser(user) if user else None


@login_manager.unauthorized_handler
def _unauthorized() -> Any:
    if request.path.startswith("/api/"):
        return jsonify(error="cần đăng nhập"), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def require_login() -> Any:
    """``before_request``: everything but the login page and static files needs an account."""
    if request.endpoint in _OPEN_ENDPOINTS or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


def archivist_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not getattr(current_user, "is_archivist", False):
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host) is followed after login."""
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/") \
            or target.startswith("//"):
        return url_for("search.search")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    name = request.form.get("name", "").strip()
    address = request.remote_addr or "?"
    svc = services()
    wait = svc.throttle.wait(address, name)
    if wait > 0:
        flash(f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {int(wait // 60) + 1} phút.", "error")
        return render_template("login.html", next=request.form.get("next", ""), name=name), 429
    user = svc.users.authenticate(name, request.form.get("password", ""))
    if user is None:
        svc.throttle.failed(address, name)
        flash("Tên đăng nhập hoặc mật khẩu không đúng.", "error")
        return render_template("login.html", next=request.form.get("next", ""), name=name), 401
    svc.throttle.succeeded(address, name)
    login_user(WebUser(user))
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    logout_user()
    flash("Đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))
