"""The long-running commands — ``vanthu serve`` (the web UI), ``vanthu worker`` (OCR for a
queue) — and the web accounts they need (``vanthu user``)."""
from __future__ import annotations

import sys

import click

from archive.errors import VanthuError

from .options import print_json, settings_for, with_archive_option

__all__ = ["serve", "worker", "user", "FIRST_ACCOUNT"]

FIRST_ACCOUNT = "luutru"  # made by `serve` when the archive has no account yet


@click.command()
@click.option("--queue", metavar="URL", default=None,
              help="The queue to serve (redis://HOST:6379/0; default: $VANTHU_QUEUE).")
@click.option("--concurrency", type=click.IntRange(min=1), default=None,
              help="Pages OCR'd at once (default: one per core).")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(queue: str | None, concurrency: int | None, loglevel: str) -> None:
    """Run a Celery worker that OCRs pages sent by `vanthu ingest --queue` (needs no archive)."""
    from ingest.ocr_queue import check_url, run_worker

    settings = settings_for(None, concurrency, queue)
    try:
        check_url(settings.queue_url)
    except VanthuError as error:
        raise click.UsageError(str(error)) from None
    run_worker(settings, concurrency=settings.jobs, loglevel=loglevel)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=8, show_default=True,
              help="Request threads of the WSGI server.")
@with_archive_option
def serve(archive: str | None, host: str, port: int, threads: int) -> None:
    """Run the web UI and JSON API (waitress) until Ctrl-C.

    When the archive has no account yet, an archivist account is made with a random
    password, printed once.
    """
    import signal

    import waitress

    from archive.users import ARCHIVIST, generate_password
    from webui import create_app

    settings = settings_for(archive)
    app = create_app(settings)
    svc = app.extensions["vanthu"]
    try:
        if svc.users.count() == 0:
            password = generate_password()
            svc.users.add(FIRST_ACCOUNT, password, ARCHIVIST)
            click.echo("Chưa có tài khoản nào: đã tạo tài khoản lưu trữ viên\n"
                       f"  tên đăng nhập: {FIRST_ACCOUNT}\n  mật khẩu:      {password}\n"
                       "(mật khẩu chỉ in một lần; thêm tài khoản bằng `vanthu user add`)")
        # SIGTERM (systemd, docker, kill) stops as Ctrl-C does: waitress closes its
        # sockets, then the upload workers and the archive are closed below.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"vanthu: http://{shown}:{port}/ (archive {settings.archive_dir}); Ctrl-C to stop",
                   err=True)
        waitress.serve(app, host=host, port=port, threads=threads, ident="vanthu",
                       max_request_body_size=settings.upload_max_bytes + (1 << 20))
    finally:
        svc.close()


@click.group()
def user() -> None:
    """Web accounts: readers search and read; archivists also upload, correct and review."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reader", "archivist"]), default="reader", show_default=True)
@with_archive_option
def user_add(archive: str | None, name: str, role: str) -> None:
    """Create an account; the password is prompted (read from stdin when not a terminal)."""
    from archive.users import Users
    from vanthu.stores import open_archive

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with open_archive(settings_for(archive)) as store:
        Users(store.catalog).add(name, password, role)
    click.echo(f"added {role} {name}", err=True)


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the accounts as JSON.")
@with_archive_option
def user_list(archive: str | None, as_json: bool) -> None:
    """List the accounts."""
    from archive.users import Users
    from vanthu.stores import open_archive

    with open_archive(settings_for(archive)) as store:
        users = Users(store.catalog).list()
    if as_json:
        print_json([{"name": u.name, "role": u.role, "created_at": u.created_at} for u in users])
        return
    for u in users:
        click.echo(f"{u.name}\t{u.role}\t{u.created_at}")


@user.command("remove")
@click.argument("name")
@with_archive_option
def user_remove(archive: str | None, name: str) -> None:
    """Remove an account (its sessions end at their next request)."""
    from archive.users import Users
    from vanthu.stores import open_archive

    with open_archive(settings_for(archive)) as store:
        Users(store.catalog).remove(name)
    click.echo(f"removed {name}", err=True)
