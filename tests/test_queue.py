"""OCR through the Celery queue: a real redis-server, real `vanthu worker` processes.

The records made through two workers must be the records the embedded pool makes; a
worker killed in the middle of a page has that page redone by the other; a broker that
goes away mid-batch leaves every file stored whole or reported, and a re-run stores the rest.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from paths import SAMPLES
from procs import descendants, wait_until
from vanthu.cli import cli

pytestmark = pytest.mark.ocr

FILES = [SAMPLES / "scans" / "000_e7dc2de3e10d718d.pdf", SAMPLES / "scans" / "004_0881eebd51305214.pdf",
         SAMPLES / "corpus" / "ocr_vbpl__pline_1.jpg", SAMPLES / "corpus" / "nghi-quyet-so-115-nq-cp-469452.pdf",
         SAMPLES / "corpus" / "thong-tu-so-20-2023-tt-bldtbxh-41198.pdf"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Redis:
    """A redis-server of our own on a free local port, nothing saved to disk."""

    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        up = wait_until(self._answers, timeout=20)
        assert up, "redis-server did not start"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def redis(tmp_path):
    server = Redis(tmp_path)
    yield server
    server.kill()


class Worker:
    """``vanthu worker`` in a subprocess, its log in a file."""

    def __init__(self, url: str, log: Path, env: dict[str, str]) -> None:
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "vanthu", "worker", "--queue", url, "--concurrency", "1"],
                stdout=out, stderr=subprocess.STDOUT, env=env)
        assert wait_until(lambda: "ready." in self.text(), timeout=180), self.text()

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def pages_done(self) -> int:
        return self.text().count("succeeded in")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def start_workers(tmp_path):
    started: list[Worker] = []

    def start(url: str, count: int, **env: str) -> list[Worker]:
        for _ in range(count):
            log = tmp_path / f"worker-{len(started)}.log"
            started.append(Worker(url, log, {**os.environ, **env}))
        return started[-count:]

    yield start
    for worker in started:
        worker.stop()


def _ingest(archive: Path, *args: str, env: dict[str, str] | None = None, files: list[Path] = FILES,
            **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "vanthu", "--archive", str(archive), "ingest", "--no-progress",
                             *args, *map(str, files)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, **kwargs)


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> dict[str, dict]:
    """The records the embedded pool makes of FILES: what the queue must reproduce."""
    archive = tmp_path_factory.mktemp("embedded") / "archive"
    result = CliRunner().invoke(cli, ["--archive", str(archive), "ingest", "--no-progress", "--jobs", "2",
                                      *map(str, FILES)])
    assert result.exit_code == 0, result.output
    return _stored(archive)


def _stored(archive: Path) -> dict[str, dict]:
    """Every stored record, by its original file name (as `vanthu show --json` prints it)."""
    from archive.settings import Settings
    from archive.store import Archive

    runner = CliRunner()
    with Archive(Settings(archive_dir=archive)) as store:
        ids = store.ids()
    out = {}
    for doc_id in ids:
        record = json.loads(runner.invoke(cli, ["--archive", str(archive), "show", "--json", doc_id]).stdout)
        out[record["source"]["filename"]] = record
    return out


def test_two_workers_make_the_records_the_embedded_pool_makes(redis, start_workers, tmp_path, embedded):
    workers = start_workers(redis.url, 2)
    archive = tmp_path / "archive"
    run = _ingest(archive, "--queue", redis.url)
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    assert _stored(archive) == embedded
    assert all(w.pages_done() > 0 for w in workers), [w.pages_done() for w in workers]
    assert sum(w.pages_done() for w in workers) == 8  # the pages without a text layer, once each


def test_a_page_of_a_killed_worker_is_redone_by_the_other(redis, start_workers, tmp_path, embedded):
    env = {"VANTHU_QUEUE_VISIBILITY_TIMEOUT": "10"}
    doomed, survivor = start_workers(redis.url, 2, **env)
    archive = tmp_path / "archive"
    run = _ingest(archive, "--queue", redis.url, env=env)
    try:
        busy = wait_until(lambda: any("tesseract" in cmd for cmd in descendants(doomed.process.pid).values()),
                          timeout=300)  # generous: a loaded CI machine is slow, not wrong
        assert busy, doomed.text()
        doomed.process.kill()  # kill -9 in the middle of a page: its pool process dies with it
        out, err = run.communicate(timeout=1200)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, err
    assert _stored(archive) == embedded
    assert survivor.pages_done() >= 8 - doomed.pages_done()


def test_broker_going_away_leaves_every_file_stored_or_reported(redis, start_workers, tmp_path, embedded):
    # Each stored document is indexed and reported at once, so the test sees the first.
    env = {"VANTHU_QUEUE_PATIENCE": "3", "VANTHU_INDEX_BATCH_DOCS": "1"}
    # The photo first: its page goes to the queue before the PDFs' text passes are done, so it
    # is stored while the 5 pages of the scans are still queued or in flight.
    files = [FILES[2], FILES[0], FILES[1]]
    start_workers(redis.url, 2)
    archive = tmp_path / "archive"
    run = _ingest(archive, "--queue", redis.url, env=env, files=files)
    first = run.stdout.readline()  # the first document stored
    assert first.startswith("stored:"), first + run.stderr.read()
    redis.kill()
    rest, err = run.communicate(timeout=300)
    lines = [first] + rest.splitlines()
    stored = [line for line in lines if line.startswith("stored:")]
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert run.returncode == 1, err
    assert errors and len(stored) + len(errors) == len(files), (lines, err)
    assert all("OCR queue" in line and "\n" not in line for line in errors), errors
    # What is stored is whole: the very record the embedded pool makes.
    kept = _stored(archive)
    assert len(kept) == len(stored)
    assert all(record == embedded[name] for name, record in kept.items())
    # A re-run (here without the queue) stores the rest and changes nothing stored.
    again = _ingest(archive, files=files)
    again.communicate(timeout=600)
    assert again.returncode == 0
    assert _stored(archive) == {path.name: embedded[path.name] for path in files}


def test_without_a_worker_scans_are_reported_and_texts_stored(redis, tmp_path):
    text = tmp_path / "cv.txt"
    text.write_text((SAMPLES / "seeds" / "004_0881eebd51305214.txt").read_text(encoding="utf-8"), encoding="utf-8")
    run = _ingest(tmp_path / "archive", "--queue", redis.url, files=[FILES[2], text])
    out, err = run.communicate(timeout=120)
    assert run.returncode == 1
    assert out.startswith("stored:") and "cv.txt" in out
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {FILES[2]}: no vanthu worker answers on {redis.url}; "
                      f"start one with `vanthu worker --queue {redis.url}`"]
