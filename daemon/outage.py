"""Database outages, logged as state changes: one line when it starts, one every few minutes
while it lasts, one when it ends; never a traceback per retry. An outage is the database being
unreachable, or its storage refusing writes (disk full, read-only: "cannot be written").

Everything in the daemon that touches the database (the crawl lock, the job store, the
recorder, the heartbeat, the alert dispatcher) reports here with :meth:`Outage.failed` or
:meth:`Outage.ok`; while :attr:`Outage.down`, the daemon starts no round and delivers no alert.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

from store.faults import free_bytes, storage_failed

log = logging.getLogger("policywatch.daemon")

WRITE = "cannot be written"
#: Exceptions that mean "the database cannot be reached", not "a bug".
UNREACHABLE = (OperationalError, InterfaceError, DisconnectionError)


def is_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it was raised from) says the database is unreachable."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, UNREACHABLE) or (isinstance(seen, DBAPIError)
                                             and seen.connection_invalidated):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (drivers append SQL and links below it)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class Outage:
    """The database's reachability as the daemon sees it, and the log lines it is worth."""

    def __init__(self, remind_every: float = 300.0,
                 clock: Callable[[], float] = time.monotonic,
                 room: Callable[[], bool] = lambda: True) -> None:
        self.remind_every = remind_every
        self.clock = clock
        self.room = room
        self.since: float | None = None
        self._reminded = 0.0
        self._state = "unreachable"
        self.on_recovery: list[Callable[[], None]] = []

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, where: str, exc: BaseException | str) -> None:
        """A database call failed in ``where``: log the outage once, then every few minutes."""
        now = self.clock()
        cause = exc if isinstance(exc, str) else one_line(exc)
        if self.since is None:
            self.since = self._reminded = now
            full = not isinstance(exc, str) and storage_failed(exc)
            self._state = WRITE if full else "unreachable"
            log.error("database %s (%s): %s; checks and alerts wait, retrying quietly (a "
                      "reminder every %s)", self._state, where, cause, _age(self.remind_every))
        elif now - self._reminded >= self.remind_every:
            self._reminded = now
            log.warning("database still %s after %s: %s", self._state, _age(now - self.since),
                        cause)

    def ok(self) -> None:
        """A database call succeeded: if an outage was on, log its end and run the recovery hooks.

        A storage outage (disk full) ends only once there is room again: a small write such as
        the heartbeat can still fit in space SQLite already holds."""
        if self.since is None or (self._state == WRITE and not self.room()):
            return
        lasted = self.clock() - self.since
        self.since = None
        log.warning("database %s again after %s",
                    "writable" if self._state == WRITE else "reachable", _age(lasted))
        for hook in self.on_recovery:
            hook()


def has_room(store: Any) -> bool:
    """Whether the file system of ``store``'s database file has free space (always, for a
    database server: it says so by failing or not)."""
    path = getattr(store, "path", None)
    return path is None or (free_bytes(path) or 0) > 0


def _age(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"
