"""Search: an index derived from archive records, with a whoosh or a tantivy engine.

The caller passes records (e.g. ``archive.iter_records()``) or the archive itself as a
:class:`RecordSource`; nothing here reads the archive's files::

    ix = Index(settings.index_dir, settings=settings)
    if ix.needs_rebuild():
        ix.rebuild(archive.iter_records(), source=archive)
    result = ix.search('issuer:"hoàn kiếm" date:2021 phong chong dich')
"""
from .index import SCHEMA_VERSION, Index, RecordSource
from .results import SearchResult

__all__ = ["Index", "RecordSource", "SearchResult", "SCHEMA_VERSION"]
