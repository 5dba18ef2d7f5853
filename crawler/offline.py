"""No network, no waiting: a DNS failure before any server has answered is not retried.

On a machine without network every lookup fails at once, and retrying each one with back-off
(2 + 4 + 8 s, behind the per-domain download delay) turned 12 failed fetches into five minutes.
Until the first response of a crawl, a failed DNS lookup is final (the next check tries again)
and the download delay of the waiting requests is dropped: there is no server to be polite to.
Once any server has answered, DNS failures are retried as usual.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.http import Response
from twisted.internet.error import DNSLookupError

try:
    from scrapy.exceptions import CannotResolveHostError
except ImportError:  # older Scrapy
    CannotResolveHostError = DNSLookupError  # type: ignore[misc, assignment]

log = logging.getLogger(__name__)
DNS_ERRORS = (DNSLookupError, CannotResolveHostError)


class NoNetworkMiddleware:
    """Downloader middleware; its ``process_exception`` runs before the retry middleware's."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.answered = False
        self.down = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> NoNetworkMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        self.answered = True
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if self.answered or not isinstance(exception, DNS_ERRORS):
            return None
        request.meta["dont_retry"] = True
        if not self.down:
            self.down = True
            log.warning("DNS lookup failed and no server has answered yet: no network? "
                        "not retrying lookups, no download delay (%s)", exception)
            self._no_delays()
        return None

    def _no_delays(self) -> None:
        downloader = getattr(self.crawler.engine, "downloader", None)
        for slot in getattr(downloader, "slots", {}).values():
            slot.delay = 0
