"""Browser fetching: Debian's Chromium through scrapy-playwright, only for requests that need it.

- ``settings.py`` makes scrapy-playwright's download handler the http(s) handler. It hands every
  request without ``meta["playwright"]`` to Scrapy's own HTTP/1.1 handler, so plain fetches are
  unchanged.
- :class:`LazyChromium` (``PLAYWRIGHT_BROWSER_PROVIDER``) starts Playwright and launches the one
  Chromium of the crawl on the first browser request, never before: a crawl without one starts
  neither. A missing or broken Chromium is a :class:`~crawler.errors.BrowserUnavailable`.
- :class:`BrowserFetchMiddleware` turns the spider's ``meta["policywatch_browser"]`` into
  scrapy-playwright's meta: a fresh context per request (no cookies carried over, the target's
  language and proxy), the page left to settle (network idle) before its DOM is read, and the
  context closed after use (scrapy-playwright closes the page).
- With private targets not allowed, each browser fetch's context gets a
  :class:`~crawler.guardproxy.GuardProxy` of its own as its proxy: every request Chromium makes
  (redirect hops, sub-resources, scripts' requests) connects only to a public address; a refused
  one makes the fetch a :class:`~crawler.errors.PrivateTargetRefused`. An egress proxy (or one
  from the environment) is used as before: it resolves the names.
- :func:`after_browser` words the outcome of a browser fetch, or of the browser retry of a
  blocked plain fetch (the spider asks :func:`retry_in_browser` whether to make one).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotSupported
from scrapy.http import Request, Response

from crawler.errors import BrowserError, BrowserUnavailable, PrivateTargetRefused
from crawler.guardproxy import GuardProxy
from crawler.items import BLOCKED, TRANSIENT
from crawler.outcomes import Verdict

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page, Playwright
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: Request meta: fetch this request in the browser (set by the spider).
BROWSER_META = "policywatch_browser"
#: Request meta: why the plain fetch before this browser retry was blocked.
BLOCKED_META = "policywatch_blocked"
_CONTEXT_META = "policywatch_browser_context"
_STATUSES_META = "policywatch_browser_statuses"
_GUARD_META = "policywatch_browser_guard"
_contexts = itertools.count(1)


class _Shared:
    """The process's one Playwright driver and browser, shared by every provider (the http and
    https handlers of a crawl, and crawl after crawl in the daemon) while one is open."""

    playwright: Playwright | None = None
    manager: Any = None
    browser: Browser | None = None
    users = 0
    lock: asyncio.Lock | None = None


class LazyChromium:
    """scrapy-playwright browser provider: starts nothing until a browser is needed, then
    launches the process's one browser (shared while any crawl is open)."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self._open = False

    async def start(self) -> None:
        """Called when a crawl starts: only counts the crawl in (see :meth:`close`)."""
        _Shared.users += 1
        self._open = True

    async def launch_browser(self) -> Browser:
        _Shared.lock = _Shared.lock or asyncio.Lock()
        async with _Shared.lock:
            if _Shared.browser is None or not _Shared.browser.is_connected():
                _Shared.browser = await self._launch()
            return _Shared.browser

    async def _launch(self) -> Browser:
        options = dict(self.config.launch_options)
        path = options.get("executable_path")
        if path and not os.access(path, os.X_OK):
            raise BrowserUnavailable(f"browser not available: {path} is missing (apt-get install chromium)")
        try:
            if _Shared.playwright is None:
                from playwright.async_api import async_playwright

                _Shared.manager = async_playwright()
                _Shared.playwright = await _Shared.manager.start()
            browser_type = getattr(_Shared.playwright, self.config.browser_type_name)
            logger.info("launching %s (%s)", self.config.browser_type_name, path or "Playwright's own build")
            browser: Browser = await browser_type.launch(**options)
            return browser
        except Exception as exc:  # Playwright's errors carry a multi-line call log
            raise BrowserUnavailable(f"browser not available: {first_line(exc)}") from exc

    async def launch_persistent_context(self, context_kwargs: dict[str, Any]) -> BrowserContext:
        raise NotSupported("PolicyWatch starts every browser fetch in a fresh context")

    async def close(self) -> None:
        """The last open crawl closes the browser and stops the driver."""
        if not self._open:
            return
        self._open = False
        _Shared.users -= 1
        if _Shared.users > 0:
            return
        browser, playwright = _Shared.browser, _Shared.playwright
        _Shared.browser = _Shared.playwright = _Shared.manager = None
        if browser is not None and browser.is_connected():
            await browser.close()
        if playwright is not None:
            await playwright.stop()


def first_line(exc: BaseException) -> str:
    """A Playwright error on one line: its first line, without the ``Error:`` prefix."""
    text = str(exc).strip().splitlines()
    line = text[0] if text else type(exc).__name__
    return line.removeprefix("Error: ").strip() or type(exc).__name__


