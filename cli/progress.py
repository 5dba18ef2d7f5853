"""What `policywatch check` shows while it crawls: one line per document, and on a terminal a
progress bar below them. Off a terminal (cron, a pipe) the same lines, plain; ``quiet`` shows
only the documents whose fetch failed. Any command that checks documents can use it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any, TextIO

OK = ("new_version", "unchanged")
BAR_WIDTH = 30
#: Detail fragments that mean the fetch never reached a server (no network, no DNS).
UNREACHABLE = ("DNS lookup failed", "connection refused", "No route to host",
               "Network is unreachable", "timeout")


def line_text(done: int, total: int, line: Any) -> str:
    extra = f" - {line.detail}" if line.detail else ""
    return f"[{done}/{total}] {line.slug}: {line.outcome} ({line.duration_ms} ms){extra}"


def bar_text(done: int, total: int) -> str:
    filled = BAR_WIDTH * done // total if total else BAR_WIDTH
    return f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} documents"


class Progress:
    """Call with each CheckLine as it is recorded; :meth:`close` at the end."""

    def __init__(self, total: int, *, quiet: bool = False, stream: TextIO | None = None,
                 tty: bool | None = None) -> None:
        self.total, self.quiet = total, quiet
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.done = 0
        self._bar = False

    def __call__(self, line: Any) -> None:
        self.done += 1
        if self.quiet and line.outcome in OK:
            return
        self._write(line_text(self.done, self.total, line) + "\n")

    def _write(self, text: str) -> None:
        if self.tty and not self.quiet:
            self.stream.write("\r\x1b[K" + text + bar_text(self.done, self.total))
            self._bar = True
        else:
            self.stream.write(text)
        self.stream.flush()

    def start(self) -> None:
        if self.tty and not self.quiet and self.total:
            self._write("")
            for handler in logging.getLogger().handlers:
                handler.addFilter(self._clear_for_log)

    def _clear_for_log(self, record: logging.LogRecord) -> bool:
        """A log line about to be written: clear the bar first (the next line redraws it)."""
        self._clear()
        return True

    def _clear(self) -> None:
        if self._bar:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._bar = False

    def close(self) -> None:
        """Clear the bar (the lines stay)."""
        self._clear()
        for handler in logging.getLogger().handlers:
            handler.removeFilter(self._clear_for_log)


def no_network(lines: Sequence[Any]) -> str | None:
    """A one-line diagnosis when every fetch failed before reaching any server, else None."""
    if not lines or any(ln.outcome in OK for ln in lines):
        return None
    if not all(any(u in (ln.detail or "") for u in UNREACHABLE) for ln in lines):
        return None
    return (f"no network? all {len(lines)} fetches failed before reaching a server "
            f"(e.g. {lines[0].slug}: {lines[0].detail})")
