"""Schedules: a declaration's ``schedule`` (``"6h"`` or a 5-field cron line) as an APScheduler trigger.

The ``[schedule]`` table of the config file sets the defaults (all optional)::

    [schedule]
    default = "6h"          # documents whose declaration sets no schedule
    jitter = 300            # seconds of random delay per run (capped at a tenth of the period)
    misfire_grace = 21600   # a run this many seconds late is skipped, not run (coalesced anyway)
    stop_grace = 30         # seconds SIGTERM waits for the current crawl before abandoning it
    dispatch_interval = 60  # seconds between alert-outbox deliveries
    overdue_factor = 2      # `status`: a document unchecked for this many periods needs attention
    heartbeat = 30          # seconds between heartbeats; `status` calls one 3 beats old stale
    outage_reminder = 300   # seconds between "database still unreachable" lines in an outage
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

_INTERVAL = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: crontab numbers weekdays from Sunday = 0 (and 7); APScheduler 3 from Monday = 0, so use names.
_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ScheduleError(ValueError):
    """A schedule expression or a ``[schedule]`` setting is invalid. Raised by this module."""


@dataclass(frozen=True)
class ScheduleConfig:
    """The ``[schedule]`` table, with defaults."""

    default: str = "6h"
    jitter: float = 300.0
    misfire_grace: float = 6 * 3600.0
    stop_grace: float = 30.0
    dispatch_interval: float = 60.0
    overdue_factor: float = 2.0
    heartbeat: float = 30.0
    outage_reminder: float = 300.0

    @classmethod
    def from_table(cls, table: dict[str, Any] | None) -> ScheduleConfig:
        table = dict(table or {})
        unknown = set(table) - set(cls.__dataclass_fields__)
        if unknown:
            raise ScheduleError(f"[schedule]: unknown key(s) {', '.join(sorted(unknown))} "
                                f"(known: {', '.join(cls.__dataclass_fields__)})")
        try:
            values: dict[str, Any] = {k: (str(v) if k == "default" else float(v))
                                      for k, v in table.items()}
            cfg = cls(**values)
        except (TypeError, ValueError) as exc:
            raise ScheduleError(f"[schedule]: {exc}") from None
        trigger(cfg.default)  # validate early
        return cfg


class CatchUpOnce:
    """Trigger mixin: after a late run (a catch-up), the next run is not a few seconds later.

    APScheduler computes the next run from the last *missed* fire time, so after a downtime,
    a SIGSTOP or a database outage a coalesced catch-up could be followed, seconds later, by
    the next run of the old grid. This skips any next fire time that is less than half a
    period away from now; on time runs are unaffected.
    """

    def get_next_fire_time(self, previous_fire_time: datetime | None,
                           now: datetime) -> datetime | None:
        nxt: datetime | None = super().get_next_fire_time(  # type: ignore[misc]
            previous_fire_time, now)
        if previous_fire_time is None:
            return nxt
        while nxt is not None and nxt > now:
            after = super().get_next_fire_time(nxt, nxt)  # type: ignore[misc]
            if after is None or (nxt - now) * 2 >= after - nxt:
                break
            nxt = after
        return nxt


class IntervalSchedule(CatchUpOnce, IntervalTrigger):
    """An interval schedule (``"6h"``)."""

    __slots__ = ()


class CronSchedule(CatchUpOnce, CronTrigger):
    """A cron schedule (``"17 */6 * * *"``, UTC)."""

    __slots__ = ()


def cron_weekdays(field: str) -> str:
    """A crontab day-of-week field with numbers (Sunday = 0 or 7) rewritten as day names."""
    if not any(ch.isdigit() for ch in field):
        return field
    names: list[str] = []
    for part in field.split(","):
        rng, _, step = part.partition("/")
        if rng == "*":
            lo, hi = 0, 6
        elif "-" in rng:
            a, b = rng.split("-", 1)
            lo, hi = _day_number(a), _day_number(b)
        else:
            lo = hi = _day_number(rng)
            if step:
                hi = 6
        if hi < lo and hi == 0:  # "5-0" / "5-7": through Sunday
            hi = 7
        days = range(lo, hi + 1, int(step) if step else 1)
        names += [_CRON_DAYS[d] for d in days]
    return ",".join(dict.fromkeys(names))


def _day_number(token: str) -> int:
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token)
    if token.lower()[:3] in _CRON_DAYS:
        return _CRON_DAYS.index(token.lower()[:3])
    raise ScheduleError(f"bad day of week {token!r}")


def trigger(expr: str, jitter: float = 0.0) -> BaseTrigger:
    """The trigger of an interval (``"30m"``, ``"6h"``, ``"1d"``) or a 5-field cron line (UTC)."""
    m = _INTERVAL.match(expr.strip())
    try:
        if m:
            seconds = int(m.group(1)) * _UNITS[m.group(2)]
            if seconds <= 0:
                raise ScheduleError(f"schedule {expr!r}: interval must be positive")
            return IntervalSchedule(seconds=seconds, jitter=jitter_cap(jitter, seconds) or None,
                                   timezone=UTC)
        fields = expr.split()
        if len(fields) != 5:
            raise ScheduleError(f"schedule {expr!r} is neither an interval like '6h' "
                                f"nor a 5-field cron line")
        minute, hour, day, month, dow = fields
        cron = CronSchedule(minute=minute, hour=hour, day=day, month=month,
                            day_of_week=cron_weekdays(dow), timezone=UTC)
        cap = jitter_cap(jitter, period(cron))
        return cron if not cap else CronSchedule(minute=minute, hour=hour, day=day, month=month,
                                                 day_of_week=cron_weekdays(dow), timezone=UTC,
                                                 jitter=cap)
    except ValueError as exc:
        if isinstance(exc, ScheduleError):
            raise
        raise ScheduleError(f"schedule {expr!r}: {exc}") from None


def jitter_cap(jitter: float, period_seconds: float) -> int:
    """Jitter never exceeds a tenth of the period (a 2 s interval gets none)."""
    return int(min(jitter, period_seconds / 10))


def period(trig: BaseTrigger, now: datetime | None = None) -> float:
    """Seconds between two runs (for cron: between the next two fire times from ``now``)."""
    if isinstance(trig, IntervalTrigger):
        return trig.interval.total_seconds()
    now = now or datetime.now(UTC)
    first = trig.get_next_fire_time(None, now)
    if first is None:
        return float("inf")
    second = trig.get_next_fire_time(first, first + timedelta(seconds=1))
    return (second - first).total_seconds() if second else float("inf")


def expression(target: Any, cfg: ScheduleConfig) -> str:
    """The schedule a target runs on: its declaration's (document or platform), else the default."""
    return getattr(target, "schedule", None) or cfg.default
