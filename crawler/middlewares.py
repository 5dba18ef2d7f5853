"""Downloader middlewares: public addresses only, our robots.txt policy, and Scrapy's retries
with a back-off.

- :class:`PublicAddressMiddleware` refuses a request (the first and every redirect hop) whose
  host is or resolves to an address that is not public, unless private targets are allowed.
- :class:`RobotsPolicyMiddleware` replaces Scrapy's RobotsTxtMiddleware: race-free,
  a refusal is a typed :class:`~crawler.errors.RobotsDisallowed`, and each request
  says whether robots.txt applies (``meta["dont_obey_robotstxt"]``, set by the spider
  from the target's declared ``robots`` policy).
- :class:`BackoffRetryMiddleware` is Scrapy's RetryMiddleware with an exponential
  delay before each retry, which also retries a 429 (rate limited) after its Retry-After,
  up to a cap (Scrapy's own neither retries a 429 here nor reads Retry-After).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.request import getproxies, proxy_bypass
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import load_object
from twisted.internet.task import deferLater

from config.addresses import PrivateAddressError, check_literal, check_resolved, numeric_address
from crawler.errors import PrivateTargetRefused, RobotsDisallowed
from crawler.resolver import PublicOnlyResolver, ensure_installed
from crawler.robots import Rules, Shared, judge, robots_request

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from typing_extensions import Self

logger = logging.getLogger(__name__)

RETRY_DELAY_META = "policywatch_retry_delay"
#: Request meta: why a 429 was not retried (read by the spider into the check's detail).
RATE_LIMIT_META = "policywatch_rate_limit"
TOO_MANY_REQUESTS = 429


def retry_after_seconds(value: str | bytes | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date), or None
    when it is missing or unreadable. A date in the past is 0."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def proxied(request: Request, env_proxies: bool) -> bool:
    """Whether the request goes through a proxy: an egress proxy in its meta, or (as Scrapy's
    HttpProxyMiddleware will decide, when ``env_proxies``) one from the environment. The proxy
    resolves the name, so the public-address guard does not judge it."""
    if "proxy" in request.meta:
        return bool(request.meta["proxy"])
    url = urlparse_cached(request)
    return env_proxies and url.scheme in getproxies() and not proxy_bypass(url.hostname or "")


class PublicAddressMiddleware:
    """Refuse requests to hosts that are not public (``POLICYWATCH_ALLOW_PRIVATE_TARGETS`` off).

    Every request passes here, redirect hops included (Scrapy's RedirectMiddleware hands each
    new hop back to the scheduler, so it comes through the downloader middlewares again), and
    so does robots.txt. A host written as an address (in any notation) is judged as written; a
    name is resolved through the reactor's resolver, the one the download connects with:
    :class:`~crawler.resolver.PublicOnlyResolver`, which from then on refuses non-public answers
    for that name, so a name that resolves elsewhere by the time the download connects (DNS
    rebinding) gets no address. A request through a proxy (an egress, or ``http_proxy`` in the
    environment) is not judged: the proxy resolves the name. A refusal is a
    :class:`~crawler.errors.PrivateTargetRefused` (outcome ``structural``).
    """

    def __init__(self, resolver: PublicOnlyResolver, env_proxies: bool) -> None:
        self.resolver = resolver
        self.env_proxies = env_proxies

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.getbool("POLICYWATCH_ALLOW_PRIVATE_TARGETS"):
            raise NotConfigured  # no message: Scrapy would log one warning per crawl
        return cls(ensure_installed(crawler), crawler.settings.getbool("HTTPPROXY_ENABLED"))

    async def process_request(self, request: Request) -> None:
        url = urlparse_cached(request)
        host = url.hostname
        if url.scheme not in ("http", "https") or not host or proxied(request, self.env_proxies):
            return
        try:
            if numeric_address(host) is not None:
                check_literal(host)
            else:
                from twisted.internet import reactor  # the installed one, imported late

                self.resolver.guard(host)  # checked here, and again when the download connects
                address = await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined,arg-type]
                check_resolved(host, [address])
        except PrivateAddressError as exc:
            raise PrivateTargetRefused(f"refused {request.url}: {exc}") from None


class RobotsPolicyMiddleware:
    """Obey robots.txt for every request whose target obeys it, whatever the timing.

    A request obeys unless ``meta["dont_obey_robotstxt"]`` is true (the spider sets it for
    targets declared ``robots = "ignore"``). robots.txt is downloaded once per host and
    proxy per crawl, with the ``ROBOTSTXT_PARSER`` and the ``ROBOTSTXT_USER_AGENT`` (or the
    request's User-Agent) that Scrapy's own middleware uses; every request waiting for it
    is judged once it arrives (see :mod:`crawler.robots`). Always on: ``ROBOTSTXT_OBEY`` is
    not read, the declarations decide.
    """

    DOWNLOAD_PRIORITY = 1000

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._agent: str | None = crawler.settings.get("ROBOTSTXT_USER_AGENT")
        self._default_agent: str = crawler.settings.get("USER_AGENT")
        self._parser_class = load_object(crawler.settings.get("ROBOTSTXT_PARSER"))
        self._rules: dict[tuple[str, str | None], Shared[Rules]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        url = urlparse_cached(request)
        if request.meta.get("dont_obey_robotstxt") or url.scheme not in ("http", "https"):
            return
        key = (url.netloc, request.meta.get("proxy"))
        if key not in self._rules:  # the first request fetches; later ones wait below
            shared = self._rules[key] = Shared()
            shared.set(await self._fetch(f"{url.scheme}://{url.netloc}/robots.txt", key[1]))
        rules = await maybe_deferred_to_future(self._rules[key].wait())
        agent = self._agent or request.headers.get(b"User-Agent") or self._default_agent
        try:
            rules.check(request, agent.decode("latin-1") if isinstance(agent, bytes) else str(agent))
        except RobotsDisallowed:
            self._count("robotstxt/forbidden")
            raise

    async def _fetch(self, url: str, proxy: str | None) -> Rules:
        self._count("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(
                robots_request(url, proxy, self.DOWNLOAD_PRIORITY))
            return judge(self.crawler, self._parser_class, url, response)
        except Exception as exc:  # any failure leaves the rules unknown, never "allowed"
            logger.warning("robots.txt %s could not be fetched: %s", url, exc)
            return Rules(url, problem=f"{type(exc).__name__}: {exc}")

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry transient failures after ``base * 2**(n-1)`` seconds (capped).

    A 429 is retried too (``RETRY_TIMES`` bounds it like any retry), after at least the wait its
    Retry-After asks for. A wait over ``POLICYWATCH_RETRY_AFTER_MAX`` is not waited for: the 429
    goes to the spider with the reason in ``meta["policywatch_rate_limit"]``, and the check
    ends ``transient``.
    """

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("POLICYWATCH_RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("POLICYWATCH_RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("POLICYWATCH_RETRY_AFTER_MAX", 120.0)

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if response.status != TOO_MANY_REQUESTS or request.meta.get("dont_retry", False):
            return super().process_response(request, response)
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is not None and wait > self.retry_after_max:
            request.meta[RATE_LIMIT_META] = (f"not retried: Retry-After {wait:.0f} s is over the "
                                             f"{self.retry_after_max:.0f} s cap")
            return response
        retry = self._retry(request, "429 Too Many Requests")
        if retry is None:
            return response
        if wait is not None:
            retry.meta[RETRY_DELAY_META] = max(wait, retry.meta.get(RETRY_DELAY_META, 0.0))
        return retry

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
