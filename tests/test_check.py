"""`vanthu check`: every kind of damage to a real archive is found, mended where safe, and
never answered by silence; damaged documents are skipped, not fatal, in reindex, reparse
and ingest.

Each case damages an archive of the five seeds the way a crash, a disk or a person would.
"""
import json
import os
import shutil

import pytest
from click.testing import CliRunner

from archive.record import Record
from paths import seed_paths
from search import Index
from vanthu.cli import cli

SEEDS = seed_paths()


def run(archive, *args):
    result = CliRunner().invoke(cli, ["--archive", str(archive), *map(str, args)],
                                catch_exceptions=False)
    return result


def check(archive, *args):
    result = run(archive, "check", "--json", *args)
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    archive = tmp_path_factory.mktemp("pristine") / "archive"
    assert run(archive, "ingest", "--no-progress", *SEEDS).exit_code == 0
    return archive


@pytest.fixture
def archive(pristine, tmp_path):
    copy = tmp_path / "archive"
    shutil.copytree(pristine, copy)
    return copy


def doc_ids(archive):
    return sorted(p.name for p in (archive / "docs").iterdir() if not p.name.startswith("."))


def original_of(archive, doc_id):
    [path] = [p for p in (archive / "originals").glob("*/*") if p.name.startswith(doc_id)]
    return path


def test_a_whole_archive_is_consistent(archive):
    code, report = check(archive)
    assert code == 0, report
    assert report == {"consistent": True, "documents": 5, "indexed": 5, "findings": []}


def _break_record(archive, doc_id):
    (archive / "docs" / doc_id / "record.json").write_text("{not json", encoding="utf-8")


def _lose_record(archive, doc_id):
    (archive / "docs" / doc_id / "record.json").unlink()


def _unindex(archive, doc_id):
    index = Index(archive / "index")
    index.delete(doc_id)
    index.close()


def _index_stranger(archive, doc_id):
    index = Index(archive / "index")
    index.add(Record(id="ffffffffffffffff", ref="1/X", text="không có trong kho"))
    index.close()


def _orphan_folder(archive, doc_id):
    shutil.copytree(archive / "docs" / doc_id, archive / "docs" / "0123456789abcdef")


def _orphan_original(archive, doc_id):
    original = original_of(archive, doc_id)
    (original.parent / ("e" * 64 + ".txt")).write_bytes(original.read_bytes())


def _dead_writers_temp(archive, doc_id):
    # A pid that cannot exist (above the kernel's pid_max) stands for a writer that died.
    shard = original_of(archive, doc_id).parent
    (shard / ".tmp-4194305-x.txt.abc").write_bytes(b"half a file")
    (archive / "docs" / doc_id / ".tmp-4194305-record.json.xyz").write_text("{")


# (damage, kinds found, kinds repaired): a record parsed again from its pages is a change
# of the catalog, which the index then catches up with ("index-behind").
DAMAGES = [
    (_break_record, {"record-unreadable", "index-missing"}, {"record-unreadable", "index-behind"}),
    (_lose_record, {"record-unreadable"}, {"record-unreadable", "index-behind"}),
    (_unindex, {"index-missing"}, {"index-missing"}),
    (_index_stranger, {"index-extra"}, {"index-extra"}),
    (_orphan_folder, {"orphan-folder"}, {"orphan-folder"}),
    (_orphan_original, {"orphan-original"}, {"orphan-original"}),
    (_dead_writers_temp, {"temp-file"}, {"temp-file"}),
]


@pytest.mark.parametrize("damage, kinds, repaired_kinds", DAMAGES,
                         ids=[d[0].__name__.strip("_") for d in DAMAGES])
def test_damage_is_found_then_repaired(archive, damage, kinds, repaired_kinds):
    victim = doc_ids(archive)[2]
    if damage is _break_record:
        _break_record(archive, victim)
        _unindex(archive, victim)  # as a reindex that skipped it would leave it
    else:
        damage(archive, victim)
    code, report = check(archive)
    assert code == 1
    assert not report["consistent"]
    assert {f["kind"] for f in report["findings"]} == kinds
    assert not any(f["repaired"] for f in report["findings"])

    code, repaired = check(archive, "--repair")
    assert code == 0, repaired
    assert {f["kind"] for f in repaired["findings"]} == repaired_kinds
    assert all(f["repaired"] for f in repaired["findings"])

    code, after = check(archive)
    assert (code, after["findings"], after["documents"], after["indexed"]) == (0, [], 5, 5)
    assert not list(archive.rglob(".tmp-*"))
    # The repaired document reads and is found again.
    record = json.loads(run(archive, "show", victim, "--json").stdout)
    assert record["id"] == victim
    if record["ref"]:
        hits = json.loads(run(archive, "search", f"ref:{record['ref']}", "--json").stdout)
        assert victim in {h["id"] for h in hits["hits"]}


