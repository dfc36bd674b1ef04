"""Search: a Whoosh index derived from archive records."""
