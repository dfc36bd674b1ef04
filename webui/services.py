"""What the web app holds open for its whole life, shared by request threads."""
from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass

from flask import current_app

from archive.jobs import Jobs
from archive.settings import Settings
from archive.store import Archive
from archive.users import Users
from search import Index
from vanthu.stores import open_stores

from .pages import PageImages
from .throttle import LoginThrottle
from .workers import UploadWorkers

__all__ = ["Services", "services"]


@dataclass
class Services:
    settings: Settings
    archive: Archive
    index: Index
    users: Users
    jobs: Jobs
    images: PageImages
    workers: UploadWorkers
    throttle: LoginThrottle
    _stack: ExitStack

    @classmethod
    def open(cls, settings: Settings) -> "Services":
        """Open the archive and one long-lived index (raises VanthuError if it needs a reindex)."""
        stack = ExitStack()
        try:
            archive, index = stack.enter_context(open_stores(settings))
        except BaseException:
            stack.close()
            raise
        jobs = Jobs(archive.catalog)
        return cls(settings, archive, index, Users(archive.catalog), jobs,
                   PageImages(settings.cache_dir, settings.ocr_dpi),
                   UploadWorkers(archive, index, jobs, settings),
                   LoginThrottle(settings.login_max_failures, settings.login_window_seconds),
                   stack)

    def close(self) -> None:
        """Stop the workers, then close the index and the archive."""
        self.workers.stop()
        self._stack.close()


def services() -> Services:
    """The running app's services."""
    return current_app.extensions["vanthu"]
