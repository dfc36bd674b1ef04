"""Web accounts: a name, a role and a salted password hash (werkzeug.security), in the catalog.

Two roles: ``reader`` searches, reads and downloads; ``archivist`` also uploads, corrects
and reviews.

>>> import tempfile
>>> from archive.store import Archive
>>> with Archive(tempfile.mkdtemp()) as archive:
...     users = Users(archive.catalog)
...     _ = users.add("lan", "mật khẩu dài", "archivist")
...     users.authenticate("lan", "mật khẩu dài").role, users.authenticate("lan", "sai") is None
('archivist', True)
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from .catalog import Catalog
from .errors import NotFoundError, VanthuError

__all__ = ["User", "Users", "ROLES", "READER", "ARCHIVIST", "generate_password"]

READER, ARCHIVIST = "reader", "archivist"
ROLES = (READER, ARCHIVIST)
MIN_PASSWORD = 8
_NAME = re.compile(r"^[\w.@-]{1,64}$")
# A hash to compare against when the name is unknown, so a wrong name takes as long as
# a wrong password (no way to tell which names exist by timing).
_DUMMY_HASH = generate_password_hash("not a password")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created_at: str

    @property
    def is_archivist(self) -> bool:
        return self.role == ARCHIVIST


def generate_password() -> str:
    """A random password for the first account (printed once, never stored in clear)."""
    return secrets.token_urlsafe(12)


class Users:
    """The accounts of one archive's catalog."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def add(self, name: str, password: str, role: str) -> User:
        """Create an account; raises VanthuError for a taken or bad name, a short password
        or an unknown role."""
        name = (name or "").strip()
        if not _NAME.match(name):
            raise VanthuError(f"bad user name {name!r}: use letters, digits, '.', '_', '-', '@'")
        if role not in ROLES:
            raise VanthuError(f"unknown role {role!r}; use {' or '.join(ROLES)}")
        if len(password or "") < MIN_PASSWORD:
            raise VanthuError(f"the password must have at least {MIN_PASSWORD} characters")
        user = User(name, role, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
        with self.catalog.write():
            if self.catalog.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise VanthuError(f"user {name!r} exists already")
            self.catalog.execute("INSERT INTO users VALUES (?, ?, ?, ?)",
                                 (name, role, generate_password_hash(password), user.created_at))
        return user

    def remove(self, name: str) -> None:
        with self.catalog.write():
            if not self.catalog.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount:
                raise NotFoundError(f"no user {name!r}")

    def get(self, name: str) -> User | None:
        rows = self.catalog.query("SELECT name, role, created_at FROM users WHERE name = ?", (name,))
        return User(*rows[0]) if rows else None

    def list(self) -> list[User]:
        return [User(*r) for r in self.catalog.query(
            "SELECT name, role, created_at FROM users ORDER BY name")]

    def count(self) -> int:
        return int(self.catalog.query("SELECT count(*) FROM users")[0][0])

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if *password* is theirs, else None."""
        rows = self.catalog.query("SELECT name, role, created_at, password_hash FROM users "
                                  "WHERE name = ?", ((name or "").strip(),))
        stored = rows[0]["password_hash"] if rows else _DUMMY_HASH
        if not check_password_hash(stored, password or "") or not rows:
            return None
        return User(rows[0]["name"], rows[0]["role"], rows[0]["created_at"])
