"""Ingest: read files (text layer or OCR) and parse directives into records."""
