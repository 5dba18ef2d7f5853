"""Read-only commands: documents, history, show, diff."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from cli.common import (db_option, echo_robots_reasons, emit_json, format_option, handle_errors,
                        load_targets, open_store, targets_option, when)


def _version_json(v: object, *, text: bool = False) -> dict[str, object]:
    from store.models import Version

    assert isinstance(v, Version)
    out: dict[str, object] = {
        "id": v.id, "document": v.document.slug, "fetched_at": v.fetched_at,
        "previous_id": v.previous_id, "snapshot_id": v.snapshot_id, "sha256": v.text_sha256,
        "extractor_version": v.extractor_version, "technical": v.technical, "chars": len(v.text),
        "origin": v.origin, "archive_url": v.archive_url,
    }
    if text:
        out["text"] = v.text
    return out


@click.command()
@db_option
@format_option
@handle_errors
def documents(db: str | None, fmt: str) -> None:
    """List the documents in the database with their last check."""
    from store import query

    store = open_store(db, read_only=True)
    with store.session() as s:
        rows = query.documents(s)
        data: list[dict[str, Any]] = [{
            "slug": r.document.slug, "name": r.document.name, "platform": r.document.platform,
            "url": r.document.url, "region": r.document.region, "language": r.document.language,
            "versions": r.versions,
            "last_check": r.last_check and {"at": r.last_check.started_at,
                                            "outcome": r.last_check.outcome,
                                            "detail": r.last_check.detail},
            "latest_version": r.latest and {"id": r.latest.id, "fetched_at": r.latest.fetched_at},
        } for r in rows]
    if fmt == "json":
        emit_json(data)
        return
    if not data:
        click.echo("No documents yet: run `policywatch check` (or `policywatch demo`).")
    for r in data:
        lc = r["last_check"] or {}
        click.echo(f"{r['slug']:<45} {r['versions']:>4} versions  last check "
                   f"{when(lc.get('at'))} {lc.get('outcome', '-')}")


@click.command()
@click.argument("doc")
@db_option
@format_option
@handle_errors
def history(doc: str, db: str | None, fmt: str) -> None:
    """List every version of DOC, oldest first, with its change labels."""
    from store import query
    from store.models import Change

    store = open_store(db, read_only=True)
    with store.session() as s:
        document = query.document(s, doc)
        versions = query.history(s, document)
        # keyed by pair: a version placed before it by backfill re-links a later version
        changes = {(c.old_version_id, c.new_version_id): c for c in s.query(Change).filter(
            Change.document_id == document.id)}
        data: list[dict[str, Any]] = []
        for v in versions:
            row = _version_json(v)
            c = changes.get((v.previous_id, v.id))
            row["change"] = c and {"material": c.material, "severity": c.severity,
                                   "labels": c.labels}
            data.append(row)
    if fmt == "json":
        emit_json(data)
        return
    for r in data:
        c = r["change"]
        tag = "first version" if r["previous_id"] is None else (
            "technical (re-extracted)" if r["technical"] else
            (f"{c['severity']:<6} {','.join(c['labels']) or '-'}" if c and c["material"]
             else "not material" if c else ""))
        origin = "" if r["origin"] == "crawl" else f"  [{r['origin']}]"
        click.echo(f"{r['id']:>6}  {when(r['fetched_at'])}  {r['chars']:>7} chars  {tag}{origin}")


def _parse_date(value: str) -> datetime:
    try:
        dt = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO date (YYYY-MM-DD[THH:MM])") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    if len(value) == 10:  # a bare date means "as it was at the end of that day"
        dt = dt.replace(hour=23, minute=59, second=59)
    return dt


@click.command()
@click.argument("doc")
@click.option("--version", "version_id", type=int, help="Version id (see `history`).")
@click.option("--at", "at", metavar="DATE", help="The version in force at DATE (ISO).")
@db_option
@format_option
@handle_errors
def show(doc: str, version_id: int | None, at: str | None, db: str | None, fmt: str) -> None:
    """Print the text of DOC: the latest version, a given one, or the one in force at a date."""
    from store import query

    store = open_store(db, read_only=True)
    with store.session() as s:
        v = query.version(s, query.document(s, doc), version_id, _parse_date(at) if at else None)
        data = _version_json(v, text=True)
    if fmt == "json":
        emit_json(data)
    else:
        click.echo(str(data["text"]))


@click.command()
@click.argument("doc")
@click.argument("a", type=int, required=False)
@click.argument("b", type=int, required=False)
@db_option
@format_option
@click.option("--color/--no-color", default=None, help="ANSI colours (default: when a terminal).")
@handle_errors
def diff(doc: str, a: int | None, b: int | None, db: str | None, fmt: str,
         color: bool | None) -> None:
    """Diff two versions of DOC (default: the last two), with labels and evidence."""
    from changes.reading import with_reading
    from changes.render import render_text
    from changes import ChangeResult
    from ingest import change_between
    from store import NotFound, query

    store = open_store(db, read_only=True)
    with store.session() as s:
        document = query.document(s, doc)
        if a is None:
            versions = query.history(s, document)
            if len(versions) < 2:
                raise NotFound(f"{doc} has {len(versions)} version(s): nothing to diff")
            old, new = versions[-2], versions[-1]
        else:
            old = query.version(s, document, a)
            new = query.version(s, document, b) if b is not None else query.version(s, document)
        change = change_between(s, old, new)
        result, old_id, new_id = change.result, old.id, new.id
    if fmt == "json":
        emit_json({"document": doc, "old_version": old_id, "new_version": new_id, **with_reading(result)})
        return
    use_color = sys.stdout.isatty() if color is None else color
    click.echo(f"{doc}: version {old_id} -> {new_id}")
    click.echo(render_text(ChangeResult.from_dict(result), color=use_color))


@click.command()
@targets_option
@format_option
@handle_errors
def targets(targets: Path | None, fmt: str) -> None:
    """Validate and list the declared documents (the shipped ones, or --targets PATH).

    Per document: fetch mode, robots.txt policy, region (and whether its egress proxy is
    configured), selectors not yet checked against a real copy (UNVERIFIED), and the URL.
    """
    from crawler.egress import fetchable, where_from

    declared = load_targets(targets)
    if fmt == "json":
        emit_json([{**t.model_dump(mode="json"), "fetch_mode": t.fetch_mode, "where": where_from(t),
                    "configured": fetchable(t)} for t in declared])
        return
    width = max([len(t.id) for t in declared] + [8])
    click.echo(f"{'DOCUMENT':<{width}}  {'MODE':<11} {'ROBOTS':<7} {'REGION':<32} {'SELECTORS':<10} URL")
    for t in declared:
        selectors = "ok" if t.selectors_verified else "UNVERIFIED"
        mode = t.fetch_mode + (f" {t.content_type}" if t.content_type else "")
        click.echo(f"{t.id:<{width}}  {mode:<11} {t.robots:<7} {where_from(t):<32} "
                   f"{selectors:<10} {t.url}")
    click.echo()
    echo_robots_reasons([(t.id, t.robots, t.robots_reason) for t in declared])
    unverified = sum(not t.selectors_verified for t in declared)
    if unverified:
        click.echo(f"\n{unverified} document(s) with selectors not checked against a real copy (UNVERIFIED).")


COMMANDS = [documents, history, show, diff, targets]