class BrowserFetchMiddleware:
    """Downloader middleware: browser requests get scrapy-playwright's meta, and their
    context is closed once the response (or the error) comes back."""

    def __init__(self, settle_timeout_ms: float, user_agent: str | None = None,
                 guard: bool = False, env_proxies: bool = False) -> None:
        self.settle_timeout_ms = settle_timeout_ms
        self.user_agent = user_agent
        self.guard = guard
        self.env_proxies = env_proxies

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserFetchMiddleware:
        settings = crawler.settings
        return cls(settings.getfloat("POLICYWATCH_BROWSER_SETTLE_MS", 5000),
                   settings.get("POLICYWATCH_BROWSER_USER_AGENT") or None,
                   guard=not settings.getbool("POLICYWATCH_ALLOW_PRIVATE_TARGETS"),
                   env_proxies=settings.getbool("HTTPPROXY_ENABLED"))

    async def process_request(self, request: Request) -> None:
        if not request.meta.get(BROWSER_META):
            return
        from scrapy_playwright.page import PageMethod

        from crawler.middlewares import proxied

        context: dict[str, Any] = {"service_workers": "block"}
        language = request.headers.get("Accept-Language")
        if language:
            context["extra_http_headers"] = {"Accept-Language": language.decode("latin-1")}
        if request.meta.get("proxy"):
            context["proxy"] = {"server": request.meta["proxy"]}
        elif self.guard and not proxied(request, self.env_proxies):
            guard = request.meta[_GUARD_META] = GuardProxy()
            context["proxy"] = {"server": await guard.start()}
        if self.user_agent:
            context["user_agent"] = self.user_agent
        request.meta.update({
            "playwright": True,
            "playwright_context": f"policywatch-{next(_contexts)}",
            "playwright_context_kwargs": context,
            "playwright_page_init_callback": _track_page,
            "playwright_page_methods": [PageMethod(self._settle)],
        })

    async def _settle(self, page: Page) -> None:
        """Let scripts run: wait for the network to go quiet (bounded), then for ``load``."""
        try:
            await page.wait_for_load_state("networkidle", timeout=self.settle_timeout_ms)
        except Exception as exc:  # a page that polls for ever: take what is there
            logger.debug("%s did not settle: %s", page.url, first_line(exc))

    async def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get(BROWSER_META):
            return response
        await _close_context(request)
        await _refused(request)
        statuses = request.meta.pop(_STATUSES_META, None)
        if statuses and statuses[-1] != response.status:
            # The page's own script navigated (e.g. set a cookie and reloaded): the
            # document read is the last one, so is the status.
            return response.replace(status=statuses[-1])
        return response

    async def process_exception(self, request: Request, exception: Exception) -> None:
        if not request.meta.get(BROWSER_META):
            return
        await _close_context(request)
        request.meta.pop(_STATUSES_META, None)
        await _refused(request)
        if isinstance(exception, BrowserError) or type(exception).__module__.split(".")[0] != "playwright":
            return
        raise BrowserError(first_line(exception)) from exception


async def _track_page(page: Page, request: Request) -> None:
    """scrapy-playwright's page init callback: remember the context (to close it) and the
    status of every main-frame navigation (a script may navigate after the first one)."""
    request.meta[_CONTEXT_META] = page.context
    statuses: list[int] = request.meta.setdefault(_STATUSES_META, [])

    def on_response(response: Any) -> None:
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            statuses.append(response.status)

    page.on("response", on_response)


async def _close_context(request: Request) -> None:
    context = request.meta.pop(_CONTEXT_META, None)
    if context is not None:
        try:
            await asyncio.wait_for(context.close(), timeout=10)
        except Exception as exc:  # already closed with its browser
            logger.debug("closing a browser context failed: %s", first_line(exc))


async def _refused(request: Request) -> None:
    """Close the fetch's guard proxy; if it refused any connection, the fetch is refused."""
    guard: GuardProxy | None = request.meta.pop(_GUARD_META, None)
    if guard is None:
        return
    await guard.close()
    if guard.refused:
        more = f" (and {len(guard.refused) - 1} more)" if len(guard.refused) > 1 else ""
        url, reason = guard.refused[0]
        raise PrivateTargetRefused(f"refused {url} (a request of the browser fetching "
                                   f"{request.url}){more}: {reason}")


def retry_in_browser(meta: dict[str, Any], verdict: Verdict, status: int | None, enabled: bool) -> bool:
    """Whether a plain fetch's verdict calls for one more try in the browser: it was blocked
    (not rate-limited: a 429 asks us to slow down), and the fetch was not a browser one."""
    return enabled and verdict.outcome == BLOCKED and status != 429 and not meta.get(BROWSER_META)


def after_browser(meta: dict[str, Any], verdict: Verdict) -> Verdict:
    """The verdict of a browser fetch, worded to say so; a browser retry that could not run
    leaves the plain fetch's ``blocked``, with the reason on the same line."""
    if not meta.get(BROWSER_META):
        return verdict
    blocked = meta.get(BLOCKED_META)
    if blocked is None:
        said = verdict.detail.startswith("browser not available")
        return verdict if said else replace(verdict, detail=f"{verdict.detail} (browser)")
    if verdict.outcome == TRANSIENT:
        return Verdict(BLOCKED, f"{blocked}; browser retry failed: {verdict.detail}")
    if verdict.outcome == BLOCKED:
        return replace(verdict, detail=f"{blocked}; in the browser too: {verdict.detail}")
    return replace(verdict, detail=f"{verdict.detail} (browser, after plain fetch: {blocked})")
