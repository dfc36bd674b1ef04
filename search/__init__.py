"""Search: a Whoosh index derived from archive records.

The caller passes records (e.g. ``archive.iter_records()``); nothing here reads the
archive itself::

    ix = Index(settings.index_dir)
    if ix.needs_rebuild():
        ix.rebuild(archive.iter_records())
    result = ix.search('issuer:"hoàn kiếm" date:2021 phong chong dich')
"""
from .index import Index
from .results import SearchResult
from .schema import SCHEMA_VERSION

__all__ = ["Index", "SearchResult", "SCHEMA_VERSION"]
