"""The job store side of the daemon: one APScheduler job per declared document, reconciled at
start and on reload, with a catch-up check for documents whose check is due or was lost.

A job's id is ``check:<document id>``; its name spells its schedule, so a changed schedule is
seen at start. Catch-up: a document whose last check is older than its period, whose job was
due while no daemon ran, or that was queued or crawling when the previous daemon died (the
heartbeat's ``pending``) runs once within its jitter of the start; its next run is then a full
period later (see :class:`daemon.schedules.CatchUpOnce`).
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from daemon.schedules import ScheduleConfig, expression, jitter_cap, period, trigger

log = logging.getLogger("policywatch.daemon")

JOB_PREFIX = "check:"
JOBS_TABLE = "apscheduler_jobs"


def job_id(target_id: str) -> str:
    return JOB_PREFIX + target_id


def make_scheduler(reactor: Any, engine: Any, cfg: ScheduleConfig, logger: logging.Logger,
                   on_error: Callable[[BaseException], None]) -> Any:
    """A paused-at-start ``TwistedScheduler`` on ``engine``'s job store (coalescing jobs).

    APScheduler survives a job store it cannot *read* (it logs and retries), not one it cannot
    *write*: a failed ``update_job`` (disk full, database gone after the read) escapes its
    timer call, and it never wakes up again. Here such a failure goes to ``on_error`` and the
    scheduler tries again ``jobstore_retry_interval`` seconds later; a job whose run could not
    be recorded is due again then (coalesced: one run).
    """
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.twisted import TwistedScheduler

    class Scheduler(TwistedScheduler):  # type: ignore[misc]
        def _process_jobs(self) -> float | None:
            try:
                wait: float | None = super()._process_jobs()
            except Exception as exc:  # noqa: BLE001 - reported; the scheduler keeps going
                on_error(exc)
                return float(self.jobstore_retry_interval)
            return wait

    return Scheduler(
        reactor=reactor, timezone=UTC, logger=logger,
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(cfg.misfire_grace) or None})


def last_checks(store: Any) -> dict[str, datetime]:
    """When each document's last check started, by document id."""
    from sqlalchemy import func, select

    from store.models import Check, Document

    with store.session() as s:
        rows = s.execute(select(Document.slug, func.max(Check.started_at))
                         .join(Check, Check.document_id == Document.id).group_by(Document.slug))
        return {slug: _utc(at) for slug, at in rows if at is not None}


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def reconcile(scheduler: Any, func: Callable[[str], None], targets: Iterable[Any],
              cfg: ScheduleConfig, last: Mapping[str, datetime], pending: Iterable[str] = (),
              now: datetime | None = None) -> Counter[str]:
    """Make the job store hold exactly one job per declared document, keeping unchanged ones.

    An unchanged job keeps its next run time (a restart resumes the schedule) unless the
    document needs a catch-up; a new one first runs within its jitter; a changed schedule
    starts afresh; undeclared ones go.
    """
    now = now or datetime.now(UTC)
    lost = set(pending)
    counts: Counter[str] = Counter()
    existing = {job.id: job for job in scheduler.get_jobs()}
    for target in targets:
        expr = expression(target, cfg)
        trig = trigger(expr, cfg.jitter)
        name = f"{target.id} every {expr} (jitter {int(cfg.jitter)}s)"
        soon = now + timedelta(seconds=random.uniform(0, jitter_cap(cfg.jitter, period(trig))))
        old = existing.pop(job_id(target.id), None)
        if old is not None and old.name == name and old.next_run_time is not None:
            counts["resumed"] += 1
            if type(old.trigger) is not type(trig):  # stored by an older version
                scheduler.modify_job(old.id, trigger=trig)
            if _needs_catch_up(target.id, old.next_run_time, period(trig), last, lost, now):
                scheduler.modify_job(old.id, next_run_time=soon)
                counts["catch_up"] += 1
            continue
        first = soon if old is None else trig.get_next_fire_time(None, now)
        counts["added" if old is None else "changed"] += 1
        scheduler.add_job(func, trig, args=[target.id], id=job_id(target.id), name=name,
                          replace_existing=True, next_run_time=first)
    for job in existing.values():
        if job.id.startswith(JOB_PREFIX):
            _remove(scheduler, job.id, counts)
    return counts


def _needs_catch_up(doc: str, next_run: datetime, seconds: float, last: Mapping[str, datetime],
                    lost: set[str], now: datetime) -> bool:
    checked = last.get(doc)
    return (doc in lost or next_run <= now or checked is None
            or (now - checked).total_seconds() >= seconds)


def _remove(scheduler: Any, jid: str, counts: Counter[str]) -> None:
    from apscheduler.jobstores.base import JobLookupError

    try:
        scheduler.remove_job(jid)
        counts["removed"] += 1
    except JobLookupError:
        pass
