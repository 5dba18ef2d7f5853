"""robots.txt, fetched once per host and crawl, judged for every request that obeys it.

Why not Scrapy's ``RobotsTxtMiddleware``: requests that arrive while robots.txt is still
downloading all await one shared ``Deferred``. The first waiter's callback consumes its
result, so every later waiter is released with ``None`` and goes out unchecked: with a
``Disallow: /`` robots.txt, whether a page was fetched depended on timing (see
docs/decisions.md). Here each waiter gets its own Deferred from :class:`Shared`.

What a robots.txt answer means follows RFC 9309 section 2.3.1: 2xx is parsed; 4xx means
there are no rules; anything else (5xx, 429, LinkedIn's 999, a network error) means the
rules are unknown, and nothing is fetched: the request fails with
:class:`~crawler.errors.RobotsUnavailable` (a transient outcome).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred, succeed

from crawler.errors import RobotsDisallowed, RobotsUnavailable

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

T = TypeVar("T")


class Shared(Generic[T]):
    """One result that many callers wait for; each gets its own Deferred, fired in order."""

    def __init__(self) -> None:
        self._waiters: list[Deferred[T]] = []
        self._done = False
        self._value: T | None = None

    def wait(self) -> Deferred[T]:
        if self._done:
            return succeed(self._value)  # type: ignore[arg-type]
        waiter: Deferred[T] = Deferred()
        self._waiters.append(waiter)
        return waiter

    def set(self, value: T) -> None:
        self._done, self._value = True, value
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            waiter.callback(value)


@dataclass(frozen=True)
class Rules:
    """What one robots.txt says: a parser, no rules at all, or unknown (``problem``)."""

    url: str
    parser: RobotParser | None = None
    problem: str | None = None

    def check(self, request: Request, agent: str) -> None:
        """Raise :class:`RobotsDisallowed` or :class:`RobotsUnavailable` unless ``request`` may go."""
        if self.problem is not None:
            raise RobotsUnavailable(f"{self.url} could not be read ({self.problem}); "
                                    f"not fetching {request.url} without knowing its rules")
        if self.parser is not None and not self.parser.allowed(request.url, agent):
            raise RobotsDisallowed(f"robots.txt disallows {request.url} for {agent!r}")


def robots_request(url: str, proxy: str | None, priority: int) -> Request:
    """The request for a robots.txt, through the same proxy as the page it guards."""
    meta: dict[str, object] = {"dont_obey_robotstxt": True}
    if proxy:
        meta["proxy"] = proxy
    return Request(url, priority=priority, meta=meta, callback=NO_CALLBACK, dont_filter=True)


def judge(crawler: Crawler, parser_class: type[RobotParser], url: str, response: Response) -> Rules:
    """Rules from a robots.txt response, per RFC 9309 section 2.3.1."""
    if 200 <= response.status < 300:
        return Rules(url, parser=build_from_crawler(parser_class, crawler, response.body))
    if 400 <= response.status < 500 and response.status != 429:
        return Rules(url)  # "unavailable": no rules
    return Rules(url, problem=f"HTTP {response.status}")
