"""The daemon's heartbeat: a row in the ``heartbeats`` table, rewritten every beat.

The lock says a daemon process exists; the heartbeat says it still works: a daemon stopped by
SIGSTOP, or hung, keeps its lock but stops beating, and ``status`` calls a beat older than
:data:`STALE_BEATS` intervals stale. The row also lists the documents queued or crawling, so a
daemon killed mid-check gives them a catch-up check at its next start. See docs/decisions.md.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import inspect

from store.models import Heartbeat

NAME = "daemon"
#: A heartbeat older than this many intervals is stale: the daemon is hung or stopped.
STALE_BEATS = 3


@dataclass(frozen=True)
class Beat:
    """The last heartbeat as ``status`` reads it."""

    pid: int
    host: str
    started_at: datetime
    beat_at: datetime
    interval: float
    pending: tuple[str, ...]
    stopped_at: datetime | None

    def age(self, now: datetime) -> timedelta:
        return now - self.beat_at

    def stale(self, now: datetime) -> bool:
        return self.age(now).total_seconds() > STALE_BEATS * self.interval


def write(store: Any, started_at: datetime, interval: float, pending: Iterable[str],
          stopped: bool = False) -> None:
    """Record a beat now (one small transaction); raises what the database raises."""
    now = datetime.now(UTC)
    with store.session() as s:
        row = s.get(Heartbeat, NAME)
        if row is None:
            row = Heartbeat(name=NAME)
            s.add(row)
        row.pid, row.host, row.started_at = os.getpid(), socket.gethostname(), started_at
        row.beat_at, row.interval, row.pending = now, interval, sorted(pending)
        row.stopped_at = now if stopped else None


def read(store: Any) -> Beat | None:
    """The last beat, or None when no daemon ever ran on this database."""
    if not inspect(store.engine).has_table(Heartbeat.__tablename__):
        return None
    with store.session() as s:
        row = s.get(Heartbeat, NAME)
        if row is None:
            return None
        return Beat(row.pid, row.host, row.started_at, row.beat_at, row.interval,
                    tuple(row.pending or ()), row.stopped_at)
