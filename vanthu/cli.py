"""``vanthu`` — the command line of INTERFACE.md.

Thin by design: each command builds Settings, calls the archive/search/pipeline, and
turns vanthu's own errors into messages and exit codes.
"""
from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from archive.errors import QueryError, VanthuError
from archive.record import Record
from archive.settings import SEARCH_ENGINES, Settings

ARCHIVE_HELP = "Archive folder (default: $VANTHU_ARCHIVE, else ./vanthu-data)."


def _settings(archive: str | None, jobs: int | None = None, queue: str | None = None) -> Settings:
    kwargs: dict[str, Any] = {}
    if archive:
        kwargs["archive_dir"] = Path(archive)
    if jobs:
        kwargs["jobs"] = jobs
    if queue:
        kwargs["queue_url"] = queue
    return Settings(**kwargs)


def _print_json(data: object) -> None:
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


@click.group()
@click.option("--archive", "archive", metavar="DIR", default=None, help=ARCHIVE_HELP)
@click.pass_context
def cli(ctx: click.Context, archive: str | None) -> None:
    """vanthu — archive, parse and search Vietnamese administrative directives."""
    ctx.obj = {"archive": archive}


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="OCR processes (default: one per core).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file.")
@click.option("--no-progress", is_flag=True, help="Do not draw the progress bar.")
@click.option("--queue", metavar="URL", default=None,
              help="OCR on the workers of this queue (redis://HOST:6379/0; default: $VANTHU_QUEUE, "
                   "else this machine's own processes).")
@with_archive_option
def ingest(archive: str | None, paths: tuple[Path, ...], jobs: int | None, as_json: bool,
           no_progress: bool, queue: str | None) -> None:
    """Add files or folders to the archive (OCR where there is no text layer)."""
    from vanthu.pipeline import ingest_files
    from vanthu.stores import open_stores

    settings = _settings(archive, jobs, queue)
    failed = stored = known = 0
    outcomes = []
    with open_stores(settings) as (store, index):
        for outcome in ingest_files(paths, store, index, settings, progress=not no_progress):
            outcomes.append(outcome.to_dict())
            if outcome.error:
                failed += 1
                click.echo(f"error: {outcome.error}", err=True)
            elif outcome.created:
                stored += 1
            else:
                known += 1
            if not as_json and not outcome.error:
                state = "stored" if outcome.created else "already stored"
                click.echo(f"{state}: {outcome.path} → {outcome.id} {outcome.ref or '(no number)'}")
    if as_json:
        _print_json(outcomes)
    else:
        click.echo(f"{stored} stored, {known} already stored, {failed} failed", err=True)
    if not _quick_check(settings) or failed:
        sys.exit(1)


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@with_archive_option
def parse(archive: str | None, file: Path, as_json: bool) -> None:
    """Read one file and print its record without storing it."""
    from vanthu.pipeline import parse_file

    record = parse_file(file, _settings(archive))
    _show(record, as_json)


@cli.command()
@click.argument("id")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@with_archive_option
def show(archive: str | None, id: str, as_json: bool) -> None:
    """Print a stored record (by id or by number such as 1196/UBND-VP)."""
    from vanthu.stores import open_archive

    with open_archive(_settings(archive), create=False) as store:
        record = store.get(store.lookup(id))
    _show(record, as_json)


@cli.command()
@click.argument("query")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance",
              show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@with_archive_option
def search(archive: str | None, query: str, limit: int, page: int, sort: str, as_json: bool) -> None:
    """Search the archive; QUERY uses the syntax of the web UI."""
    from vanthu.stores import open_stores

    # JSON keeps HTML <mark> for the web and API; a terminal gets bold (click drops the
    # escape codes when the output is not a terminal).
    mark = ("<mark>", "</mark>") if as_json else ("\x1b[1m", "\x1b[0m")
    with open_stores(_settings(archive), create=False) as (store, index):
        result = index.search(query, limit=limit, page=page, sort=sort, mark=mark)
        behind = len(store.changes(index.synced()))
    if behind:  # said, never silent: e.g. an ingest killed before its index commit
        click.echo(f"warning: {behind} stored document(s) are not in the search index yet; "
                   "the next ingest or `vanthu reindex` adds them", err=True)
    if as_json:
        _print_json(result.to_dict())
        return
    click.echo(f"{result.total} kết quả cho: {query}")
    if result.suggestion:
        click.echo(f"Có phải bạn muốn tìm: {result.suggestion}")
    for hit in result.hits:
        click.echo(f"\n{hit.id}  {hit.ref or '(không số)'}  {hit.date or ''}  {hit.issuer or ''}")
        if hit.subject:
            click.echo(f"  {hit.subject}")
        for line in hit.highlights[:2]:
            click.echo(f"  {line}")


