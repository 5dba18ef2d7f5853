"""History in and out: backfill from the Wayback Machine, import Open Terms Archive, export."""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import click

import config
from cli.common import (db_option, emit_json, format_option, handle_errors, load_targets,
                        open_store, scrapy_settings_option, targets_option, when)


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", ctx, param) from exc


def _echo_line(line: Any) -> None:
    extra = f" {line.severity} {','.join(line.labels) or '-'}" if line.severity else ""
    detail = f" - {line.detail}" if line.detail else ""
    click.echo(f"  {when(line.captured_at)} {line.outcome}{extra}{detail}", err=True)


@click.command()
@click.argument("doc")
@click.option("--since", callback=_date, metavar="DATE", help="First capture day (YYYY-MM-DD).")
@click.option("--until", callback=_date, metavar="DATE", help="Last capture day (YYYY-MM-DD).")
@db_option
@targets_option
@format_option
@scrapy_settings_option
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
@handle_errors
def backfill(doc: str, since: date | None, until: date | None, db: str | None,
             targets: Path | None, fmt: str, sets: dict[str, str], quiet: bool) -> None:
    """Bring in DOC's past from the Wayback Machine, oldest capture first.

    Lists the captures (setting archive_url), fetches each original through the crawler, and
    stores the texts that changed as versions marked backfilled, classified but never alerting.
    Run it again to continue an interrupted backfill: a capture already recorded is skipped.
    Exit status 1 when it stopped at a capture that failed (run again later).
    """
    from archive.backfill import backfill as run
    from archive.wayback import ArchiveError

    picked = [t for t in load_targets(targets, [doc]) if t.id == doc]
    if not picked:
        raise click.BadParameter(f"{doc!r} names no single declared document", param_hint="DOC")
    store = open_store(db)
    try:
        report = run(store, picked[0], str(config.get("archive_url")), since, until, sets,
                     progress=(lambda _: None) if quiet or fmt == "json" else _echo_line)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        emit_json({"document": report.document, "listed": report.listed, "known": report.known,
                   "stopped": report.stopped, "captures": [asdict(ln) for ln in report.lines]})
    else:
        new = sum(ln.outcome == "new_version" for ln in report.lines)
        click.echo(f"{report.document}: {report.listed} captures listed, {report.known} already "
                   f"recorded, {len(report.lines)} recorded now ({new} new versions)")
        if report.stopped:
            click.echo(f"stopped at {report.stopped}; run again to continue", err=True)
    if report.stopped:
        sys.exit(1)


def _parse_map(ctx: click.Context, param: click.Parameter, pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        name, sep, target = pair.rpartition("=")
        if not sep or "/" not in name:
            raise click.BadParameter(f"{pair!r} is not SERVICE/TYPE=DOC", ctx, param)
        out[name] = target
    return out


@click.command("import-ota")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--map", "overrides", multiple=True, callback=_parse_map, metavar="SERVICE/TYPE=DOC",
              help="Map an OTA service's terms type onto a declared document (repeatable).")
@db_option
@targets_option
@format_option
@handle_errors
def import_ota(path: Path, overrides: dict[str, str], db: str | None, targets: Path | None,
               fmt: str) -> None:
    """Import the versions of an Open Terms Archive versions repository (a git clone) or
    dataset release (a zip), or of a PolicyWatch export, onto the declared documents.

    Dates and provenance are kept; changes are classified and never alert. Importing the same
    source again adds nothing. Versions of terms that map onto no declared document are counted
    and left out (see --map).
    """
    from archive.git import GitError
    from archive.importer import import_versions
    from archive.ota import SourceError, read_versions

    declared = load_targets(targets)
    unknown = sorted(set(overrides.values()) - {t.id for t in declared})
    if unknown:
        raise click.BadParameter(f"no declared document {', '.join(unknown)}", param_hint="--map")
    try:
        report = import_versions(open_store(db), read_versions(path), declared, overrides)
    except (SourceError, GitError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    new = sum(ln.outcome == "new_version" for ln in report.lines)
    if fmt == "json":
        emit_json({"recorded": len(report.lines), "new_versions": new, "known": report.known,
                   "unmapped": dict(report.unmapped),
                   "versions": [asdict(ln) for ln in report.lines]})
        return
    click.echo(f"{len(report.lines)} versions read, {new} new versions, {report.known} imported before")
    for name, count in sorted(report.unmapped.items()):
        click.echo(f"  not imported: {name} ({count} versions; no declared document, see --map)")


@click.group()
def export() -> None:
    """Export the stored versions: as a git repository, or as a dataset file."""


def _documents_option(f: Any) -> Any:
    return click.option("--doc", "documents", multiple=True, metavar="DOC",
                        help="Only this document (repeatable); default: all.")(f)


@export.command("git")
@click.argument("directory", type=click.Path(path_type=Path))
@_documents_option
@db_option
@handle_errors
def export_git(directory: Path, documents: tuple[str, ...], db: str | None) -> None:
    """Write the versions to a new git repository DIRECTORY: one file per document, one commit
    per version dated at its fetch time (``git log -p`` shows the history)."""
    from archive.export import ExportError
    from archive.export import export_git as run
    from archive.git import GitError

    try:
        with open_store(db).session() as s:
            count = run(s, directory, documents)
    except (ExportError, GitError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{count} versions written to {directory}")


@export.command("dataset")
@click.argument("file", type=click.Path(path_type=Path))
@_documents_option
@db_option
@handle_errors
def export_dataset(file: Path, documents: tuple[str, ...], db: str | None) -> None:
    """Write the versions to FILE: JSON lines (.jsonl, texts inline) or a zip of Markdown files
    with a manifest (.zip, Open Terms Archive's dataset layout)."""
    from archive.export import ExportError
    from archive.export import export_dataset as run

    try:
        with open_store(db).session() as s:
            count = run(s, file, documents)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{count} versions written to {file}")


COMMANDS = [backfill, import_ota, export]
