"""Scrapy settings for the PolicyWatch crawler: polite by default.

Scrapy's own settings configure what Scrapy already does (robots.txt, retries,
AutoThrottle, per-domain concurrency, size cap, redirects). PolicyWatch's own
settings start with ``POLICYWATCH_`` and are documented in :data:`POLICYWATCH_HELP`.
Override them with :func:`crawler.run.make_settings`.
"""

from scrapy.settings import default_settings as _defaults

BOT_NAME = "policywatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- Identity and politeness ---------------------------------------------------------
USER_AGENT = "PolicyWatch/0.1 (+https://github.com/policywatch/policywatch)"
ROBOTSTXT_OBEY = True  # not read: each declaration says robots = "obey" or "ignore"
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 5.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False  # every check starts clean; no session drift between regions
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    "Accept-Language": "en-US,en;q=0.8",
}

# --- Failures ---------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
RETRY_ENABLED = True
RETRY_TIMES = 3
# Transient server errors; 403/999 are blocks and are not retried. A 429 (rate limited) is
# retried by BackoffRetryMiddleware after its Retry-After, up to POLICYWATCH_RETRY_AFTER_MAX.
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
POLICYWATCH_RETRY_BACKOFF_BASE = 2.0
POLICYWATCH_RETRY_BACKOFF_MAX = 60.0
POLICYWATCH_RETRY_AFTER_MAX = 120.0
HTTPERROR_ALLOW_ALL = True  # the spider classifies every status itself

# --- Components -------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.PublicAddressMiddleware": 50,
    "crawler.middlewares.RobotsPolicyMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.offline.NoNetworkMiddleware": 560,  # sees failures first: no retry without network
    "crawler.browser.BrowserFetchMiddleware": 950,
}
# Components that are off here are left out of Scrapy's base lists, so they are not even
# imported (every `policywatch check` is a new process; a None in EXTENSIONS would still import
# them): cookies (COOKIES_ENABLED = False) import tldextract, the telnet console twisted.conch,
# remote control aiohttp, feed export the FTP and S3 code. About 0.2 s of CPU per check.
_not_imported = {
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.remote_control.RemoteControl",
    "scrapy.extensions.feedexport.FeedExporter",
}
DOWNLOADER_MIDDLEWARES_BASE = {k: v for k, v in _defaults.DOWNLOADER_MIDDLEWARES_BASE.items()
                               if k not in _not_imported}
EXTENSIONS_BASE = {k: v for k, v in _defaults.EXTENSIONS_BASE.items() if k not in _not_imported}
ITEM_PIPELINES = {"crawler.pipelines.SinkPipeline": 300}
# A response gives one result (or one browser retry): Scrapy's default of 100 items per
# response in parallel makes 101 asyncio tasks for each response, a fifth of the reactor's
# time in a pass of 304s.
CONCURRENT_ITEMS = 1

# --- Browser fetching (crawler/browser.py) ----------------------------------------------
# scrapy-playwright's handler passes plain requests to Scrapy's own; Chromium is launched on
# the first browser request only. It needs the asyncio reactor (Scrapy's default, pinned here).
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_BROWSER_PROVIDER = "crawler.browser.LazyChromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {  # Debian's chromium: never `playwright install`
    "executable_path": "/usr/bin/chromium",
    "headless": True,
    "args": ["--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"],
}
PLAYWRIGHT_MAX_CONTEXTS = 2  # one context per browser fetch, closed after it: bounded memory
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 1
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000  # ms
PLAYWRIGHT_PROCESS_REQUEST_HEADERS = None  # the browser's own headers, plus the target's language

# The reactor's resolver (installed by CrawlerProcess): Scrapy's caching one, refusing answers
# that are not public addresses unless POLICYWATCH_ALLOW_PRIVATE_TARGETS (crawler/resolver.py).
TWISTED_DNS_RESOLVER = "crawler.resolver.PublicOnlyResolver"

# Nothing listens on a port during a crawl.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
LOG_FORMATTER = "crawler.logformatter.BodilessLogFormatter"  # item lines never print a body

