"""A real archive for the web UI tests: the five seeds, a gazette citation pair, and a
document whose subject and text carry markup, all ingested by the real pipeline."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from archive.settings import Settings
from archive.users import Users
from vanthu.pipeline import ingest_files
from vanthu.stores import open_stores
from webui import create_app

from paths import CONGBAO, seed_paths

PASSWORDS = {"lan": "lan-luu-tru-2021", "binh": "binh-doc-2021"}
ROLES = {"lan": "archivist", "binh": "reader"}
SCRIPT = '<script>alert("xss")</script>'
GAZETTE = ("thong-tu-so-01-2025-tt-bldtbxh-43956.pdf", "thong-tu-so-20-2023-tt-bldtbxh-41198.pdf")


def evil_text() -> str:
    """Seed 004 renumbered, with markup in its subject and body, citing 1196/UBND-VP."""
    seed = next(p for p in seed_paths() if p.name.startswith("004_")).read_text(encoding="utf-8")
    text = seed.replace("1196/UBND-VP", "1197/UBND-VP", 1)
    text = text.replace("V/v chấn chỉnh", f"V/v {SCRIPT} chấn chỉnh", 1)
    return text + (f"\n\nThực hiện Công văn số 1196/UBND-VP ngày 11/8/2021. {SCRIPT}"
                   '<img src=x onerror="alert(2)">\n')


def build_archive(root: Path, work: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Ingest the test documents into *root* (seeds whose name starts with one of *skip*
    left out); returns ref → id (the one with markup as 'evil')."""
    evil = work / "cv-1197-UBND-VP.txt"
    evil.parent.mkdir(parents=True, exist_ok=True)
    evil.write_text(evil_text(), encoding="utf-8")
    settings = Settings(archive_dir=root, jobs=1)
    seeds = [p for p in seed_paths() if not any(p.name.startswith(s) for s in skip)]
    paths = [*seeds, *(CONGBAO / name for name in GAZETTE), evil]
    ids: dict[str, str] = {}
    with open_stores(settings) as (archive, index):
        for outcome in ingest_files(paths, archive, index, settings, progress=False):
            assert outcome.error is None and outcome.id, outcome
            ids[outcome.ref or Path(outcome.path).name] = outcome.id
        users = Users(archive.catalog)
        for name, password in PASSWORDS.items():
            users.add(name, password, ROLES[name])
    ids["evil"] = ids["1197/UBND-VP"]
    return ids


def copy_archive(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest)
    return dest


def make_app(root: Path, **settings: object) -> Flask:
    app = create_app(Settings(archive_dir=root, jobs=1, **settings),  # type: ignore[arg-type]
                     start_workers=False, config={"TESTING": True})
    return app


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    page = client.get(url).get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, f"no csrf token on {url}"
    return match.group(1)


def login(client: FlaskClient, name: str, password: str | None = None):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"name": name, "password": password or PASSWORDS[name],
                                       "csrf_token": token})
