"""A downloader middleware for tests: marks each request's host as judged, as
PublicAddressMiddleware does once a name answered with a public address, without resolving it:
what a DNS-rebinding name looks like when the download connects."""

from __future__ import annotations

from scrapy.http import Request
from scrapy.utils.httpobj import urlparse_cached


class GuardWithoutChecking:
    def process_request(self, request: Request) -> None:
        from twisted.internet import reactor

        reactor.resolver.guard(urlparse_cached(request).hostname or "")  # type: ignore[attr-defined]
