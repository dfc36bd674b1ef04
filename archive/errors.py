"""vanthu's own errors. Callers catch these, never a library's exception type."""

__all__ = ["VanthuError", "IngestError", "QueryError", "NotFoundError", "StorageError"]


class VanthuError(Exception):
    """Base of every error vanthu reports to a user."""


class IngestError(VanthuError):
    """A file could not be read or parsed. The message names the file and the reason."""

    def __init__(self, path: object, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class QueryError(VanthuError):
    """A search query could not be understood."""


class NotFoundError(VanthuError):
    """No stored document has the asked-for id or reference."""


class StorageError(VanthuError):
    """The archive on disk could not be read or written."""
