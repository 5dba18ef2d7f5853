"""Commands of the shared frontier: enqueue a round of checks, and run a worker that does them."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import (db_option, emit_json, fetchable_only, format_option, handle_errors,
                        load_targets, open_store, scrapy_settings_option, targets_option)


def redis_option(f):  # type: ignore[no-untyped-def]
    f = click.option("--prefix", default="policywatch", show_default=True,
                     help="Key prefix in Redis (one per deployment).")(f)
    return click.option("--redis", "redis_url", required=True, metavar="URL",
                        help="Redis URL of the shared frontier, e.g. redis://10.0.0.5:6379/0.")(f)


def _frontier(redis_url: str, prefix: str, lease: float = 60.0):  # type: ignore[no-untyped-def]
    from workers.frontier import Frontier, FrontierError

    try:
        return Frontier(redis_url, prefix, int(lease * 1000))
    except FrontierError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.argument("docs", nargs=-1, metavar="[DOC]...")
@redis_option
@targets_option
@format_option
@handle_errors
def enqueue(docs: tuple[str, ...], redis_url: str, prefix: str, targets: Path | None, fmt: str) -> None:
    """Add one round of checks of every declared document (or DOC...) to the shared frontier.

    Workers (`policywatch worker`) take them; each document is checked once in the round.
    """
    picked = fetchable_only(load_targets(targets, docs))
    frontier = _frontier(redis_url, prefix)
    key = frontier.enqueue([t.id for t in picked])
    if fmt == "json":
        emit_json({"round": key, "documents": len(picked)})
    else:
        click.echo(f"round {key}: {len(picked)} documents enqueued")


@click.command()
@redis_option
@db_option
@targets_option
@scrapy_settings_option
@click.option("--batch", default=20, show_default=True, help="Documents taken from the frontier at a time.")
@click.option("--lease", default=60.0, show_default=True,
              help="Seconds after which documents a stopped worker took are checked by another.")
@click.option("--until-empty", is_flag=True, help="Exit once the frontier has nothing left.")
@handle_errors
def worker(redis_url: str, prefix: str, db: str | None, targets: Path | None, sets: dict[str, str],
           batch: int, lease: float, until_empty: bool) -> None:
    """Check documents from the shared frontier and record them (run one per core or machine).

    The database should be PostgreSQL shared by every worker; declarations must be the same on
    every worker. SIGTERM or Ctrl-C stops it; what it had taken is checked by another worker.
    """
    from workers.worker import Worker

    picked = {t.id: t for t in fetchable_only(load_targets(targets))}
    w = Worker(_frontier(redis_url, prefix, lease), open_store(db), picked, sets, batch, until_empty)
    checked = w.run()
    click.echo(f"worker {w.consumer}: {checked} checks recorded", err=True)


COMMANDS = [enqueue, worker]
