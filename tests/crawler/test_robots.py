"""robots.txt is judged for every request that obeys it, however long robots.txt takes.

Scrapy's RobotsTxtMiddleware released all but one of the requests that waited for a slow
robots.txt with no parser, so they were fetched unchecked (5 of 12 here before the fix).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scrapy.http import Request, Response

from crawler.errors import RobotsDisallowed, RobotsUnavailable
from crawler.robots import Rules, Shared, judge
from crawler.targets import Target
from tests.crawler.childcrawl import run_crawl
from tests.httpserver import PolicyTestServer, Reply, read_page

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
PAGES = 12  # more than CONCURRENT_REQUESTS (8): some wait on robots.txt, some queue behind them


def _robots(body: bytes, status: int = 200, delay: float = 0.0):  # type: ignore[no-untyped-def]
    return lambda request, hit: Reply(status, body, {"Content-Type": "text/plain"}, delay=delay)


def _targets(server: PolicyTestServer, name: str, paths: list[str], **fields: object) -> list[Target]:
    out = []
    for path in paths:
        server.set(path, read_page("policy.html"))
        slug = path.strip("/").replace("/", "-")
        out.append(Target(id=f"{name}/{slug}", platform=name, name=path, url=server.url(path),
                          select=["#component-container"], min_length=100, **fields))
    return out


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, PolicyTestServer]]:
    names = ("slow", "mixed", "down", "missing")
    started = {n: PolicyTestServer().start() for n in names}
    try:
        yield started
    finally:
        for srv in started.values():
            srv.stop()


@pytest.fixture(scope="module")
def results(servers: dict[str, PolicyTestServer]) -> dict[str, object]:
    slow, mixed, down, missing = (servers[n] for n in ("slow", "mixed", "down", "missing"))
    slow.route("/robots.txt", _robots(DISALLOW_ALL, delay=1.5))
    mixed.route("/robots.txt", _robots(b"User-agent: *\nDisallow: /private/\n", delay=1.0))
    down.route("/robots.txt", _robots(b"busy", status=503))
    missing.route("/robots.txt", _robots(b"<html>not found</html>", status=404))
    targets = _targets(slow, "slow", [f"/doc/{i}" for i in range(PAGES)])
    targets += _targets(slow, "ignored", ["/legal/ignored"], robots="ignore", robots_reason="test")
    targets += _targets(mixed, "mixed", [f"/private/{i}" for i in range(4)] + [f"/public/{i}" for i in range(4)])
    targets += _targets(down, "down", ["/doc/a", "/doc/b"])
    targets += _targets(missing, "missing", ["/doc/a", "/doc/b"])
    for srv in servers.values():
        srv.reset_counts()
    # Retries off so the 503 robots.txt is asked once; a timeout that outlasts the slow robots.txt.
    return run_crawl(targets, settings={"DOWNLOAD_TIMEOUT": 5, "RETRY_ENABLED": False}, timeout=90)


def test_every_request_waiting_on_a_slow_robots_txt_is_judged(results: dict[str, object],
                                                              servers: dict[str, PolicyTestServer]) -> None:
    outcomes = {i: results[f"slow/doc-{i}"].outcome for i in range(PAGES)}  # type: ignore[attr-defined]
    assert set(outcomes.values()) == {"robots_disallowed"}, outcomes
    assert [servers["slow"].hits(f"/doc/{i}") for i in range(PAGES)] == [0] * PAGES
    assert servers["slow"].hits("/robots.txt") == 1


def test_ignore_is_fetched_despite_disallow(results: dict[str, object], servers: dict[str, PolicyTestServer]) -> None:
    assert results["ignored/legal-ignored"].outcome == "fetched"  # type: ignore[attr-defined]
    assert servers["slow"].hits("/legal/ignored") == 1


def test_only_disallowed_paths_are_refused(results: dict[str, object], servers: dict[str, PolicyTestServer]) -> None:
    for i in range(4):
        assert results[f"mixed/private-{i}"].outcome == "robots_disallowed"  # type: ignore[attr-defined]
        assert results[f"mixed/public-{i}"].outcome == "fetched"  # type: ignore[attr-defined]
        assert servers["mixed"].hits(f"/private/{i}") == 0
        assert servers["mixed"].hits(f"/public/{i}") == 1


def test_unreadable_robots_txt_fetches_nothing(results: dict[str, object],
                                              servers: dict[str, PolicyTestServer]) -> None:
    for doc in ("a", "b"):
        result = results[f"down/doc-{doc}"]
        assert result.outcome == "transient" and "could not be read (HTTP 503)" in result.detail  # type: ignore[attr-defined]
        assert servers["down"].hits(f"/doc/{doc}") == 0


def test_missing_robots_txt_means_no_rules(results: dict[str, object]) -> None:
    assert {results[f"missing/doc-{d}"].outcome for d in "ab"} == {"fetched"}  # type: ignore[attr-defined]


# --- units ------------------------------------------------------------------------------

def test_shared_gives_every_waiter_the_value() -> None:
    shared: Shared[str] = Shared()
    seen: list[str] = []
    for _ in range(5):
        shared.wait().addCallback(seen.append)  # the first waiter's callback returns None
    shared.set("rules")
    shared.wait().addCallback(seen.append)
    assert seen == ["rules"] * 6


@pytest.mark.parametrize(("status", "verdict"), [(200, "parsed"), (404, "none"), (401, "none"),
                                                 (429, "unknown"), (503, "unknown"), (999, "unknown")])
def test_judge_follows_rfc_9309(status: int, verdict: str) -> None:
    from scrapy.robotstxt import ProtegoRobotParser
    from scrapy.utils.test import get_crawler

    url = "https://www.example.com/robots.txt"
    rules = judge(get_crawler(), ProtegoRobotParser, url, Response(url, status=status, body=DISALLOW_ALL))
    kind = "unknown" if rules.problem else "parsed" if rules.parser else "none"
    assert kind == verdict


def test_rules_check() -> None:
    request = Request("https://www.example.com/legal/privacy-policy")
    Rules("u").check(request, "bot")  # no rules: allowed
    with pytest.raises(RobotsUnavailable, match="HTTP 503"):
        Rules("u", problem="HTTP 503").check(request, "bot")
    from scrapy.robotstxt import ProtegoRobotParser
    from scrapy.utils.test import get_crawler

    parser = ProtegoRobotParser.from_crawler(get_crawler(), DISALLOW_ALL)
    with pytest.raises(RobotsDisallowed, match="disallows"):
        Rules("u", parser=parser).check(request, "bot")