@cli.command()
@click.option("--engine", type=click.Choice(SEARCH_ENGINES), default=None,
              help="Build the index with this engine (default: $VANTHU_SEARCH_ENGINE, else "
                   "the engine the index has, else whoosh).")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Indexing processes or threads (default: one per core).")
@with_archive_option
def reindex(archive: str | None, engine: str | None, jobs: int | None) -> None:
    """Rebuild the search index from the archive."""
    from vanthu.stores import open_archive, rebuild_index

    settings = _settings(archive, jobs)
    skipped: list[str] = []

    def report(doc_id: str, error: Exception) -> None:
        skipped.append(doc_id)
        click.echo(f"error: {doc_id}: {error}; skipped", err=True)

    with open_archive(settings, create=False) as store:
        count = rebuild_index(settings, store, engine, on_error=report)
    click.echo(f"indexed {count} documents" + (f", skipped {len(skipped)} that could not be "
                                               "read (see `vanthu check`)" if skipped else ""),
               err=True)
    if not _quick_check(settings) or skipped:
        sys.exit(1)


@cli.command()
@click.option("--repair", is_flag=True, help="Mend what can be mended safely.")
@click.option("--quick", is_flag=True,
              help="Skip hashing originals and reading records (the check run after ingest).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_archive_option
def check(archive: str | None, repair: bool, quick: bool, as_json: bool) -> None:
    """Check originals against their hashes, records against the catalog, the catalog
    against the search index, and leftovers of crashed writers; exit 0 when consistent."""
    from vanthu.check import check as run_check

    report = run_check(_settings(archive), repair=repair, quick=quick)
    if as_json:
        _print_json(report.to_dict())
    else:
        for finding in report.findings:
            mark = "repaired" if finding.repaired else "problem"
            click.echo(f"{mark}: {finding.kind}: {finding.where}: {finding.detail}")
        indexed = "unreadable" if report.indexed is None else report.indexed
        state = "consistent" if report.consistent else "NOT consistent"
        click.echo(f"{report.documents} documents, {indexed} indexed: {state}", err=True)
    if not report.consistent:
        sys.exit(1)


def _quick_check(settings: Settings) -> bool:
    """The cheap part of `vanthu check --repair`, run at the end of ingest and reindex:
    what it mends or cannot mend is said on stderr. Returns whether all is consistent."""
    from vanthu.check import check as run_check

    report = run_check(settings, repair=True, quick=True)
    for finding in report.findings:
        mark = "repaired" if finding.repaired else "problem"
        click.echo(f"check: {mark}: {finding.kind}: {finding.where}: {finding.detail}", err=True)
    if not report.consistent:
        click.echo("check: run `vanthu check` for the whole report", err=True)
    return report.consistent


@cli.command()
@click.argument("id")
@click.argument("changes", nargs=-1, required=True, metavar="FIELD=VALUE...")
@click.option("--by", "who", required=True, help="Who makes the correction (kept with it).")
@click.option("--json", "as_json", is_flag=True, help="Print the corrected record as JSON.")
@with_archive_option
def correct(archive: str | None, id: str, changes: tuple[str, ...], who: str, as_json: bool) -> None:
    """Correct fields of a stored record, e.g. date=2022-01-13 'signer=Nguyễn Văn A'.

    VALUE is text, or JSON for lists and null (recipients='["A", "B"]', date=null).
    Corrections are kept apart from the parse and win over it, also after a reparse.
    """
    from vanthu.pipeline import correct_record
    from vanthu.stores import open_stores

    settings = _settings(archive)
    with open_stores(settings, create=False) as (store, index):
        record = correct_record(store, index, store.lookup(id), _field_values(changes), who)
    _show(record, as_json)


@cli.command()
@click.argument("ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Reparse every stored document.")
@with_archive_option
def reparse(archive: str | None, ids: tuple[str, ...], every: bool) -> None:
    """Parse stored documents again with this version's parser (no OCR is redone)."""
    from vanthu.pipeline import reparse_records
    from vanthu.stores import open_stores

    if not ids and not every:
        raise click.UsageError("name documents to reparse, or use --all")
    failed: list[str] = []

    def report(doc_id: str, error: Exception) -> None:
        failed.append(doc_id)
        click.echo(f"error: {doc_id}: {error}; skipped", err=True)

    settings = _settings(archive)
    with open_stores(settings, create=False) as (store, index):
        chosen = store.ids() if every else [store.lookup(key) for key in ids]
        count = reparse_records(store, index, chosen, settings, on_error=report)
    click.echo(f"reparsed {count} documents" + (f", {len(failed)} failed" if failed else ""),
               err=True)
    if failed:
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON list of {id, ref, fields}.")
@with_archive_option
def review(archive: str | None, as_json: bool) -> None:
    """List stored documents with fields to review (a number or date OCR was unsure of, or
    that cannot be right). Confirm or fix one with `vanthu correct ID number=115 --by NAME`."""
    from vanthu.stores import open_archive

    with open_archive(_settings(archive)) as store:
        items = list(store.review())
    if as_json:
        _print_json([{"id": i.id, "ref": i.ref, "fields": list(i.fields)} for i in items])
        return
    for item in items:
        click.echo(f"{item.id}  {item.ref or '(không số)'}  cần kiểm tra: "
                   + ", ".join(_FIELD_LABELS.get(f, f) for f in item.fields))
    click.echo(f"{len(items)} văn bản cần kiểm tra", err=True)


def _field_values(changes: tuple[str, ...]) -> dict[str, object]:
    from archive.corrections import parse_value

    values: dict[str, object] = {}
    for change in changes:
        name, sep, raw = change.partition("=")
        if not sep or not name.strip():
            raise click.UsageError(f"expected FIELD=VALUE, got {change!r}")
        try:
            values[name.strip()] = parse_value(name.strip(), raw)
        except VanthuError as error:
            raise click.UsageError(str(error)) from None
    return values


# -- the web UI and its accounts ---------------------------------------------------------

FIRST_ACCOUNT = "luutru"  # made by `serve` when the archive has no account yet


@cli.command()
@click.option("--queue", metavar="URL", default=None,
              help="The queue to serve (redis://HOST:6379/0; default: $VANTHU_QUEUE).")
@click.option("--concurrency", type=click.IntRange(min=1), default=None,
              help="Pages OCR'd at once (default: one per core).")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(queue: str | None, concurrency: int | None, loglevel: str) -> None:
    """Run a Celery worker that OCRs pages sent by `vanthu ingest --queue` (needs no archive)."""
    from ingest.ocr_queue import check_url, run_worker

    settings = _settings(None, concurrency, queue)
    try:
        check_url(settings.queue_url)
    except VanthuError as error:
        raise click.UsageError(str(error)) from None
    run_worker(settings, concurrency=settings.jobs, loglevel=loglevel)


@cli.command()
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

    settings = _settings(archive)
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


@cli.group()
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
    with open_archive(_settings(archive)) as store:
        Users(store.catalog).add(name, password, role)
    click.echo(f"added {role} {name}", err=True)


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the accounts as JSON.")
@with_archive_option
def user_list(archive: str | None, as_json: bool) -> None:
    """List the accounts."""
    from archive.users import Users
    from vanthu.stores import open_archive

    with open_archive(_settings(archive)) as store:
        users = Users(store.catalog).list()
    if as_json:
        _print_json([{"name": u.name, "role": u.role, "created_at": u.created_at} for u in users])
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

    with open_archive(_settings(archive)) as store:
        Users(store.catalog).remove(name)
    click.echo(f"removed {name}", err=True)


_FIELD_LABELS = {"number": "số", "date": "ngày"}


def _show(record: Record, as_json: bool) -> None:
    if as_json:
        _print_json(record.to_dict())
        return
    labels = [("Số, ký hiệu", record.ref), ("Loại", record.doc_type_name),
              ("Cơ quan ban hành", record.issuer), ("Cơ quan cấp trên", record.parent_issuer),
              ("Địa danh", record.place), ("Ngày", record.date), ("Trích yếu", record.subject),
              ("Người ký", " — ".join(filter(None, [record.signer_title, record.signer])) or None)]
    if record.id:
        labels.insert(0, ("Mã", record.id))
    for label, value in labels:
        click.echo(f"{label}: {value if value else '—'}")
    if record.printed:
        click.echo(f"Số in trên văn bản: {record.printed}")
    if record.needs_review:
        marks = []
        for name in record.needs_review:
            got = record.fields.get(name)
            sure = f" (OCR {got.confidence:.0f}/100, trang {got.page})" \
                if got and got.confidence is not None else ""
            marks.append(_FIELD_LABELS.get(name, name) + sure)
        click.echo("Cần kiểm tra: " + ", ".join(marks))
    signature = record.source.signature if record.source else None
    if signature:
        click.echo("Ký số: " + ", ".join(filter(None, [signature.signed_by, signature.organisation,
                                                     signature.time])))
    for copy in record.copies:
        click.echo(f"Bản sao ({copy.kind or 'sao'}): {copy.ref or '—'}, {copy.issuer or '—'}, {copy.date or '—'}")
    for citation in record.citations:
        target = f" → {citation.target_id}" if citation.target_id else (
            f" ({citation.status})" if citation.status else "")
        click.echo(f"  trích dẫn [{citation.relation or '—'}] {citation.ref}"
                   f" {citation.date or ''}{target}")
    for cited in record.cited_by:
        click.echo(f"  được trích bởi [{cited.relation or '—'}] {cited.ref or cited.id} ({cited.id})")


def main() -> None:
    cli(prog_name="vanthu")


if __name__ == "__main__":
    main()
