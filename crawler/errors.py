"""Errors of the crawl stage."""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest


class RobotsDisallowed(IgnoreRequest):
    """robots.txt forbids the URL for our user agent.

    Raised by :class:`crawler.middlewares.PolicyRobotsTxtMiddleware`; the spider's
    errback reports it as the outcome ``robots_disallowed``.
    """
