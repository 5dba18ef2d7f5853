"""The daemon's commands: ``run`` (the long-lived scheduler) and ``status`` (a health check)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

import config
from cli.common import (db_option, echo_robots_reasons, emit_json, fetchable_only,
                        format_option, handle_errors, load_targets, open_store, root_verbosity,
                        scrapy_settings_option, targets_option, when)


def _schedule_config() -> Any:
    from daemon.schedules import ScheduleConfig, ScheduleError

    try:
        return ScheduleConfig.from_table(config.config_file().get("schedule"))
    except ScheduleError as exc:
        raise click.ClickException(str(exc)) from exc


def _declarations(targets: Path | None) -> Path:
    from crawler.targets import PACKAGED_DECLARATIONS

    configured = config.get("targets")
    return targets or (Path(configured) if configured else PACKAGED_DECLARATIONS)


def _fingerprint(*paths: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and mtime of every declaration file and the config file: what SIGHUP reloads."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.toml")) if path.is_dir() else [path]
    out = []
    for file in files:
        try:
            st = file.stat()
        except OSError:
            continue
        out.append((str(file), st.st_size, st.st_mtime_ns))
    return tuple(out)


@click.command()
@db_option
@targets_option
@scrapy_settings_option
@click.option("--log-format", type=click.Choice(["text", "json"]), default=None,
              help="Log line format [setting log_format, default text].")
@handle_errors
def run(db: str | None, targets: Path | None, sets: dict[str, str], log_format: str | None) -> None:
    """Run the scheduler: check every declared document on its schedule until stopped.

    Schedules come from the declarations (`schedule = "6h"` or a cron line, per document or
    platform) and the [schedule] table of the config file; they are kept in the database, so a
    restart resumes them. One daemon per database: a second `run` refuses. SIGTERM or SIGINT
    finishes the running crawls, flushes the alert outbox and exits 0.

    SIGHUP (`kill -HUP PID`, `systemctl reload policywatch`) reloads the declarations and the
    [schedule] table without a restart; a change on disk that was not reloaded is logged.
    """
    from daemon import logs
    from daemon.locks import LockHeld
    from daemon.schedules import ScheduleError
    from scheduler import run_daemon

    logs.setup(log_format or str(config.get("log_format")), root_verbosity())
    cfg = _schedule_config()
    picked = fetchable_only(load_targets(targets))
    watched = (_declarations(targets), config.config_path())

    def loader() -> tuple[list[Any], Any]:
        config.reload()
        return fetchable_only(load_targets(targets)), _schedule_config()

    store = open_store(db)
    try:
        code = run_daemon(store, picked, cfg, sets, loader=loader,
                          watch=lambda: _fingerprint(*watched))
    except LockHeld as exc:
        raise click.ClickException(f"refusing to start: {exc}. One scheduler per database; "
                                   f"stop it first (or use `policywatch status`).") from exc
    except ScheduleError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        store.dispose()
    sys.exit(code)


@click.command()
@db_option
@targets_option
@format_option
@click.option("--require-daemon", is_flag=True,
              help="Also need attention when no `policywatch run` holds this database.")
@handle_errors
def status(db: str | None, targets: Path | None, fmt: str, require_daemon: bool) -> None:
    """Per document: last check and outcome, next run; open incidents; the alert backlog.

    Exit status 0 when all is well, 1 when something needs attention (open incident, dead or
    stuck alerts, a failed, missing or overdue check, a next run long past, a stale daemon
    heartbeat, or no daemon with --require-daemon): usable as a health check.
    """
    from daemon.status import build

    store = open_store(db, read_only=True)
    try:
        report = build(store, load_targets(targets), _schedule_config(), require_daemon=require_daemon)
    finally:
        store.dispose()
    if fmt == "json":
        emit_json(report.to_dict())
    else:
        _print(report)
    if not report.healthy:
        sys.exit(1)


def _print(report: Any) -> None:
    click.echo(f"daemon: {'running: ' + report.daemon if report.daemon else 'not running'}")
    if report.heartbeat is not None:
        click.echo(f"heartbeat: {when(report.heartbeat)}"
                   + (" (STALE: hung or stopped?)" if report.heartbeat_stale else ""))
    width = max([len(d.document) for d in report.documents] + [8])
    click.echo(f"{'DOCUMENT':<{width}}  {'LAST CHECK':<20} {'OUTCOME':<17} {'NEXT RUN':<20} "
               f"{'SCHEDULE':<10} {'ROBOTS':<7} REGION")
    for d in report.documents:
        outcome = d.outcome or ("-" if d.configured else "not configured")
        click.echo(f"{d.document:<{width}}  {when(d.last_check):<20} {outcome:<17} "
                   f"{when(d.next_run):<20} {d.schedule:<10} {d.robots:<7} {d.region}")
    echo_robots_reasons([(d.document, d.robots, d.robots_reason) for d in report.documents])
    a = report.alerts
    click.echo(f"alerts: {a['pending']} pending, {a['sending']} sending, {a['dead']} dead, "
               f"{a['sent']} sent; open incidents: {report.incidents}")
    if report.problems:
        click.echo("needs attention:")
        for problem in report.problems:
            click.echo(f"  - {problem}")
    else:
        click.echo("ok")


COMMANDS = [run, status]
