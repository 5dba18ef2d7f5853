"""Backfill a declared document from the Wayback Machine, oldest capture first.

The captures the CDX API lists (archive/wayback.py) become one target each, the declared
document at the capture's ``id_`` URL, and the crawler's own spider fetches them in one crawl:
the same politeness (one request at a time per host, delays, AutoThrottle, retries with back-off),
block detection and extraction as a live check. Results are recorded strictly in capture order
(archive/recording.py), each in its own transaction; a transient failure stops the run there,
so the next run starts again from that capture.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from archive.recording import CaptureLine, CaptureRef, record_failure, record_text
from archive.wayback import WaybackCapture, list_captures
from store import Store
from store.archive import ArchivedText, seen_keys
from store.models import Document
from store.record import sync_documents

log = logging.getLogger(__name__)

SOURCE = "wayback"
#: Outcomes that end a backfill run: the capture may be had later, so it is not recorded.
STOPPING = ("transient", "robots_disallowed")
#: Scrapy settings of a backfill crawl: oldest capture first (results are reordered anyway);
#: no browser retry of a wall, which is in the capture itself.
BACKFILL_SETTINGS = {"SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
                     "SCHEDULER_START_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
                     "POLICYWATCH_BROWSER_RETRY": False}


@dataclass
class BackfillReport:
    """What a run did: captures listed, already recorded before, and this run's lines."""

    document: str
    listed: int = 0
    known: int = 0
    lines: list[CaptureLine] = field(default_factory=list)
    stopped: str | None = None


def capture_target(target: Any, capture: WaybackCapture, base_url: str) -> Any:
    """The declared document as archived by one capture: same selectors, filters and checks."""
    return target.model_copy(update={
        "id": f"{target.id}#{capture.timestamp}", "url": capture.replay_url(base_url),
        "proxy": None, "egress": None, "fetch": "http", "robots": "obey", "robots_reason": None,
    })


class InOrder:
    """The crawl's sink: buffers results and records them in capture order, stopping at the
    first transient failure (and asking the crawler to stop)."""

    def __init__(self, store: Store, doc_id: int, captures: Sequence[WaybackCapture],
                 report: BackfillReport, progress: Callable[[CaptureLine], None]) -> None:
        self.store, self.doc_id, self.report, self.progress = store, doc_id, report, progress
        self.captures = list(captures)
        self.index = {c.timestamp: i for i, c in enumerate(self.captures)}
        self.waiting: dict[int, Any] = {}
        self.next = 0
        self.stop: Callable[[], Any] = lambda: None

    def __call__(self, fetch: Any) -> None:
        if self.report.stopped is not None:
            return
        self.waiting[self.index[fetch.target_id.rsplit("#", 1)[1]]] = fetch
        while self.next in self.waiting and self.report.stopped is None:
            self._record(self.captures[self.next], self.waiting.pop(self.next))
            self.next += 1

    def _record(self, capture: WaybackCapture, fetch: Any) -> None:
        ref = CaptureRef(SOURCE, capture.key, capture.captured_at, fetch.url)
        if fetch.outcome in STOPPING:
            self.report.stopped = f"capture {capture.timestamp} ({fetch.url}): {fetch.detail}"
            log.warning("backfill stopped at %s", self.report.stopped)
            self.stop()
            return
        fetch.started_at = capture.captured_at  # the version's time is the capture's
        with self.store.session() as s:
            doc = s.get(Document, self.doc_id)
            assert doc is not None
            if fetch.outcome == "fetched" and fetch.text:
                item = ArchivedText(capture.captured_at, fetch.text, "backfill", fetch.url,
                                    fetch.extractor_version)
                line = record_text(s, doc, ref, item, fetch)
            else:
                line = record_failure(s, doc, ref, fetch.outcome, fetch.detail)
        self.report.lines.append(line)
        self.progress(line)


def backfill(store: Store, target: Any, base_url: str, since: date | None = None,
             until: date | None = None, settings: dict[str, Any] | None = None,
             progress: Callable[[CaptureLine], None] = lambda _: None) -> BackfillReport:
    """List the captures of ``target`` and record those not recorded yet, oldest first.

    Raises :class:`archive.wayback.ArchiveError` when the listing cannot be had. Runs the
    crawl (and the Twisted reactor) in this process: call once per process.
    """
    from crawler.run import crawl

    report = BackfillReport(target.id)
    merged = {**BACKFILL_SETTINGS, **(settings or {})}
    captures = list_captures(base_url, target.url, since, until,
                             user_agent=_user_agent(merged))
    with store.session() as s:
        doc = sync_documents(s, [target])[target.id]
        known = seen_keys(s, doc, SOURCE)
        doc_id = doc.id
    todo = [c for c in captures if c.key not in known]
    report.listed, report.known = len(captures), len(captures) - len(todo)
    if not todo:
        return report
    sink = InOrder(store, doc_id, todo, report, progress)

    def keep(crawler: Any) -> None:
        sink.stop = lambda: _stop_soon(crawler)

    # Scrapy deep-copies its settings, the sink among them: hand it a function (copied by
    # reference), not the object holding the store.
    crawl([capture_target(target, c, base_url) for c in todo], lambda fetch: sink(fetch),
          settings=merged, on_crawler=keep)
    if report.stopped is None and sink.next < len(todo):
        report.stopped = f"{len(todo) - sink.next} capture(s) got no result"
    return report


def _stop_soon(crawler: Any) -> None:
    """Stop the crawl gracefully once the current item is handed on (requests still queued are
    dropped; their captures stay unrecorded for the next run)."""
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import reactor

    reactor.callLater(0, lambda: deferred_from_coro(crawler.stop_async()))  # type: ignore[attr-defined,arg-type]


def _user_agent(settings: dict[str, Any]) -> str:
    from crawler.run import make_settings

    return str(make_settings(settings).get("USER_AGENT"))
