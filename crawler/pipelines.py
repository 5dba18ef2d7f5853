"""Item pipeline: a thin adapter that hands each FetchResult to the configured sink."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object

from crawler.items import FetchResult

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

Sink = Callable[[FetchResult], None]


class SinkPipeline:
    """Call ``POLICYWATCH_SINK(result)`` for every result; off when no sink is set.

    A failing sink is logged and counted (``policywatch/sink_errors``) and never stops
    the crawl; the item still continues down the pipeline.
    """

    def __init__(self, sink: Sink, crawler: Crawler) -> None:
        self.sink = sink
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        sink = crawler.settings.get("POLICYWATCH_SINK")
        if sink is None:
            raise NotConfigured("POLICYWATCH_SINK is not set")
        if isinstance(sink, str):
            sink = load_object(sink)
        if not callable(sink):
            raise NotConfigured(f"POLICYWATCH_SINK is not callable: {sink!r}")
        return cls(sink, crawler)

    def process_item(self, item: FetchResult) -> FetchResult:
        try:
            self.sink(item)
        except Exception:
            logger.exception("sink failed for %s (%s)", item.target_id, item.outcome)
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("policywatch/sink_errors")
        return item
