"""vanthu's own errors. Callers catch these, never a library's exception type."""

__all__ = ["VanthuError", "IngestError", "QueryError", "NotFoundError", "StorageError", "printable"]


def printable(name: object) -> str:
    r"""A file name or path as one printable line, for messages and stored file names.

    Bytes that are not UTF-8 (an old Windows name in CP1258 or TCVN3) become ``\xNN`` and
    control characters their escapes, so a name with a newline cannot split a message.

    >>> printable(b"C\xf4ng v\xe3n\n1.pdf".decode("utf-8", "surrogateescape"))
    'C\\xf4ng v\\xe3n\\n1.pdf'
    >>> printable("Công văn 1.pdf")
    'Công văn 1.pdf'
    """
    text = str(name)
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that is not an undecodable byte
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class VanthuError(Exception):
    """Base of every error vanthu reports to a user."""


class IngestError(VanthuError):
    """A file could not be read or parsed. The message names the file and the reason."""

    def __init__(self, path: object, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{printable(self.path)}: {reason}")


class QueryError(VanthuError):
    """A search query could not be understood."""


class NotFoundError(VanthuError):
    """No stored document has the asked-for id or reference."""


class StorageError(VanthuError):
    """The archive on disk could not be read or written."""
