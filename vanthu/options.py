"""What every ``vanthu`` command shares: ``--archive``, Settings from options, JSON output.

Apart from cli.py so that the command modules (cli.py, serving.py) import it and not each other.
"""
from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from archive.errors import QueryError, VanthuError
from archive.settings import Settings

__all__ = ["ARCHIVE_HELP", "settings_for", "print_json", "with_archive_option"]

ARCHIVE_HELP = "Archive folder (default: $VANTHU_ARCHIVE, else ./vanthu-data)."


def settings_for(archive: str | None, jobs: int | None = None, queue: str | None = None) -> Settings:
    kwargs: dict[str, Any] = {}
    if archive:
        kwargs["archive_dir"] = Path(archive)
    if jobs:
        kwargs["jobs"] = jobs
    if queue:
        kwargs["queue_url"] = queue
    return Settings(**kwargs)


def print_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def with_archive_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--archive DIR`` on every command, as INTERFACE.md promises; the group's value is the fallback."""

    @click.option("--archive", "archive", metavar="DIR", default=None, help=ARCHIVE_HELP)
    @click.pass_context
    @functools.wraps(command)
    def wrapper(ctx: click.Context, archive: str | None, **kwargs: Any) -> Any:
        chosen = archive or (ctx.obj or {}).get("archive")
        try:
            return command(chosen, **kwargs)
        except QueryError as error:
            raise click.ClickException(f"query: {error}") from None
        except VanthuError as error:
            raise click.ClickException(str(error)) from None

    return wrapper
