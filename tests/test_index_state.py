"""The index never silently disagrees with the archive (issue 10, items 1–3): processes
really killed at the dangerous points, missing or damaged indexes said, not "0 kết quả"."""
from __future__ import annotations

import gc
import json
from contextlib import closing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.record import Record
from archive.settings import Settings
from archive.store import Archive
from search import Index
from vanthu.cli import cli

from paths import ROOT, VBPL, seed_paths
from search_fixtures import ENGINES

SEEDS = seed_paths()
VANTHU = [sys.executable, "-m", "vanthu"]


def run(*args, archive: Path, ok: bool = True, env: dict | None = None):
    result = CliRunner(env=env).invoke(cli, ["--archive", str(archive), *map(str, args)])
    if ok:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and "Aborted" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # one line
    return result


def catalog_count(archive: Path) -> int:
    """Documents in the catalog (0 while it is being created)."""
    if not (archive / "catalog.sqlite3").exists():
        return 0
    with closing(sqlite3.connect(archive / "catalog.sqlite3")) as db:
        try:
            return db.execute("SELECT count(*) FROM documents").fetchone()[0]
        except sqlite3.OperationalError:  # no table yet
            return 0


def consistent(archive: Path) -> tuple[set[str], set[str]]:
    """(catalog ids, index ids)."""
    settings = Settings(archive_dir=archive)
    with Archive(settings) as store:
        ids = set(store.ids())
    index = Index(settings.index_dir, create=False)
    try:
        return ids, index.ids()
    finally:
        index.close()


@pytest.fixture
def seeds_archive(tmp_path):
    archive = tmp_path / "archive"
    run("ingest", "--no-progress", *SEEDS, archive=archive)
    return archive


# -- read-only commands create nothing; missing and damaged indexes are said ----------------


def test_read_only_commands_on_a_typo_create_nothing(tmp_path):
    typo = tmp_path / "archvie"
    for args in (("search", "covid"), ("show", "1196/UBND-VP"), ("reindex",)):
        assert "no archive" in run(*args, archive=typo, ok=False).stderr
    assert not typo.exists()


def test_a_deleted_index_is_said_and_an_ingest_refuses_to_start_a_partial_one(seeds_archive):
    import shutil

    shutil.rmtree(seeds_archive / "index")
    result = run("search", "covid", archive=seeds_archive, ok=False)
    assert "no search index" in result.stderr and "vanthu reindex" in result.stderr
    assert not (seeds_archive / "index").exists()  # searching created nothing
    late = VBPL / "text" / "doc_000001.txt"
    assert "vanthu reindex" in run("ingest", "--no-progress", late, archive=seeds_archive,
                                   ok=False).stderr
    assert catalog_count(seeds_archive) == 5  # nothing stored, no index of one document
    run("reindex", archive=seeds_archive)
    run("ingest", "--no-progress", late, archive=seeds_archive)
    ids, indexed = consistent(seeds_archive)
    assert len(ids) == 6 and indexed == ids


def test_an_emptied_pointer_is_said(seeds_archive):
    (seeds_archive / "index" / "CURRENT").write_text("")
    result = run("search", "covid", archive=seeds_archive, ok=False)
    assert "empty or damaged" in result.stderr and "vanthu reindex" in result.stderr
    run("reindex", archive=seeds_archive)
    assert json.loads(run("search", "covid", "--json", archive=seeds_archive).stdout)["total"] == 5