def test_a_restored_record_keeps_corrections(archive):
    victim = doc_ids(archive)[0]
    assert run(archive, "correct", victim, "signer=Nguyễn Văn Kiểm", "--by", "lan").exit_code == 0
    _break_record(archive, victim)
    assert check(archive, "--repair")[0] == 0
    record = json.loads(run(archive, "show", victim, "--json").stdout)
    assert record["signer"] == "Nguyễn Văn Kiểm" and "signer" in record["corrected"]


@pytest.mark.parametrize("damage", ["missing", "damaged"])
def test_a_lost_original_is_said_and_not_repairable(archive, damage):
    victim = doc_ids(archive)[1]
    original = original_of(archive, victim)
    if damage == "missing":
        original.unlink()
    else:
        original.write_bytes(original.read_bytes() + b" ")
    kind = f"original-{damage}"
    code, report = check(archive, "--repair")
    assert code == 1
    assert [(f["kind"], f["where"], f["repaired"]) for f in report["findings"]] == \
        [(kind, victim, False)]
    if damage == "damaged":  # only the full check hashes; the quick one cannot see it
        assert check(archive, "--quick")[0] == 0
    else:
        assert check(archive, "--quick")[0] == 1


def test_a_live_writers_temp_file_is_left_alone(archive):
    live = archive / "originals" / f".tmp-{os.getpid()}-x.txt.abc"
    live.write_bytes(b"being written")
    code, report = check(archive, "--repair")
    assert (code, report["findings"]) == (0, [])
    assert live.exists()


def test_an_unreadable_index_is_said_and_rebuilt(archive):
    shutil.rmtree(archive / "index")
    code, report = check(archive)
    assert code == 1 and report["indexed"] is None
    assert [f["kind"] for f in report["findings"]] == ["index-unreadable"]
    code, report = check(archive, "--repair")
    assert code == 0 and report["indexed"] == 5


def test_check_of_a_folder_without_an_archive_creates_nothing(tmp_path):
    typo = tmp_path / "vanthu-dta"
    for args in (["check"], ["show", "1196/UBND-VP"]):
        result = run(typo, *args)
        assert result.exit_code == 1
        assert "no archive in" in result.output
    assert not typo.exists()


# -- one damaged document does not stop the commands that meet it ----------------------

def test_reindex_skips_a_damaged_record_and_says_so(archive):
    victim = doc_ids(archive)[3]
    _break_record(archive, victim)
    result = run(archive, "reindex")
    assert result.exit_code == 1
    assert f"error: {victim}: cannot read" in result.output
    assert "indexed 4 documents, skipped 1" in result.output
    index = Index(archive / "index")
    assert index.ids() == set(doc_ids(archive)) - {victim}
    index.close()


def test_reparse_all_carries_on_past_a_damaged_record(archive):
    victim = doc_ids(archive)[3]
    _lose_record(archive, victim)
    result = run(archive, "reparse", "--all")
    assert result.exit_code == 1
    assert f"error: {victim}:" in result.output
    assert "reparsed 4 documents, 1 failed" in result.output


def test_ingest_batch_carries_on_past_a_damaged_stored_document(archive, tmp_path):
    victim = doc_ids(archive)[0]
    _break_record(archive, victim)
    fresh = tmp_path / "fresh.txt"
    fresh.write_text(SEEDS[0].read_text(encoding="utf-8") + "\nBản thứ hai.", encoding="utf-8")
    result = run(archive, "ingest", "--no-progress", "--json", *SEEDS, fresh)
    assert result.exit_code == 1
    outcomes = json.loads(result.stdout)
    failed = [o for o in outcomes if o["error"]]
    assert [o["id"] for o in failed] == [victim]
    assert "run `vanthu check --repair`" in failed[0]["error"]
    assert outcomes[-1]["created"] and not outcomes[-1]["error"]

