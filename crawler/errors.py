"""Errors of the crawl stage."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest


class SinkStopped(Exception):
    """Raised by a sink that can take no more results (the database can no longer be written):
    :class:`crawler.pipelines.SinkPipeline` ends the crawl, quietly (the caller says why)."""


class RobotsDisallowed(IgnoreRequest):
    """robots.txt forbids the URL for our user agent.

    Raised by :class:`crawler.middlewares.RobotsPolicyMiddleware`; the spider's
    errback reports it as the outcome ``robots_disallowed``.
    """


class RobotsUnavailable(IgnoreRequest):
    """robots.txt could not be read (5xx, 429, a block status or a network error), so
    whether the URL may be fetched is unknown and it is not fetched.

    Raised by :class:`crawler.middlewares.RobotsPolicyMiddleware`; the spider's errback
    reports it as a ``transient`` outcome.
    """


class BrowserError(Exception):
    """A browser fetch failed (navigation error, timeout, crashed page).

    Raised by :class:`crawler.browser.BrowserFetchMiddleware` in place of Playwright's own
    multi-line errors; the spider's errback reports it as ``transient``.
    """


class BrowserUnavailable(BrowserError):
    """The browser cannot be started: Chromium is not installed or does not launch.

    Raised by :class:`crawler.browser.LazyChromium` on the first browser request of a crawl.
    """


class PrivateTargetRefused(IgnoreRequest):
    """A request's host is, or resolves to, an address that is not public (loopback, private,
    link-local such as 169.254.169.254, ...) and ``allow_private_targets`` is off.

    Raised by :class:`crawler.middlewares.PublicAddressMiddleware` for the first request and
    every redirect hop; the spider's errback reports it as a ``structural`` outcome.
    """
