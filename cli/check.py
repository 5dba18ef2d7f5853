"""Commands that write: check (one crawl pass, the cron job) and reextract."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

import config
from cli import exits
from cli.common import (db_option, emit_json, fetchable_only, format_option, handle_errors,
                        load_targets, open_store, root_verbosity, scrapy_settings_option,
                        targets_option)


def run_check(targets: list[Any], db: str | None, settings: dict[str, Any],
              progress: Callable[[Any], None] | None = None) -> Any:
    """One crawl pass over ``targets`` into the store; returns the Recorder with its lines.

    The database is opened and a write is committed before anything is fetched (StoreError
    when it cannot be written); a write that fails later for the same reasons (the disk filled
    up during the crawl) stops the crawl and raises its StoreWriteError; LockHeld when another crawl holds the lock. ``progress`` is
    given each check line as it is recorded (see cli/progress.py)."""
    from crawler.run import crawl
    from daemon.locks import held
    from ingest import Recorder
    from store.record import validators

    store = open_store(db)
    try:
        store.check_writable()
    except Exception:
        store.dispose()  # close its connections now, not at exit with a ResourceWarning
        raise
    with held(store.engine, "crawl", "policywatch check"):  # before the documents are written
        recorder = Recorder(store, targets, batched=True, on_line=progress)
        with store.session() as s:
            known = validators(s)
        crawl(targets, recorder.sink(), known, settings)
    if recorder.write_error is not None:  # the crawl stopped there; nothing half-way was kept
        raise recorder.write_error
    missing = {t.id for t in targets} - {ln.slug for ln in recorder.lines}
    if missing:  # the crawler promises one item per target; say so if it broke that promise
        raise click.ClickException(f"no result for {', '.join(sorted(missing))}")
    return recorder


@click.command(epilog=exits.HELP)
@click.argument("docs", nargs=-1, metavar="[DOC]...")
@db_option
@targets_option
@format_option
@scrapy_settings_option
@click.option("-q", "--quiet", is_flag=True, help="On stderr only errors (and failed fetches).")
@click.option("-v", "--verbose", count=True,
              help="Also the crawler's own log lines (Scrapy's); -vv for debug.")
@exits.check_exits
def check(docs: tuple[str, ...], db: str | None, targets: Path | None, fmt: str,
          sets: dict[str, str], quiet: bool, verbose: int) -> None:
    """Fetch every declared document (or DOC...) once and record what changed.

    On stderr: one line per document (on a terminal with a progress bar below). Exit status 0
    when every document was checked (new version or unchanged), 1 when any fetch failed
    (blocked, transient, structural, robots_disallowed), other statuses when nothing could be
    fetched (below). A document whose egress (e.g. the EU) has no proxy configured is not
    fetched, and says so on stderr.
    """
    from cli.progress import Progress, no_network
    from daemon import logs

    config.validate()
    verbose = max(verbose, root_verbosity())
    logs.setup("text", verbose, own=logging.INFO if verbose else logging.WARNING, quiet=quiet)
    picked = fetchable_only(load_targets(targets, docs))
    progress = Progress(len(picked), quiet=quiet)
    progress.start()
    try:
        recorder = run_check(picked, db, sets, progress)
    finally:
        progress.close()
    diagnosis = no_network(recorder.lines)
    if diagnosis:
        click.echo(f"Error: {diagnosis}", err=True)
    if fmt == "json":
        emit_json([asdict(ln) for ln in recorder.lines])
    else:
        new = sum(ln.outcome == "new_version" for ln in recorder.lines)
        click.echo(f"checked {len(recorder.lines)} documents: {new} new versions, "
                   f"{len(recorder.failed)} failed")
        for ln in recorder.lines:
            if ln.severity:
                click.echo(f"  {ln.slug}: {ln.severity} {', '.join(ln.labels) or ''}")
    if recorder.failed:
        sys.exit(exits.FETCH_FAILED)


@click.command()
@click.argument("docs", nargs=-1, metavar="[DOC]...")
@db_option
@targets_option
@format_option
@handle_errors
def reextract(docs: tuple[str, ...], db: str | None, targets: Path | None, fmt: str) -> None:
    """Re-extract each document's last stored snapshot with today's declarations and extractor.

    A text that differs becomes a *technical* version: the next real change is diffed against
    it, and it never alerts.
    """
    from extract import ExtractError
    from extract.document import extract_document
    from store.models import Snapshot
    from store.record import (add_technical_version, latest_version, snapshot_body,
                              sync_documents)

    picked = load_targets(targets, docs)
    store = open_store(db)
    report = []
    with store.session() as s:
        docs_by_slug = sync_documents(s, picked)
        for target in picked:
            doc = docs_by_slug[target.id]
            latest = latest_version(s, doc.id)
            snap = s.get(Snapshot, latest.snapshot_id) if latest and latest.snapshot_id else None
            if snap is None:
                report.append({"document": target.id, "result": "no snapshot"})
                continue
            try:
                text, extractor = extract_document(
                    snapshot_body(snap), content_type=snap.headers.get("content-type"),
                    declared=target.content_type, select=target.select, remove=target.remove,
                    filters=target.filters, base_url=snap.url)
            except ExtractError as exc:
                report.append({"document": target.id, "result": f"extraction failed: {exc}"})
                continue
            v = add_technical_version(s, doc, snap, text, extractor)
            report.append({"document": target.id,
                           "result": f"technical version {v.id}" if v else "unchanged"})
    if fmt == "json":
        emit_json(report)
    else:
        for r in report:
            click.echo(f"{r['document']}: {r['result']}")


COMMANDS = [check, reextract]
