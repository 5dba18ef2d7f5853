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


COMMANDS = [backfill]
