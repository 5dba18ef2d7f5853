"""The daemon's alert delivery: the outbox dispatcher in a worker thread, one pass at a time.

A pass is asked for every ``dispatch_interval`` seconds and after each round with news; a call
while one runs asks for one more pass after it (never two at once). During a database outage
no pass starts (the outage says why); :meth:`Delivery.flush` runs one last pass on the way out.
"""

from __future__ import annotations

import logging
from typing import Any

from daemon.outage import Outage, is_unreachable

log = logging.getLogger("policywatch.daemon")


class Delivery:
    def __init__(self, reactor: Any, dispatcher: Any, outage: Outage) -> None:
        self.reactor, self.dispatcher, self.outage = reactor, dispatcher, outage
        self._running: Any = None
        self._again = False

    def __call__(self, even_if_down: bool = False) -> Any:
        """Deliver the outbox in a worker thread; returns a Deferred firing when done."""
        from twisted.internet.defer import succeed
        from twisted.internet.threads import deferToThreadPool

        if self.dispatcher is None or (self.outage.down and not even_if_down):
            return succeed(None)
        if self._running is not None:
            self._again = True
            return self._running
        self._again = False
        d = deferToThreadPool(self.reactor, self.reactor.getThreadPool(), self.dispatcher.run_once)
        self._running = d
        d.addCallbacks(self._done, self._failed)
        return d

    def flush(self) -> Any:
        """One more pass after the running one (if any): the outbox on the way out."""
        d = self(even_if_down=True)
        if self._running is not None:
            self._again = True
        return d

    def _done(self, stats: Any) -> Any:
        self._running = None
        if stats:
            log.info("alerts dispatch %s", " ".join(f"{k}={v}" for k, v in sorted(stats.items())))
        if self._again:
            return self()
        return None

    def _failed(self, failure: Any) -> None:
        self._running = None
        if is_unreachable(failure.value):
            self.outage.failed("alert dispatch", failure.value)
            return
        log.error("alerts dispatch failed: %s", failure.getErrorMessage(),
                  exc_info=(failure.type, failure.value, failure.getTracebackObject()))
