"""The one generic spider: fetch every declared target, yield one FetchResult each."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawler.browser import BLOCKED_META, BROWSER_META, after_browser, retry_in_browser
from crawler.egress import fetchable
from crawler.items import FETCHED, NOT_MODIFIED, STRUCTURAL, TRANSIENT, FetchResult
from crawler.middlewares import RATE_LIMIT_META
from crawler.failures import classify_failure
from crawler.outcomes import BlockRules, Verdict, verdict_for_response
from crawler.targets import Target
from workers import pool

logger = logging.getLogger(__name__)

Validators = Mapping[str, tuple[str | None, str | None]]

_META_TARGET = "policywatch_target"
_META_STARTED = "policywatch_started"


def _headers(response: Response) -> dict[str, str]:
    """Response headers as ``{lower-case name: value}`` (repeated values joined)."""
    out: dict[str, str] = {}
    for name, values in response.headers.items():
        key = name.decode("latin-1").lower()
        out[key] = ", ".join(v.decode("latin-1") for v in values)
    return out


def _sent_validators(response: Response) -> bool:
    """Whether the request behind ``response`` was conditional (a browser fetch sends its own
    headers, never ours, so it never is)."""
    request = response.request
    if request is None or request.meta.get(BROWSER_META):
        return False
    return any(request.headers.get(name) for name in (b"If-None-Match", b"If-Modified-Since"))


class PolicySpider(scrapy.Spider):
    """Check each :class:`~crawler.targets.Target` once.

    Arguments: ``targets`` (a sequence of Target), ``validators`` (target id ->
    (etag, last_modified) of the previous fetch, for conditional requests).
    Every target yields exactly one :class:`~crawler.items.FetchResult`; no failure
    escapes the spider.
    """

    name = "policy"

    def __init__(self, targets: Sequence[Target] = (), validators: Validators | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.targets: dict[str, Target] = {t.id: t for t in targets if fetchable(t)}
        for target in targets:
            if not fetchable(target):  # callers filter these out; never fetch one from here
                logger.error("%s: egress %r has no proxy configured; not fetched", target.id, target.egress)
        self.validators: dict[str, tuple[str | None, str | None]] = dict(validators or {})
        self._pending: set[str] = set(self.targets)
        self._rules: BlockRules | None = None
        self.browser_retry = True  # POLICYWATCH_BROWSER_RETRY, read in from_crawler()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PolicySpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider._rules = BlockRules.from_settings(crawler.settings)
        spider.browser_retry = crawler.settings.getbool("POLICYWATCH_BROWSER_RETRY")
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    @property
    def rules(self) -> BlockRules:
        assert self._rules is not None, "spider must be created with from_crawler()"
        return self._rules

    # --- requests ---------------------------------------------------------------------

    def request_for(self, target: Target) -> Request:
        """The request for one target: headers, proxy, robots policy, validators."""
        headers: dict[str, str] = {}
        if target.language:
            headers["Accept-Language"] = target.language
        etag, last_modified = self.validators.get(target.id, (None, None))
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        meta: dict[str, Any] = {
            _META_TARGET: target.id,
            _META_STARTED: (datetime.now(UTC), time.monotonic()),
            "dont_obey_robotstxt": target.robots == "ignore",
            "policywatch_region": target.region,
        }
        if target.proxy:
            meta["proxy"] = target.proxy
        if target.fetch == "browser":
            meta[BROWSER_META] = True
        return Request(target.url, headers=headers, meta=meta, callback=self.parse,
                       errback=self.errback, dont_filter=True)

    def _in_browser(self, meta: Mapping[str, Any], verdict: Verdict) -> Request:
        """The browser retry of a blocked plain fetch (one result for both, timed from the first)."""
        target = self.targets[meta[_META_TARGET]]
        logger.info("%s: %s; trying again in the browser", target.id, verdict.detail)
        request = self.request_for(target)
        request.meta.update({BROWSER_META: True, BLOCKED_META: verdict.detail, _META_STARTED: meta[_META_STARTED]})
        return request

    async def start(self) -> AsyncIterator[Request]:
        for target in self.targets.values():
            yield self.request_for(target)

    # --- results ----------------------------------------------------------------------

    def _result(self, meta: Mapping[str, Any], verdict: Verdict, **fields: Any) -> FetchResult:
        target = self.targets[meta[_META_TARGET]]
        verdict = after_browser(dict(meta), verdict)
        started, mono = meta.get(_META_STARTED) or (datetime.now(UTC), time.monotonic())
        self._pending.discard(target.id)
        retries = int(meta.get("retry_times", 0) or 0)
        detail = verdict.detail
        if retries and verdict.outcome != FETCHED:
            detail += f" (after {retries} retr{'y' if retries == 1 else 'ies'})"
        result = FetchResult(target_id=target.id, url=target.url, outcome=verdict.outcome,
                             text=verdict.text, detail=detail,
                             extractor_version=verdict.extractor, started_at=started,
                             duration_ms=int((time.monotonic() - mono) * 1000), **fields)
        level = logging.INFO if verdict.outcome in (FETCHED, NOT_MODIFIED) else logging.WARNING
        logger.log(level, "%s: %s (%s)", target.id, result.outcome, result.detail)
        return result

    async def parse(self, response: Response, **kwargs: Any) -> AsyncIterator[FetchResult | Request]:
        """Classify a response (any status: HTTPERROR_ALLOW_ALL) into one result; the page's
        extraction runs in the CPU worker pool (workers.pool), off the reactor."""
        args = self._classify_args(response)
        verdict = await self._verdict(args[0].id, args)
        for out in self._after_response(response, verdict):
            yield out

    def _classify_args(self, response: Response) -> tuple[Any, ...]:
        """The arguments of :func:`verdict_for_response` for ``response`` (picklable)."""
        urls = [*response.meta.get("redirect_urls", []), response.url]
        return (self.targets[response.meta[_META_TARGET]], response.status, urls, _headers(response),
                response.body, self.rules, _sent_validators(response))

    async def _verdict(self, target_id: str, args: tuple[Any, ...]) -> Verdict:
        # A status alone decides (nothing to extract), or too few pages to repay the pool.
        if not 200 <= args[1] < 300 or len(self.targets) < pool.min_jobs():
            return verdict_for_response(*args)
        try:
            return await pool.run(verdict_for_response, *args)
        except Exception as exc:  # a worker died (BrokenProcessPool): classify here instead
            logger.warning("CPU worker failed on %s (%s); extracting in the crawler", target_id, exc)
            return verdict_for_response(*args)

    def _after_response(self, response: Response, verdict: Verdict) -> Iterable[FetchResult | Request]:
        meta = response.meta
        target = self.targets[meta[_META_TARGET]]
        headers = _headers(response)
        if retry_in_browser(dict(meta), verdict, response.status, self.browser_retry):
            yield self._in_browser(meta, verdict)
            return
        if meta.get(RATE_LIMIT_META):
            verdict = replace(verdict, detail=f"{verdict.detail}; {meta[RATE_LIMIT_META]}")
        prev_etag, prev_lm = self.validators.get(target.id, (None, None))
        keep_body = verdict.outcome in (FETCHED, STRUCTURAL)
        yield self._result(
            meta, verdict, final_url=response.url, status=response.status, headers=headers,
            body=response.body if keep_body else None,
            etag=headers.get("etag") or (prev_etag if response.status == 304 else None),
            last_modified=headers.get("last-modified") or (prev_lm if response.status == 304 else None),
            validators_sent=(prev_etag, prev_lm) if _sent_validators(response) else None,
        )

    def errback(self, failure: Failure) -> Iterable[FetchResult | Request]:
        """Classify a failed request (robots, timeouts, resets, size cap, loops)."""
        request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        urls = [*meta.get("redirect_urls", []), request.url]
        maxsize = int(meta.get("download_maxsize") or self.settings.getint("DOWNLOAD_MAXSIZE"))
        response = getattr(failure.value, "response", None)
        if isinstance(response, Response):  # e.g. HttpError if HTTPERROR_ALLOW_ALL is off
            yield from self._after_response(response, verdict_for_response(*self._classify_args(response)))
            return
        try:
            verdict = classify_failure(failure.value, urls, self.rules, maxsize)
        except Exception as exc:
            verdict = Verdict(TRANSIENT, f"{type(failure.value).__name__}: {failure.value} ({exc})")
        if retry_in_browser(dict(meta), verdict, None, self.browser_retry):
            yield self._in_browser(meta, verdict)
            return
        yield self._result(meta, verdict, final_url=urls[-1] if len(urls) > 1 else None)

    # --- safety net -------------------------------------------------------------------

    def _on_idle(self) -> None:
        """Targets whose request vanished (dropped by a middleware) still get a result."""
        if not self._pending:
            return
        for target_id in sorted(self._pending):
            logger.error("%s: request dropped without a response or error", target_id)
            self.crawler.engine.crawl(Request(
                "data:,", callback=self._dropped, dont_filter=True,
                meta={_META_TARGET: target_id, "dont_obey_robotstxt": True}))
        self._pending.clear()
        raise DontCloseSpider

    def _dropped(self, response: Response) -> Iterable[FetchResult]:
        verdict = Verdict(TRANSIENT, "request dropped without a response or an error")
        yield self._result(response.meta, verdict)
