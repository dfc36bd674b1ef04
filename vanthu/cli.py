"""``vanthu`` — the command line of INTERFACE.md.

Thin by design: each command builds Settings, calls the archive/search/pipeline, and
turns vanthu's own errors into messages and exit codes.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from archive.errors import VanthuError
from archive.record import Record
from archive.settings import SEARCH_ENGINES, Settings

from .options import ARCHIVE_HELP, print_json, settings_for, with_archive_option
from .serving import serve, user, worker

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

    settings = settings_for(archive, jobs, queue)
    failed = stored = known = 0
    outcomes = []
    with open_stores(settings) as (store, index):
        for outcome in ingest_files(paths, store, index, settings, progress=not no_progress,
                                    index_procs=settings.jobs):
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
                unsure = (f" — to review: {', '.join(outcome.needs_review)}"
                          if outcome.needs_review else "")
                click.echo(f"{state}: {outcome.path} → {outcome.id} "
                           f"{outcome.ref or '(no number)'}{unsure}")
    if as_json:
        print_json(outcomes)
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

    record = parse_file(file, settings_for(archive))
    _show(record, as_json)


@cli.command()
@click.argument("id")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@with_archive_option
def show(archive: str | None, id: str, as_json: bool) -> None:
    """Print a stored record (by id or by number such as 1196/UBND-VP)."""
    from vanthu.stores import open_archive

    with open_archive(settings_for(archive), create=False) as store:
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
    with open_stores(settings_for(archive), create=False) as (store, index):
        result = index.search(query, limit=limit, page=page, sort=sort, mark=mark)
        behind = len(store.changes(index.synced()))
    if behind:  # said, never silent: e.g. an ingest killed before its index commit
        click.echo(f"warning: {behind} stored document(s) are not in the search index yet; "
                   "the next ingest or `vanthu reindex` adds them", err=True)
    if as_json:
        print_json(result.to_dict())
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

    settings = settings_for(archive, jobs)
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

    report = run_check(settings_for(archive), repair=repair, quick=quick)
    if as_json:
        print_json(report.to_dict())
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

    settings = settings_for(archive)
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

    settings = settings_for(archive)
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

    with open_archive(settings_for(archive)) as store:
        items = list(store.review())
    if as_json:
        print_json([{"id": i.id, "ref": i.ref, "fields": list(i.fields)} for i in items])
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


_FIELD_LABELS = {"number": "số", "date": "ngày"}


def _show(record: Record, as_json: bool) -> None:
    if as_json:
        print_json(record.to_dict())
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


for command in (serve, worker, user):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="vanthu")


if __name__ == "__main__":
    main()
