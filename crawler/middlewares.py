"""Downloader middlewares: Scrapy's own, with two small extensions.

- :class:`PolicyRobotsTxtMiddleware` reports a robots.txt refusal as a typed
  :class:`~crawler.errors.RobotsDisallowed` and lets each request decide whether
  robots.txt applies (``meta["dont_obey_robotstxt"]``, set by the spider from the
  target's ``obey_robots`` or the ``ROBOTSTXT_OBEY`` setting).
- :class:`BackoffRetryMiddleware` is Scrapy's RetryMiddleware with an exponential
  delay before each retry.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.settings import Settings
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from crawler.errors import RobotsDisallowed

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

RETRY_DELAY_META = "policywatch_retry_delay"


class _ObeyingView:
    """The crawler as seen by RobotsTxtMiddleware's constructor: ROBOTSTXT_OBEY on.

    Per-request ``dont_obey_robotstxt`` then decides; the spider sets it from the
    target's ``obey_robots`` (default: the real ``ROBOTSTXT_OBEY``).
    """

    def __init__(self, crawler: Crawler) -> None:
        self._crawler = crawler
        self.settings = _Obeying(crawler.settings)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._crawler, name)


class _Obeying:
    """Settings read through, but for ROBOTSTXT_OBEY (no copy: the sink may not be copyable)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def getbool(self, name: str, default: bool = False) -> bool:
        return True if name == "ROBOTSTXT_OBEY" else self._settings.getbool(name, default)

    def __getitem__(self, name: str) -> Any:
        return self._settings[name]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._settings, name)


class PolicyRobotsTxtMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware that raises :class:`RobotsDisallowed` and is always on."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(_ObeyingView(crawler))  # type: ignore[arg-type]
        self.crawler = crawler

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        try:
            super().process_request_2(rp, request)
        except RobotsDisallowed:
            raise
        except IgnoreRequest as exc:
            agent = self._robotstxt_useragent or self._default_useragent
            raise RobotsDisallowed(f"robots.txt disallows {request.url} for {agent!r}") from exc


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry transient failures after ``base * 2**(n-1)`` seconds (capped)."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("POLICYWATCH_RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("POLICYWATCH_RETRY_BACKOFF_MAX", 60.0)

    def _retry(self, request: Request, reason: Any) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None:
            attempt = int(retry.meta.get("retry_times", 1))
            delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
            retry.meta[RETRY_DELAY_META] = delay
            retry.meta["policywatch_retry_reason"] = str(reason)
        return retry

    async def process_request(self, request: Request) -> None:
        """Wait out the back-off of a retried request before it enters the download slot."""
        delay = request.meta.pop(RETRY_DELAY_META, None)
        if delay:
            from twisted.internet import reactor  # the installed one, imported late

            logger.debug("backing off %.2fs before retrying %s", delay, request)
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
