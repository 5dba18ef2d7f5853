"""The reactor's DNS resolver: Scrapy's caching one, refusing non-public answers for the names
of the documents.

Scrapy's download handler connects through the reactor's resolver (``getHostByName``), so a
resolver that refuses non-public answers checks the very address each connection uses: a name
that resolves to a public address when :class:`~crawler.middlewares.PublicAddressMiddleware`
looks and to 169.254.169.254 when the download connects (DNS rebinding) gets no address at all,
and the download fails as a DNS failure. Only the names the middleware judged are *guarded* so:
an egress proxy (a name only the proxy settings give) may well be on a private network.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred

from config.addresses import check_resolved

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)


class PublicOnlyResolver(CachingThreadedResolver):
    """``CachingThreadedResolver`` whose answers must be public addresses, unless
    ``POLICYWATCH_ALLOW_PRIVATE_TARGETS`` (then it is Scrapy's resolver unchanged)."""

    def __init__(self, reactor: Any, cache_size: int, timeout: float, allow_private: bool) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.allow_private = allow_private
        self.guarded: set[str] = set()

    def guard(self, name: str) -> None:
        """From now on, refuse any answer for ``name`` that is not a public address."""
        self.guarded.add(name.lower())

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> Self:
        settings = crawler.settings
        size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, size, settings.getfloat("DNS_TIMEOUT"),
                   settings.getbool("POLICYWATCH_ALLOW_PRIVATE_TARGETS"))

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802 - Twisted's name
        answer = super().getHostByName(name, timeout)
        if not self.allow_private and name.lower() in self.guarded:
            answer.addCallback(self._public, name)
        return answer

    @staticmethod
    def _public(address: str, name: str) -> str:
        check_resolved(name, [address])
        return address


def ensure_installed(crawler: Crawler) -> PublicOnlyResolver:
    """The reactor's :class:`PublicOnlyResolver`, installed unless one is there already.

    ``policywatch check`` (a ``CrawlerProcess``) installs it from ``TWISTED_DNS_RESOLVER``; a
    ``CrawlerRunner`` (the daemon) installs no resolver, so it is installed here, without a
    cache: Scrapy's DNS cache never expires, and a daemon lives for months.
    """
    from twisted.internet import reactor  # the installed one, imported late

    current = getattr(reactor, "resolver", None)
    if isinstance(current, PublicOnlyResolver):
        return current
    settings = crawler.settings
    resolver = PublicOnlyResolver(reactor, 0, settings.getfloat("DNS_TIMEOUT"),
                                  settings.getbool("POLICYWATCH_ALLOW_PRIVATE_TARGETS"))
    resolver.install_on_reactor()
    logger.debug("installed the public-only DNS resolver (no cache)")
    return resolver
