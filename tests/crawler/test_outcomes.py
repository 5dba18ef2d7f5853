"""Outcome classification as pure functions (no reactor, no network)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.exceptions import CannotResolveHostError, DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from twisted.internet.error import DNSLookupError

from crawler import settings as crawler_settings
from crawler.errors import RobotsDisallowed
from crawler.middlewares import retry_after_seconds
from crawler.failures import classify_failure
from crawler.outcomes import BlockRules, classify_response, looks_truncated
from crawler.run import make_settings
from crawler.targets import Target
from tests.httpserver import read_page

RULES = BlockRules.from_settings(make_settings())
TARGET = Target(id="t/doc", platform="t", name="Doc", url="https://example.com/doc",
                select=["#component-container"], min_length=100)
HTML = {"content-type": "text/html; charset=utf-8"}


@pytest.mark.parametrize(
    ("exc", "outcome", "words"),
    [
        (CannotResolveHostError("example.invalid"), "transient", "DNS"),
        (DNSLookupError("x"), "transient", "DNS"),
        (DownloadTimeoutError("took longer"), "transient", "timeout"),
        (DownloadCancelledError("Received 11 bytes which is larger than download max size (10)"),
         "structural", "too large"),
        (IgnoreRequest("max redirections reached"), "transient", "redirect loop"),
        (RobotsDisallowed("robots.txt disallows"), "robots_disallowed", "robots.txt"),
        (ValueError("surprise"), "transient", "ValueError"),
    ],
)
def test_failures(exc: Exception, outcome: str, words: str) -> None:
    verdict = classify_failure(exc, ["https://example.com/doc"], RULES, 10 * 1024 * 1024)
    assert verdict.outcome == outcome
    assert words in verdict.detail


def test_gzip_bomb_is_structural() -> None:
    exc = IgnoreRequest("Ignored response <200 https://example.com/doc> because its body (13000 B compressed, "
                        "10485800 B decompressed so far) exceeded DOWNLOAD_MAXSIZE (10485760 B) during "
                        "decompression.")
    verdict = classify_failure(exc, ["https://example.com/doc"], RULES, 10 * 1024 * 1024)
    assert verdict.outcome == "structural"
    assert verdict.detail == "page too large: over the download size cap (10 MB) once decompressed (Content-Encoding)"


@pytest.mark.parametrize(("value", "seconds"), [
    ("120", 120.0), (b"7", 7.0), ("Tue, 01 Dec 2026 08:00:30 GMT", 30.0),
    ("Tue, 01 Dec 2026 07:00:00 GMT", 0.0), ("soon", None), (None, None),
])
def test_retry_after(value: str | bytes | None, seconds: float | None) -> None:
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert retry_after_seconds(value, now) == seconds


def test_429_is_rate_limiting_not_a_block() -> None:
    verdict = classify_response(TARGET, 429, [TARGET.url], {"retry-after": "30"}, b"", RULES)
    assert (verdict.outcome, verdict.detail) == ("transient", "HTTP 429 Too Many Requests (rate limited, Retry-After: 30)")


def test_redirect_loop_through_login_is_blocked() -> None:
    urls = ["https://example.com/doc", "https://www.linkedin.com/authwall?trk=x", "https://example.com/doc"]
    assert classify_failure(IgnoreRequest("max redirections reached"), urls, RULES).outcome == "blocked"


@pytest.mark.parametrize(
    ("status", "urls", "body", "outcome"),
    [
        (304, [], b"", "structural"),  # no validators were sent: not a sign of "unchanged"
        (999, [], b"", "blocked"),
        (200, ["https://www.linkedin.com/uas/login?session_redirect=x"], read_page("login.html"), "blocked"),
        (200, [], read_page("captcha.html"), "blocked"),
        (200, [], read_page("signup-wall.html"), "blocked"),
        (200, [], read_page("policy.html"), "fetched"),
        (200, [], b"", "structural"),
        (410, [], b"gone", "structural"),
        (502, [], b"", "transient"),
    ],
)
def test_responses(status: int, urls: list[str], body: bytes, outcome: str) -> None:
    verdict = classify_response(TARGET, status, urls or [TARGET.url], HTML, body, RULES)
    assert verdict.outcome == outcome, verdict.detail
    assert (verdict.text is not None) == (outcome == "fetched")


def test_304_means_unchanged_only_to_a_conditional_request() -> None:
    verdict = classify_response(TARGET, 304, [TARGET.url], {}, b"", RULES, conditional=True)
    assert verdict.outcome == "not_modified"


def test_short_text_is_structural() -> None:
    body = b'<html><body><div id="component-container"><p>Too short.</p></div></body></html>'
    verdict = classify_response(TARGET, 200, [TARGET.url], HTML, body, RULES)
    assert verdict.outcome == "structural" and "implausibly short" in verdict.detail


def test_truncation_heuristic() -> None:
    page = read_page("policy.html")
    assert not looks_truncated(page)
    assert looks_truncated(page[: len(page) // 2])
    assert not looks_truncated(b"<p>fragment without html element</p>")


def test_every_policywatch_setting_is_documented() -> None:
    names = {n for n in dir(crawler_settings) if n.startswith("POLICYWATCH_") and n != "POLICYWATCH_HELP"}
    assert names == set(crawler_settings.POLICYWATCH_HELP)


def test_make_settings_overrides() -> None:
    settings = make_settings({"ROBOTSTXT_OBEY": False, "DOWNLOAD_TIMEOUT": 3})
    assert settings.getbool("ROBOTSTXT_OBEY") is False
    assert settings.getint("DOWNLOAD_TIMEOUT") == 3
    assert settings["USER_AGENT"].startswith("PolicyWatch/0.1")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert 999 not in settings.getlist("RETRY_HTTP_CODES") and 429 not in settings.getlist("RETRY_HTTP_CODES")


def test_request_for_target() -> None:
    from crawler.spiders.policy import PolicySpider

    target = TARGET.model_copy(update={"language": "de-DE", "proxy": "http://127.0.0.1:3128",
                                       "robots": "ignore", "region": "eu"})
    spider = PolicySpider(targets=[target], validators={target.id: ('"v1"', "Wed, 18 Sep 2024")})
    request = spider.request_for(target)
    assert request.headers[b"Accept-Language"] == b"de-DE"
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == b"Wed, 18 Sep 2024"
    assert request.meta["proxy"] == "http://127.0.0.1:3128"
    assert request.meta["dont_obey_robotstxt"] is True
    assert request.dont_filter  # the EU and global variants share a URL


def test_a_dns_failure_says_so_once() -> None:
    """Twisted's message starts "DNS lookup failed: address ... not found"; the detail does not
    repeat the words."""
    exc = DNSLookupError("address 'www.linkedin.com' not found: [Errno -2] Name or service not known.")
    detail = classify_failure(exc, ["https://www.linkedin.com/legal/privacy-policy"], RULES, 1024).detail
    assert detail.count("DNS lookup failed") == 1 and "www.linkedin.com" in detail, detail


# --- wall markers: a substring gate before each case-insensitive regex scan of the page -------

def test_each_wall_marker_gets_the_longest_literal_run_without_i_k_or_s() -> None:
    import re

    from crawler.outcomes import gate

    assert gate(re.compile(r"class=\"[^\"]*\bg-recaptcha\b", re.I)) == "g-recaptcha"
    assert gate(re.compile(r"/checkpoint/challenge", re.I)) == "nt/challenge"  # k and i end runs
    assert gate(re.compile(r"/AuthWall\?", re.I)) == "/authwall?"
    assert gate(re.compile(r"(captcha|recaptcha)", re.I)) is None  # no top-level literal
    assert gate(re.compile(r"sis", re.I)) is None
    assert RULES.html_gates == tuple(gate(p) for p in RULES.html_patterns)


def test_the_gates_find_every_wall_marker_the_regexes_find() -> None:
    """Random pages made of pieces of the markers in every case, with the characters Python's
    case-insensitive matching also takes for i, k and s (ı İ K ſ): the verdict is that of the
    regexes alone, gates or not."""
    import random

    from crawler.outcomes import _strong_wall

    ungated = BlockRules(RULES.statuses, RULES.url_patterns, RULES.title_patterns, RULES.html_patterns,
                         RULES.text_markers, RULES.require_html_end, (None,) * len(RULES.html_patterns))
    rnd = random.Random(13)
    pieces = ['class="', 'x ', "g-re", "h-", "captcha", "CAPTCHA", "Captcha", 'id="', "/authwall?",
              "/AUTHWALL?", "/checkpoint/challenge", "/CHECKPOINT/CHALLENGE", "/checkpoınt/challenge",
              "/checKpoint/challenge", "/checkpoİnt/challenge", "İd=\"captcha", "ıd=\"captcha", " ", "<p>"]
    found = 0
    for _ in range(20_000):
        page = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 8)))
        expected = _strong_wall(page, ungated)
        assert _strong_wall(page, RULES) == expected, page
        found += expected is not None
    assert found > 1000  # the markers were there to be found
