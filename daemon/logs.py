"""Log lines a person can read and a machine can parse.

``text``: ``2025-01-01T12:00:00Z INFO ingest: check document=x outcome=unchanged duration_ms=41``.
``json``: one object per line with ``time``, ``level``, ``logger``, ``message`` and every
``key=value`` pair of the message as a field (``{"document": "x", "outcome": "unchanged", ...}``).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import warnings
from typing import Any

_PAIR = re.compile(r"(?:^|\s)([a-z_]+)=('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\S+)")
_RESERVED = {"time", "level", "logger", "message", "exception"}


def fields(message: str) -> dict[str, Any]:
    """The ``key=value`` pairs of a log message; quoted values unquoted, integers as ints."""
    out: dict[str, Any] = {}
    for key, raw in _PAIR.findall(message):
        if key in _RESERVED:
            continue
        value: Any = raw
        if raw[:1] in "'\"" and raw[-1:] == raw[:1] and len(raw) >= 2:
            value = raw[1:-1].replace("\\" + raw[0], raw[0])
        elif re.fullmatch(r"-?\d+", raw):
            value = int(raw)
        out[key] = value
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        data: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": message,
            **fields(message),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    converter = time.gmtime  # type: ignore[assignment]  # UTC timestamps

    def __init__(self) -> None:
        super().__init__("%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s",
                         "%Y-%m-%dT%H:%M:%S")


#: Loggers that are chatty at INFO; the daemon keeps them at WARNING unless -v.
QUIET = {"scrapy": logging.WARNING, "scrapy-playwright": logging.WARNING,
         "twisted": logging.WARNING, "apscheduler": logging.WARNING,
         "alembic": logging.WARNING, "py.warnings": logging.WARNING,
         # the spider logs every non-200 (even a 304) at WARNING; ingest's check line says it all
         "crawler": logging.ERROR}
#: Lines another line already says: Scrapy's "Gave up retrying" (the check line names the cause).
REDUNDANT = {"scrapy.downloadermiddlewares.retry": logging.CRITICAL}
#: PolicyWatch's own loggers (top-level package names); every other logger is a library's.
OWN = {"policywatch", "ingest", "crawler", "alerts", "daemon", "store", "changes", "extract",
       "cli", "web", "config", "scheduler", "demo"}


class Threshold(logging.Filter):
    """Lets a record through by its logger: ``own`` for PolicyWatch's, ``library`` for the rest,
    with the :data:`QUIET` exceptions. A filter on the one handler, not logger levels: Scrapy's
    ``CrawlerProcess`` resets the ``scrapy`` logger to DEBUG when it starts."""

    def __init__(self, own: int, library: int, quiet: dict[str, int] | None = None) -> None:
        super().__init__()
        self.own, self.library, self.quiet = own, library, quiet or {}

    def level_for(self, name: str) -> int:
        matches = [p for p in self.quiet if name == p or name.startswith(p + ".")]
        if matches:
            return self.quiet[max(matches, key=len)]
        return self.own if name.split(".", 1)[0] in OWN else self.library

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level_for(record.name)


def setup(fmt: str = "text", verbose: int = 0, *, own: int = logging.INFO,
          quiet: bool = False, stream: Any = None) -> logging.Handler:
    """Log to stderr in ``fmt`` (text or json) through one handler.

    PolicyWatch's loggers at ``own`` (INFO), libraries at WARNING; ``-v`` shows libraries'
    INFO (Scrapy's own lines), ``-vv`` everything at DEBUG; ``quiet`` only errors.
    """
    if fmt not in ("text", "json"):
        raise ValueError(f"log format {fmt!r}: use text or json")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    if quiet:
        handler.addFilter(Threshold(logging.ERROR, logging.ERROR, REDUNDANT))
    elif verbose:
        level = logging.DEBUG if verbose >= 2 else logging.INFO
        handler.addFilter(Threshold(min(own, level), level))
    else:
        handler.addFilter(Threshold(own, logging.WARNING, {**QUIET, **REDUNDANT}))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.NOTSET)
    logging.captureWarnings(True)
    warnings.simplefilter("once")  # a deprecation repeated every crawl round is said once
    return handler
