"""What ``policywatch status`` reports, and which of it needs attention (a health check).

Needs attention (exit 1): an open incident; a dead alert; a pending alert older than
``STALE_ALERT``; a document whose last check failed, that was never checked, or that was not
checked for ``overdue_factor`` schedule periods, or whose next run is overdue (its time long
past: no daemon is serving the schedule); a daemon whose heartbeat is stale (hung, or stopped
by SIGSTOP: it holds its lock but does nothing); and, with ``require_daemon``, no working daemon.
A document whose egress proxy is not configured is reported as such, not as a problem: it is
deliberately not fetched.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, MetaData, Table, func, inspect, select

from crawler.egress import NOT_CONFIGURED, fetchable, where_from
from daemon import heartbeat
from daemon.locks import holder
from daemon.schedules import ScheduleConfig, expression, period, trigger
from store.models import Alert, Check, Document, Incident
from store.record import FAILURES

JOBS_TABLE = "apscheduler_jobs"
JOB_PREFIX = "check:"
STALE_ALERT = timedelta(hours=1)


@dataclass
class DocumentReport:
    document: str
    schedule: str
    last_check: datetime | None = None
    outcome: str | None = None
    detail: str = ""
    next_run: datetime | None = None
    open_incident: str | None = None
    problems: list[str] = field(default_factory=list)
    robots: str = "obey"
    robots_reason: str | None = None
    region: str = "-"
    """Region and egress, e.g. ``eu via egress eu`` or ``eu (egress eu not configured)``."""
    configured: bool = True
    """False when the document needs an egress proxy that is not configured: never fetched."""


@dataclass
class Report:
    now: datetime
    daemon: str | None
    """Who holds the daemon lock (a sentence), None when no daemon runs on this database."""
    documents: list[DocumentReport]
    alerts: dict[str, int]
    oldest_pending: datetime | None
    incidents: int
    problems: list[str]
    heartbeat: datetime | None = None
    """The daemon's last heartbeat (also of a daemon that has since stopped)."""
    heartbeat_stale: bool = False
    """A daemon holds the lock but has not beaten for three heartbeat intervals."""

    @property
    def healthy(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["daemon_running"] = self.daemon is not None and not self.heartbeat_stale
        data["healthy"] = self.healthy
        return data


def next_runs(engine: Engine) -> dict[str, datetime]:
    """Next run time per document from the scheduler's job store (empty before the first run)."""
    if not inspect(engine).has_table(JOBS_TABLE):
        return {}
    jobs = Table(JOBS_TABLE, MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        rows = conn.execute(select(jobs.c.id, jobs.c.next_run_time)).all()
    return {row.id.removeprefix(JOB_PREFIX): datetime.fromtimestamp(row.next_run_time, UTC)
            for row in rows if row.id.startswith(JOB_PREFIX) and row.next_run_time is not None}


def build(store: Any, targets: list[Any], cfg: ScheduleConfig, *, require_daemon: bool = False,
          now: datetime | None = None) -> Report:
    """Gather the report from the database and the job store."""
    now = now or datetime.now(UTC)
    runs = next_runs(store.engine)
    daemon = holder(store.engine, "daemon")
    beat = heartbeat.read(store)
    stale = daemon is not None and beat is not None and beat.stale(now)
    late = timedelta(seconds=heartbeat.STALE_BEATS * (beat.interval if beat else 30.0))
    problems: list[str] = []
    if stale and beat is not None:
        problems.append(f"daemon heartbeat stale: last beat {_age(beat.age(now))} ago "
                        f"(pid {beat.pid} on {beat.host}): hung or stopped?")
    docs: list[DocumentReport] = []
    with store.session() as s:
        by_slug = {d.slug: d for d in s.scalars(select(Document))}
        incidents = {i.document_id: i for i in s.scalars(
            select(Incident).where(Incident.closed_at.is_(None)))}
        counts = dict(s.execute(select(Alert.status, func.count()).group_by(Alert.status)).all())
        oldest = s.scalar(select(func.min(Alert.created_at)).where(Alert.status == "pending"))
        for target in targets:
            expr = expression(target, cfg)
            rep = DocumentReport(target.id, expr, next_run=runs.get(target.id), robots=target.robots,
                                 robots_reason=target.robots_reason, region=where_from(target),
                                 configured=fetchable(target))
            doc = by_slug.get(target.id)
            last = None if doc is None else s.scalars(
                select(Check).where(Check.document_id == doc.id)
                .order_by(Check.started_at.desc(), Check.id.desc()).limit(1)).first()
            if rep.next_run is not None and now - rep.next_run > late:
                rep.problems.append(f"next run overdue by {_age(now - rep.next_run)}: "
                                    f"is the daemon running?")
            if not rep.configured:
                rep.detail = f"{NOT_CONFIGURED}: no proxy for egress {target.egress!r}; not fetched"
            elif last is None:
                rep.problems.append("never checked")
            else:
                rep.last_check, rep.outcome, rep.detail = last.started_at, last.outcome, last.detail
                if last.outcome in FAILURES:
                    rep.problems.append(f"last check {last.outcome}")
                allowed = timedelta(seconds=period(trigger(expr)) * cfg.overdue_factor)
                if now - last.started_at > allowed:
                    rep.problems.append(f"not checked for {_age(now - last.started_at)} "
                                        f"(schedule {expr})")
            incident = incidents.get(doc.id) if doc is not None else None
            if incident is not None:
                rep.open_incident = incident.cause
                rep.problems.append(f"open incident: {incident.cause}")
            problems += [f"{target.id}: {p}" for p in rep.problems]
            docs.append(rep)
        declared = {by_slug[t.id].id for t in targets if t.id in by_slug}
        for doc_id, incident in incidents.items():
            if doc_id not in declared:
                slug = s.get(Document, doc_id).slug  # type: ignore[union-attr]
                problems.append(f"{slug} (no longer declared): open incident: {incident.cause}")
    alerts = {k: int(counts.get(k, 0)) for k in ("pending", "sending", "sent", "dead")}
    if alerts["dead"]:
        problems.append(f"{alerts['dead']} dead alert(s): see `policywatch alerts` / retry them")
    if oldest is not None and now - oldest > STALE_ALERT:
        problems.append(f"alerts pending for {_age(now - oldest)}: is the dispatcher delivering?")
    if require_daemon and daemon is None:
        problems.append("no `policywatch run` daemon holds this database")
    return Report(now, daemon, docs, alerts, oldest, len(incidents), problems,
                  beat.beat_at if beat else None, stale)


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