# Whoosh leaves the file it failed to read unclosed (its leak, on a damaged index only).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("engine", ENGINES)
def test_a_truncated_index_file_is_said(seeds_archive, engine):
    run("reindex", "--engine", engine, archive=seeds_archive)
    folder = seeds_archive / "index" / (seeds_archive / "index" / "CURRENT").read_text()
    biggest = max((p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".json")),
                  key=lambda p: p.stat().st_size)
    biggest.write_bytes(biggest.read_bytes()[: biggest.stat().st_size // 3])
    result = run("search", "phong chong dich", archive=seeds_archive, ok=False)
    assert "vanthu reindex" in result.stderr
    gc.collect()  # the leaked file is reported here, under this test's filter
    run("reindex", archive=seeds_archive)
    assert json.loads(run("search", "covid", "--json", archive=seeds_archive).stdout)["total"] == 5


# -- engines -----------------------------------------------------------------------------


def test_reindex_switches_engines_and_a_mismatch_says_to_reindex(seeds_archive):
    queries = ["phong chong dich", '"giãn cách toàn xã hội"', 'issuer:"hoan kiem" date:2021',
               "cites:835", "covid -type:CV"]

    def answers() -> list[list[str]]:
        return [[h["id"] for h in json.loads(run("search", q, "--json", "--sort", "date",
                                                 archive=seeds_archive).stdout)["hits"]]
                for q in queries]

    with_whoosh = answers()
    assert Index(seeds_archive / "index").engine == "whoosh"
    run("reindex", "--engine", "tantivy", archive=seeds_archive)
    assert Index(seeds_archive / "index").engine == "tantivy"
    assert answers() == with_whoosh  # the archive keeps its engine without any setting
    mismatch = run("search", "covid", archive=seeds_archive, ok=False,
                   env={"VANTHU_SEARCH_ENGINE": "whoosh"})
    assert "built by tantivy" in mismatch.stderr and "vanthu reindex" in mismatch.stderr
    run("reindex", archive=seeds_archive, env={"VANTHU_SEARCH_ENGINE": "whoosh"})
    assert Index(seeds_archive / "index").engine == "whoosh" and answers() == with_whoosh


def test_a_search_says_when_stored_documents_are_not_indexed_yet(seeds_archive):
    with Archive(Settings(archive_dir=seeds_archive)) as store:  # stored, never indexed
        store.store(Record(text="văn bản mới"), b"new", ["văn bản mới"], "new.txt")
    result = run("search", "van ban moi", archive=seeds_archive)
    assert "1 stored document(s) are not in the search index yet" in result.stderr


# -- kills -----------------------------------------------------------------------------------

_STORE_THEN_DIE = """
import os, signal, sys
from pathlib import Path
from archive.settings import Settings
from ingest.readers import read
from vanthu.pipeline import ingest_files, record_of
from vanthu.stores import open_stores

settings = Settings(archive_dir=Path(sys.argv[1]), jobs=1)
paths = [Path(p) for p in sys.argv[2:]]
with open_stores(settings) as (archive, index):
    list(ingest_files(paths[:2], archive, index, settings, progress=False))
    for path in paths[2:]:  # stored in the catalog; the index commit never comes
        document = read(path, settings)
        archive.store(record_of(document), path, [p.text for p in document.pages], path.name)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "VANTHU_SHARED": str(VBPL.parent.parent)}


def test_killed_between_catalog_and_index_commit_a_rerun_indexes_everything(tmp_path):
    archive = tmp_path / "archive"
    done = subprocess.run([sys.executable, "-c", _STORE_THEN_DIE, str(archive), *SEEDS],
                          env=_env(), cwd=ROOT)
    assert done.returncode == -signal.SIGKILL
    ids, indexed = consistent(archive)
    assert len(ids) == 5 and len(indexed) == 2  # the dangerous state, for real
    again = run("ingest", "--no-progress", *SEEDS, archive=archive)
    assert again.stdout.count("already stored") == 5
    ids, indexed = consistent(archive)
    assert indexed == ids


def test_an_ingest_killed_mid_batch_is_made_whole_by_the_next_run(tmp_path):
    archive = tmp_path / "archive"
    texts = sorted((VBPL / "text").glob("*.txt"))[:24]
    env = {**_env(), "VANTHU_INDEX_BATCH_DOCS": "5"}
    proc = subprocess.Popen(VANTHU + ["--archive", str(archive), "ingest", "--no-progress",
                                      "--jobs", "1", *map(str, texts)],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and catalog_count(archive) < 8:
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    run("ingest", "--no-progress", *texts, archive=archive)
    ids, indexed = consistent(archive)
    assert len(ids) == 24 and indexed == ids


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_reindex_leaves_no_worker_and_no_lock(tmp_path):
    archive = tmp_path / "archive"
    text = (VBPL / "text" / "doc_000004.txt").read_text(encoding="utf-8")[:3000]
    with Archive(Settings(archive_dir=archive)) as store:
        for n in range(500):
            body = f"Văn bản số {n}.\n{text}"
            store.store(Record(text=body), body.encode(), [body], f"{n}.txt")
    proc = subprocess.Popen(VANTHU + ["--archive", str(archive), "reindex", "--engine", "whoosh",
                                      "--jobs", "2"], env=_env(), cwd=ROOT,
                            stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
        workers |= _children(proc.pid)
        time.sleep(0.02)
    time.sleep(0.5)  # the workers are busy indexing now
    assert workers and proc.poll() is None, "the reindex ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(_alive, workers))
    run("reindex", "--engine", "tantivy", archive=archive)  # the lock died with its holders
    ids, indexed = consistent(archive)
    assert len(ids) == 500 and indexed == ids


@pytest.mark.parametrize("engine", ENGINES)
def test_a_large_catch_up_written_in_parallel_replaces_every_changed_document(tmp_path, engine):
    """A batch of at least ``index_parallel_min_docs`` changes is written by two processes
    (whoosh) or threads (tantivy): corrected documents replace their old versions, none
    is lost or doubled, and the answers equal those of an index written by one."""
    settings = Settings(archive_dir=tmp_path / "archive", search_engine=engine,
                        index_parallel_min_docs=10)
    texts = sorted((VBPL / "text").glob("*.txt"), key=lambda p: p.stat().st_size)[:40]
    one, two = Index(tmp_path / "one", settings=settings), Index(tmp_path / "two", settings=settings)
    with Archive(settings) as store:
        batch = store.store_batch()
        for path in texts:
            text = path.read_text(encoding="utf-8")
            batch.add(Record(ref=f"{path.stem}/CV", text=text, subject=f"Tệp lưu trữ số {path.stem}"),
                      path, [text], path.name)
        ids = list(batch.commit())
        assert one.sync(store, procs=1) == two.sync(store, procs=2) == 40
        for doc_id in ids[::3]:
            store.correct(doc_id, {"subject": "Khẩn trương nghiệm thu hạng mục đường điện"}, "lan")
        assert one.sync(store, procs=1) == two.sync(store, procs=2) == 14
        for ix in (one, two):
            assert ix.ids() == set(ids) and ix.doc_count() == 40
            assert ix.search('"nghiem thu hang muc duong dien"').total == 14
            found = ix.search('"tep luu tru so"', limit=50)
            assert found.total == 26
            assert {h.id for h in found.hits} == set(ids) - set(ids[::3])
        for query in ["quy định", '"ủy ban nhân dân"', "luu tru -quy", "nghiem thu", "điện~1"]:
            assert one.search(query).total == two.search(query).total, query
    one.close()
    two.close()
