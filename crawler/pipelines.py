"""Item pipeline: a thin adapter that hands each FetchResult to the configured sink.

The sink runs in one writer thread, off the reactor, in arrival order: recording (database
writes) never stalls fetching. A sink with a ``flush()`` attribute is flushed once
``POLICYWATCH_SINK_BATCH`` items went in or ``POLICYWATCH_SINK_LINGER`` seconds after the first
item since the last flush, and at the end, so it can record in batches.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread

from crawler.errors import SinkStopped
from crawler.items import FetchResult

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

Sink = Callable[[FetchResult], None]
_STOP = object()


class SinkPipeline:
    """Call ``POLICYWATCH_SINK(result)`` for every result; off when no sink is set.

    A failing sink is logged and counted (``policywatch/sink_errors``) and never stops
    the crawl; the item still continues down the pipeline, except that a sink raising
    :class:`~crawler.errors.SinkStopped` ends the crawl (and is given nothing more). Each item's Deferred fires once
    the sink has taken it (and flushed it, for a batching sink), so Scrapy's own limits on
    items in flight hold memory.
    """

    def __init__(self, sink: Sink, crawler: Crawler, batch: int = 100, linger: float = 0.5) -> None:
        self.sink = sink
        self.crawler = crawler
        self.batch = max(1, batch)
        self.linger = linger
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopped = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        sink = crawler.settings.get("POLICYWATCH_SINK")
        if sink is None:
            raise NotConfigured("POLICYWATCH_SINK is not set")
        if isinstance(sink, str):
            sink = load_object(sink)
        if not callable(sink):
            raise NotConfigured(f"POLICYWATCH_SINK is not callable: {sink!r}")
        return cls(sink, crawler, crawler.settings.getint("POLICYWATCH_SINK_BATCH", 100),
                   crawler.settings.getfloat("POLICYWATCH_SINK_LINGER", 0.5))

    def open_spider(self, spider: Any = None) -> None:
        self._thread = threading.Thread(target=self._write, name="policywatch-sink", daemon=True)
        self._thread.start()

    async def close_spider(self, spider: Any = None) -> None:
        self._queue.put(_STOP)
        if self._thread is not None:
            await maybe_deferred_to_future(deferToThread(self._thread.join))

    async def process_item(self, item: FetchResult) -> FetchResult:
        from twisted.internet import reactor

        done: Deferred[FetchResult] = Deferred()
        self._queue.put((item, lambda: reactor.callFromThread(done.callback, item)))  # type: ignore[attr-defined]
        return await maybe_deferred_to_future(done)

    # --- the writer thread ------------------------------------------------------------

    def _write(self) -> None:
        waiting: list[Callable[[], None]] = []
        deadline = 0.0
        while True:
            try:
                entry = self._queue.get(timeout=max(0.0, deadline - time.monotonic()) if waiting else None)
            except queue.Empty:
                entry = None
            if entry is not None and entry is not _STOP:
                item, fire = entry
                self._take(item)
                waiting.append(fire)
                if len(waiting) == 1:
                    deadline = time.monotonic() + self.linger
                if len(waiting) < self.batch:
                    continue
            self._flush()
            for fire in waiting:
                fire()
            waiting = []
            if entry is _STOP:
                return

    def _take(self, item: FetchResult) -> None:
        if self._stopped:
            return
        try:
            self.sink(item)
        except SinkStopped as exc:
            self._stop(exc)
        except Exception:
            logger.exception("sink failed for %s (%s)", item.target_id, item.outcome)
            self._count_error()

    def _flush(self) -> None:
        flush = getattr(self.sink, "flush", None)
        if flush is None:
            return
        if self._stopped:
            return
        try:
            flush()
        except SinkStopped as exc:
            self._stop(exc)
        except Exception:
            logger.exception("sink flush failed")
            self._count_error()

    def _stop(self, exc: SinkStopped) -> None:
        """End the crawl: the sink takes no more results."""
        from scrapy.utils.defer import deferred_from_coro
        from twisted.internet import reactor

        self._stopped = True
        self._count_error()
        logger.info("crawl stopped: the sink takes no more results: %s", exc)
        engine = self.crawler.engine
        reactor.callFromThread(  # type: ignore[attr-defined]
            lambda: deferred_from_coro(engine.close_spider_async(reason="sink_stopped")))

    def _count_error(self) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("policywatch/sink_errors")
