"""The ingest flow when the derived index cannot keep up: the archive still holds the file."""

from archive.settings import Settings
from archive.store import Archive
from search import Index
from search.locking import file_lock
from paths import seed_paths
from vanthu.pipeline import ingest_files

SEED_004 = next(p for p in seed_paths() if p.name.startswith("004_"))


def test_a_busy_index_keeps_the_document_and_says_to_reindex(tmp_path):
    settings = Settings(archive_dir=tmp_path / "archive", jobs=1, index_lock_timeout=0.2)
    index = Index(settings.index_dir, settings=settings)
    with Archive(settings) as archive:
        with file_lock(settings.index_dir / "write.lock", 1, "held by the test"):
            [outcome] = ingest_files([SEED_004], archive, index, settings, progress=False)
        assert outcome.id and outcome.error and "vanthu reindex" in outcome.error
        assert archive.find("1196/UBND-VP") == [outcome.id]
        assert index.ids() == set()
        # Once the lock is free, a second run finds the file stored, reads nothing again,
        # and brings the index up to the archive.
        [again] = ingest_files([SEED_004], archive, index, settings, progress=False)
        assert (again.id, again.created, again.error) == (outcome.id, False, None)
        assert index.ids() == {outcome.id}
    index.close()
