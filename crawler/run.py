"""Entry points: run the policy spider once (blocking) or inside a running reactor.

Twisted's reactor cannot be restarted, so :func:`crawl` can run once per process
(the CLI's one-shot ``policywatch check``); a long-lived daemon creates one
``CrawlerRunner`` and calls :func:`crawl_deferred` for each round.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess, CrawlerRunner
from scrapy.settings import Settings
from twisted.internet.defer import Deferred

from crawler import settings as default_settings
from crawler.items import FetchResult
from crawler.spiders.policy import PolicySpider, Validators
from crawler.targets import Target

logger = logging.getLogger(__name__)

Sink = Callable[[FetchResult], None]

#: Overrides for tests and local demos: no politeness delays, quick give-up.
FAST_SETTINGS: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_TIMEOUT": 2,
    "RETRY_TIMES": 1,
    "POLICYWATCH_RETRY_BACKOFF_BASE": 0.1,
    "POLICYWATCH_RETRY_BACKOFF_MAX": 0.5,
    "LOG_LEVEL": "WARNING",
}


def make_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """PolicyWatch's Scrapy settings (``crawler.settings``, with the ``allow_private_targets``
    setting) with ``overrides`` applied."""
    import config

    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("POLICYWATCH_ALLOW_PRIVATE_TARGETS", config.get("allow_private_targets"),
                 priority="project")
    if overrides:
        settings.update(dict(overrides), priority="cmdline")
    return settings


def install_reactor(settings: Settings | None = None) -> Any:
    """Install the reactor Scrapy's settings name (once per process) and return it: a long-lived
    process that runs :func:`crawl_deferred` calls this before importing the reactor."""
    import sys

    if "twisted.internet.reactor" not in sys.modules:
        from scrapy.utils.reactor import install_reactor as install

        install((settings or make_settings())["TWISTED_REACTOR"])
    from twisted.internet import reactor

    return reactor


def _spider_kwargs(targets: Sequence[Target], validators: Validators | None) -> dict[str, Any]:
    return {"targets": list(targets), "validators": dict(validators or {})}


def crawl(
    targets: Sequence[Target],
    sink: Sink,
    validators: Validators | None = None,
    settings: Mapping[str, Any] | None = None,
    on_crawler: Callable[[Crawler], None] | None = None,
) -> None:
    """Check every target once and give each result to ``sink``; blocks until done.

    ``on_crawler`` is handed the crawler before it starts (a caller that may end the crawl
    early keeps it and calls ``crawler.stop()``). Starts (and stops) the Twisted reactor:
    call at most once per process. Scrapy installs no log handler of its own: the caller's
    logging setup (one handler) shows its lines.
    """
    merged = make_settings({"LOG_INSTALL_ROOT_HANDLER": False, **(settings or {}),
                            "POLICYWATCH_SINK": sink})
    process = CrawlerProcess(merged)
    crawler = process.create_crawler(PolicySpider)
    if on_crawler is not None:
        on_crawler(crawler)
    process.crawl(crawler, **_spider_kwargs(targets, validators))
    process.start()


def crawl_deferred(
    runner: CrawlerRunner,
    targets: Sequence[Target],
    sink: Sink,
    validators: Validators | None = None,
) -> Deferred[None]:
    """Schedule one round of checks on a running reactor; fires when the round ends.

    ``runner`` should be built with :func:`make_settings` (e.g.
    ``CrawlerRunner(make_settings())``); ``sink`` is set for this round only.
    """
    crawler = runner.create_crawler(PolicySpider)
    crawler.settings.set("POLICYWATCH_SINK", sink, priority="cmdline")
    return runner.crawl(crawler, **_spider_kwargs(targets, validators))
