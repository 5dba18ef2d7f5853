"""Database outages, logged as state changes: one line when it starts, one every few minutes
while it lasts, one when it ends; never a traceback per retry.

Everything in the daemon that touches the database (the crawl lock, the job store, the
recorder, the heartbeat, the alert dispatcher) reports here with :meth:`Outage.failed` or
:meth:`Outage.ok`; while :attr:`Outage.down`, the daemon starts no round and delivers no alert.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

log = logging.getLogger("policywatch.daemon")

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
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.remind_every = remind_every
        self.clock = clock
        self.since: float | None = None
        self._reminded = 0.0
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
            log.error("database unreachable (%s): %s; checks and alerts wait, retrying "
                      "quietly (a reminder every %s)", where, cause, _age(self.remind_every))
        elif now - self._reminded >= self.remind_every:
            self._reminded = now
            log.warning("database still unreachable after %s: %s", _age(now - self.since), cause)

    def ok(self) -> None:
        """A database call succeeded: if an outage was on, log its end and run the recovery hooks."""
        if self.since is None:
            return
        lasted = self.clock() - self.since
        self.since = None
        log.warning("database reachable again after %s", _age(lasted))
        for hook in self.on_recovery:
            hook()


def _age(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"
