"""Commands for the alert outbox: ``alerts list|show|retry|dispatch`` and ``test-alert CHANNEL``."""

from __future__ import annotations

import signal
import threading
import uuid
from typing import Any

import click

from cli.common import db_option, emit_json, format_option, handle_errors, open_store, when


def _row(a: Any, full: bool = False) -> dict[str, Any]:
    out = {"id": a.id, "status": a.status, "channel": a.channel, "kind": a.kind,
           "severity": a.severity, "dedup_key": a.dedup_key, "attempts": a.attempts,
           "next_attempt_at": a.next_attempt_at, "sent_at": a.sent_at, "created_at": a.created_at,
           "document_id": a.document_id, "change_id": a.change_id, "incident_id": a.incident_id,
           "batch_key": a.batch_key, "last_error": a.last_error}
    if full:
        out["payload"] = a.payload
    return out


@click.group()
def alerts() -> None:
    """The alert outbox: list, show, retry and dispatch alerts."""


@alerts.command("list")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "dead"]), default=None)
@click.option("--limit", type=int, default=50, show_default=True)
@db_option
@format_option
@handle_errors
def list_(status: str | None, limit: int, db: str | None, fmt: str) -> None:
    """Alerts, newest first (optionally only those with a status)."""
    from sqlalchemy import select

    from store.models import Alert

    with open_store(db, read_only=True).session() as s:
        q = select(Alert).order_by(Alert.id.desc()).limit(limit)
        rows = [_row(a) for a in s.scalars(q.where(Alert.status == status) if status else q)]
    if fmt == "json":
        emit_json(rows)
        return
    for r in rows:
        due = f"sent {when(r['sent_at'])}" if r["status"] == "sent" else f"next {when(r['next_attempt_at'])}"
        err = f"  {r['last_error'][:80]}" if r["last_error"] and r["status"] != "sent" else ""
        click.echo(f"{r['id']:>6} {r['status']:<8} {r['channel']:<12} {r['severity']:<6} "
                   f"tries={r['attempts']} {due}  {r['dedup_key']}{err}")
    if not rows:
        click.echo("no alerts")


@alerts.command()
@click.argument("alert_id", type=int, metavar="ID")
@db_option
@format_option
@handle_errors
def show(alert_id: int, db: str | None, fmt: str) -> None:
    """One alert: its state and the message it sends."""
    from alerts.message import Message
    from store import NotFound
    from store.models import Alert

    with open_store(db, read_only=True).session() as s:
        a = s.get(Alert, alert_id)
        if a is None:
            raise NotFound(f"no alert {alert_id}")
        row = _row(a, full=True)
    if fmt == "json":
        emit_json(row)
        return
    for k, v in row.items():
        if k != "payload":
            click.echo(f"{k}: {v if v not in (None, '') else '-'}")
    click.echo("\n" + Message(row["batch_key"] or row["dedup_key"], [row["payload"]]).text())


@alerts.command()
@click.argument("alert_ids", type=int, nargs=-1, metavar="ID...")
@click.option("--all-dead", is_flag=True, help="Retry every dead alert.")
@db_option
@format_option
@handle_errors
def retry(alert_ids: tuple[int, ...], all_dead: bool, db: str | None, fmt: str) -> None:
    """Make dead or failed alerts due again, with a fresh attempt count."""
    from sqlalchemy import select

    from alerts.dispatch import retry as retry_row
    from store.models import Alert

    done = []
    with open_store(db).session() as s:
        ids = list(alert_ids) + (list(s.scalars(select(Alert.id).where(Alert.status == "dead")))
                                 if all_dead else [])
        for alert_id in ids:
            try:
                done.append(_row(retry_row(s, alert_id)))
            except ValueError as exc:
                raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        emit_json(done)
    else:
        click.echo(f"{len(done)} alert(s) due again: {', '.join(str(r['id']) for r in done) or '-'}")


@alerts.command()
@click.option("--loop", is_flag=True, help="Keep dispatching every --interval seconds.")
@click.option("--interval", type=float, default=30.0, show_default=True)
@db_option
@format_option
@handle_errors
def dispatch(loop: bool, interval: float, db: str | None, fmt: str) -> None:
    """Deliver due alerts once (or forever with --loop; SIGTERM/SIGINT stop it after the send in flight)."""
    from alerts.dispatch import Dispatcher

    dispatcher = Dispatcher(open_store(db))
    if loop:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        dispatcher.run_forever(interval, stop)
        return
    stats = dispatcher.run_once()
    if fmt == "json":
        emit_json(stats)
    else:
        click.echo(" ".join(f"{k}={v}" for k, v in sorted(stats.items())) or "nothing to send")


@click.command("test-alert")
@click.argument("channel")
@db_option
@format_option
@handle_errors
def test_alert(channel: str, db: str | None, fmt: str) -> None:
    """Send a sample alert to CHANNEL now (the newest material change, or a built-in sample)."""
    from alerts import config as alerts_config
    from alerts.channels import build
    from alerts.errors import ChannelError
    from alerts.message import Message
    from alerts.sample import sample_payload

    cfg = alerts_config.current()
    if channel not in cfg.channels:
        raise click.BadParameter(f"no channel {channel!r}; configured: "
                                 f"{', '.join(cfg.channels) or 'none'}", param_hint="CHANNEL")
    with open_store(db).session() as s:
        payload = sample_payload(s, cfg.link_base())
    target = build(channel, cfg.channels[channel])
    key = f"test:{uuid.uuid4().hex[:12]}:{channel}"
    try:
        target.check()
        target.send(Message(key, [payload], channel=channel))
    except ChannelError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        emit_json({"channel": channel, "kind": target.kind, "key": key, "sent": True})
    else:
        click.echo(f"sample alert sent to {channel} ({target.kind}), key {key}")


COMMANDS = [alerts, test_alert]
