"""The archive: originals, extracted text, records and the catalog — the source of truth."""