# --- PolicyWatch ----------------------------------------------------------------------
POLICYWATCH_SINK = None
POLICYWATCH_SINK_BATCH = 100
POLICYWATCH_SINK_LINGER = 0.5
POLICYWATCH_BLOCK_STATUSES = [999, 401, 403]
POLICYWATCH_BLOCK_URL_PATTERNS = [
    r"/authwall\b",
    r"/uas/login",
    r"/login\b",
    r"/checkpoint/",
    r"/signup\b",
    r"/join\?",
    r"[?&]session_redirect=",
]
POLICYWATCH_BLOCK_TITLE_PATTERNS = [
    r"\bsign[ -]?(in|up)\b",
    r"\blog[ -]?in\b",
    r"\bjoin linkedin\b",
    r"security (verification|check)",
    r"captcha",
    r"are you a (human|robot)",
    r"^\s*just a moment",
    r"access denied",
]
POLICYWATCH_BLOCK_HTML_PATTERNS = [
    r"/checkpoint/challenge",
    r"class=\"[^\"]*\bg-recaptcha\b",
    r"class=\"[^\"]*\bh-captcha\b",
    r"id=\"captcha",
    r"/authwall\?",
]
POLICYWATCH_BLOCK_TEXT_MARKERS = [
    "authwall",
    "sign in to",
    "join linkedin",
    "join now",
    "agree & join",
    "sign up",
    "captcha",
    "security verification",
    "verify you are human",
]
POLICYWATCH_REQUIRE_HTML_END = True
POLICYWATCH_BROWSER_RETRY = True
POLICYWATCH_BROWSER_SETTLE_MS = 5000
POLICYWATCH_BROWSER_USER_AGENT = None
POLICYWATCH_ALLOW_PRIVATE_TARGETS = False  # make_settings() fills in the allow_private_targets setting

#: Help line for every PolicyWatch setting (a test checks they are all documented).
POLICYWATCH_HELP = {
    "POLICYWATCH_SINK": "Callable[[FetchResult], None] given every result; None disables the pipeline.",
    "POLICYWATCH_SINK_BATCH": "Most results the sink takes before it is flushed (a sink with flush() "
    "records them in one transaction, e.g. `policywatch check`).",
    "POLICYWATCH_SINK_LINGER": "Seconds after its first result that a sink batch is flushed at the latest.",
    "POLICYWATCH_BLOCK_STATUSES": "HTTP statuses reported as 'blocked' (not retried).",
    "POLICYWATCH_BLOCK_URL_PATTERNS": "Regexes on the redirect chain: a match means a login/auth wall.",
    "POLICYWATCH_BLOCK_TITLE_PATTERNS": "Regexes on <title> of a 200 page: a match means a wall or captcha.",
    "POLICYWATCH_BLOCK_HTML_PATTERNS": "Regexes on the raw HTML of a 200 page: a match means a wall or captcha.",
    "POLICYWATCH_BLOCK_TEXT_MARKERS": "Substrings of the visible text that mark a wall, checked only when "
    "the content selector fails or the text is too short.",
    "POLICYWATCH_RETRY_BACKOFF_BASE": "Seconds before the first retry of a transient failure; doubled per retry.",
    "POLICYWATCH_RETRY_BACKOFF_MAX": "Upper bound of the retry back-off, in seconds.",
    "POLICYWATCH_RETRY_AFTER_MAX": "Longest Retry-After of a 429 (rate limited) that is waited for before "
    "retrying, in seconds; a longer one ends the check 'transient', the wait in its detail.",
    "POLICYWATCH_REQUIRE_HTML_END": "Treat an HTML page without </html> as truncated (structural).",
    "POLICYWATCH_BROWSER_RETRY": "Fetch a document once more in the browser when the plain fetch is blocked "
    "(not for 429); off: report 'blocked'.",
    "POLICYWATCH_BROWSER_SETTLE_MS": "Browser fetches: how long to wait for the page's network to go quiet "
    "(its scripts to finish) before reading it.",
    "POLICYWATCH_BROWSER_USER_AGENT": "User-Agent of browser fetches; None: Chromium's own.",
    "POLICYWATCH_ALLOW_PRIVATE_TARGETS": "Fetch hosts that are or resolve to addresses that are not "
    "public (loopback, private, link-local); off: such a fetch, or redirect hop, is refused "
    "(structural). Default: the allow_private_targets setting.",
}
