"""Entry points beyond the one-shot crawl: daemon rounds, and the dropped-request net."""

from __future__ import annotations

from crawler.targets import Target
from tests.crawler.childcrawl import run_crawl, run_rounds
from tests.httpserver import PolicyTestServer


def _target(server: PolicyTestServer, route: str) -> Target:
    return Target(id=f"t{route.replace('/', '-')}", platform="t", name=route, url=server.url(route),
                  select=["#component-container"], min_length=100)


def test_crawl_deferred_runs_round_after_round_in_one_reactor(http_server: PolicyTestServer) -> None:
    targets = [_target(http_server, "/policy"), _target(http_server, "/status/999")]
    rows = run_rounds(targets, rounds=2)
    assert sorted((n, r.target_id, r.outcome) for n, r in rows) == [
        (0, "t-policy", "fetched"), (0, "t-status-999", "blocked"),
        (1, "t-policy", "fetched"), (1, "t-status-999", "blocked"),
    ]
    assert http_server.hits("/policy") == 2


def test_dropped_requests_still_get_a_result(http_server: PolicyTestServer) -> None:
    targets = [_target(http_server, "/policy")]
    settings = {"SPIDER_MIDDLEWARES": {"tests.crawler.dropping.DropStartRequests": 10}}
    results = run_crawl(targets, settings=settings, timeout=30)
    assert results["t-policy"].outcome == "transient"
    assert "dropped" in results["t-policy"].detail
    assert http_server.hits("/policy") == 0


def test_the_one_reactor_is_asyncio() -> None:
    """scrapy-playwright (browser fetching) needs the asyncio reactor; daemon, demo and tests
    all install theirs through crawler.run.install_reactor."""
    import subprocess
    import sys

    code = "from crawler.run import install_reactor; print(type(install_reactor()).__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "AsyncioSelectorReactor", done.stderr
