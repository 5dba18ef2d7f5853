"""Signals that arrive before the daemon is ready: remembered, then acted on, never fatal.

``policywatch run`` calls :func:`install` first thing, before its heavy imports (Scrapy,
Twisted, SQLAlchemy take about a second), so a SIGTERM in that second no longer kills it with
status 143: the daemon sees it with :func:`take` once it can stop cleanly, and exits 0.
"""

from __future__ import annotations

import signal
from types import FrameType

SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_received: list[int] = []


def _remember(signum: int, _frame: FrameType | None) -> None:
    _received.append(signum)


def is_run(argv: list[str]) -> bool:
    """Whether a ``policywatch`` command line runs the daemon (its first word is ``run``)."""
    words = [a for a in argv if not a.startswith("-")]
    return words[:1] == ["run"]


def install() -> None:
    """Remember SIGTERM, SIGINT and SIGHUP instead of dying of them."""
    for sig in SIGNALS:
        signal.signal(sig, _remember)


def take() -> list[int]:
    """The signals received since :func:`install` (or the last call), oldest first."""
    out = list(_received)
    _received.clear()
    return out


def wants_stop(signals: list[int]) -> bool:
    return any(s in (signal.SIGTERM, signal.SIGINT) for s in signals)
