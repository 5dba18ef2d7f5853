"""Browser fetching, end to end: `policywatch check` (a real process, the real spider) against
loopback pages that only a browser gets right, recorded in a real database.

Marked ``browser``: they drive Debian's /usr/bin/chromium (skipped when it is missing, except
under CI=true, where that fails). The tests without the marker need no browser: they point
the launch at a stand-in executable.
"""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from crawler.targets import Target
from tests.cli.test_check import FAST, counts, policywatch
from tests.crawler.childcrawl import run_rounds
from tests.httpserver import PolicyTestServer, RecordedRequest, Reply, read_page

CHROMIUM = Path("/usr/bin/chromium")
HTML = {"Content-Type": "text/html; charset=utf-8"}

#: A script-rendered page: the document arrives as JSON and is written into the page.
SPA_SHELL = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Privacy Policy</title></head>
<body><main id="component-container"><p class="loading">Loading…</p></main>
<script>
fetch("/spa/content.json").then(r => r.json()).then(doc => {
  document.getElementById("component-container").innerHTML = doc.html;
});
</script></body></html>"""

#: LinkedIn-style challenge: HTTP 999 whose script sets a cookie and reloads.
CHALLENGE = """<!DOCTYPE html><html><head><title>One moment</title>
<script>document.cookie = "pw_challenge=passed; path=/"; setTimeout(() => location.reload(), 50);</script>
</head><body></body></html>"""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
def server() -> PolicyTestServer:
    with PolicyTestServer() as srv:
        policy = read_page("policy.html")
        main = BeautifulSoup(policy, "lxml").select_one("#component-container")
        assert main is not None
        srv.set("/spa/policy", SPA_SHELL)
        srv.set("/spa/content.json", json.dumps({"html": main.decode_contents()}),
                {"Content-Type": "application/json"})

        def challenge(request: RecordedRequest, hit: int) -> Reply:
            if "pw_challenge=passed" in request.headers.get("Cookie", ""):
                return Reply(200, policy, HTML)
            return Reply(999, CHALLENGE.encode(), HTML)

        srv.route("/challenge/policy", challenge)
        yield srv


def _declare(path: Path, server: PolicyTestServer, docs: dict[str, tuple[str, str]]) -> Path:
    """A declaration file: name -> (route, fetch mode)."""
    lines = ['[platform]\nid = "t"\nname = "T"\nselect = ["#component-container"]\nmin_length = 200\n']
    for name, (route, fetch) in docs.items():
        lines.append(f'[documents.{name}]\nname = "{name}"\nurl = "{server.url(route)}"\nfetch = "{fetch}"\n')
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _check(targets: Path, db: str, *sets: str) -> dict[str, dict[str, str]]:
    done = policywatch("check", "--db", db, "--targets", str(targets), "--format", "json", *FAST,
                       "-s", "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT=20000", *sets)
    assert done.stdout, done.stderr
    return {line["slug"]: line for line in json.loads(done.stdout)}


@pytest.mark.browser
def test_script_rendered_text_is_a_version_only_in_browser_mode(
        chromium: Path, server: PolicyTestServer, tmp_path: Path, sqlite_url: str) -> None:
    targets = _declare(tmp_path / "t.toml", server, {"plain": ("/spa/policy", "http"),
                                                     "rendered": ("/spa/policy", "browser")})
    lines = _check(targets, sqlite_url)
    assert lines["t/plain"]["outcome"] == "structural"
    assert "implausibly short" in lines["t/plain"]["detail"]
    assert lines["t/rendered"]["outcome"] == "new_version", lines["t/rendered"]
    assert lines["t/rendered"]["detail"].endswith("(browser)")
    shown = policywatch("show", "t/rendered", "--db", sqlite_url)
    assert "# Example Privacy Policy" in shown.stdout
    assert "develop and train artificial intelligence models" in shown.stdout
    assert "Loading" not in shown.stdout
    assert counts(sqlite_url)["versions"] == 1
    assert server.hits("/spa/content.json") == 1  # only the browser ran the script

    again = _check(targets, sqlite_url)
    assert again["t/rendered"]["outcome"] == "unchanged"
    assert counts(sqlite_url)["versions"] == 1


@pytest.mark.browser
def test_blocked_plain_fetch_is_retried_in_the_browser(
        chromium: Path, server: PolicyTestServer, tmp_path: Path, sqlite_url: str) -> None:
    targets = _declare(tmp_path / "t.toml", server, {"walled": ("/challenge/policy", "http")})
    off = _check(targets, sqlite_url, "-s", "POLICYWATCH_BROWSER_RETRY=False")["t/walled"]
    assert (off["outcome"], off["detail"]) == ("blocked", "HTTP 999 (LinkedIn crawler block)")
    assert server.hits("/challenge/policy") == 1

    server.reset_counts()
    line = _check(targets, sqlite_url)["t/walled"]
    assert line["outcome"] == "new_version", line
    assert "(browser, after plain fetch: HTTP 999 (LinkedIn crawler block))" in line["detail"]
    plain, challenged, *_, passed = server.requests("/challenge/policy")
    assert plain.headers["User-Agent"].startswith("PolicyWatch/") and "Cookie" not in plain.headers
    assert "Chrome" in challenged.headers["User-Agent"] and "Cookie" not in challenged.headers
    assert "pw_challenge=passed" in passed.headers["Cookie"]
    shown = policywatch("show", "t/walled", "--db", sqlite_url)
    assert "# Example Privacy Policy" in shown.stdout

    server.reset_counts()
    agent = "Mozilla/5.0 (X11; Linux x86_64) PolicyWatchTest/1"
    _check(targets, sqlite_url, "-s", f"POLICYWATCH_BROWSER_USER_AGENT={agent}")
    assert {r.headers["User-Agent"] for r in server.requests("/challenge/policy")[1:]} == {agent}


def _fake_chromium(tmp_path: Path) -> tuple[Path, Path]:
    """An executable that records each launch and fails: a browser that never starts."""
    log = tmp_path / "launches.log"
    exe = tmp_path / "chromium"
    exe.write_text(f'#!/bin/sh\necho launched >> "{log}"\nexit 1\n')
    exe.chmod(0o755)
    return exe, log


def test_without_a_browser_the_outcome_says_so_on_one_line(
        server: PolicyTestServer, tmp_path: Path, sqlite_url: str) -> None:
    targets = _declare(tmp_path / "t.toml", server, {"walled": ("/challenge/policy", "http"),
                                                     "rendered": ("/spa/policy", "browser")})
    missing = json.dumps({"executable_path": str(tmp_path / "no-chromium")})
    lines = _check(targets, sqlite_url, "-s", f"PLAYWRIGHT_LAUNCH_OPTIONS={missing}")
    walled, rendered = lines["t/walled"], lines["t/rendered"]
    assert walled["outcome"] == "blocked"
    assert walled["detail"] == ("HTTP 999 (LinkedIn crawler block); browser retry failed: browser not "
                                f"available: {tmp_path / 'no-chromium'} is missing (apt-get install chromium)")
    assert rendered["outcome"] == "transient"
    assert rendered["detail"] == (f"browser not available: {tmp_path / 'no-chromium'} is missing "
                                  "(apt-get install chromium)")

    exe, log = _fake_chromium(tmp_path)
    broken = json.dumps({"executable_path": str(exe)})
    lines = _check(targets, sqlite_url, "-s", f"PLAYWRIGHT_LAUNCH_OPTIONS={broken}")
    assert lines["t/rendered"]["outcome"] == "transient"
    assert lines["t/rendered"]["detail"].startswith("browser not available: ")
    assert "\n" not in lines["t/rendered"]["detail"]
    assert log.exists()


def test_plain_runs_never_start_the_browser(server: PolicyTestServer, tmp_path: Path, sqlite_url: str) -> None:
    exe, log = _fake_chromium(tmp_path)
    launch = "PLAYWRIGHT_LAUNCH_OPTIONS=" + json.dumps({"executable_path": str(exe)})
    targets = _declare(tmp_path / "t.toml", server, {"policy": ("/legal/privacy-policy", "http"),
                                                     "gone": ("/status/404", "http")})
    lines = _check(targets, sqlite_url, "-s", launch)
    assert [lines[d]["outcome"] for d in ("t/policy", "t/gone")] == ["new_version", "structural"]
    assert not log.exists(), "a run with no browser document launched the browser"

    targets = _declare(tmp_path / "t.toml", server, {"rendered": ("/spa/policy", "browser")})
    _check(targets, sqlite_url, "-s", launch)
    assert log.read_text().count("launched") == 1


@pytest.mark.browser
def test_daemon_rounds_fetch_in_the_browser(chromium: Path, server: PolicyTestServer) -> None:
    """Round after round in one reactor (as `policywatch run` does): each round launches the
    browser when it needs it and closes it at its end."""
    rendered = Target(id="t/rendered", platform="t", name="r", url=server.url("/spa/policy"),
                      select=["#component-container"], min_length=200, fetch="browser")
    plain = rendered.model_copy(update={"id": "t/plain", "fetch": "http"})
    rows = run_rounds([rendered, plain], rounds=2,
                      settings={"PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 20000}, timeout=90)
    assert sorted((n, r.target_id, r.outcome) for n, r in rows) == [
        (0, "t/plain", "structural"), (0, "t/rendered", "fetched"),
        (1, "t/plain", "structural"), (1, "t/rendered", "fetched")]
    assert server.hits("/spa/content.json") == 2


@pytest.mark.browser
def test_one_browser_per_process(chromium: Path) -> None:
    """Two providers (the http and the https handler) get the same browser; it closes with
    the last of them."""
    import asyncio

    from scrapy_playwright.handler import Config

    from crawler.browser import LazyChromium
    from crawler.run import make_settings

    async def main() -> None:
        config = Config.from_settings(make_settings())
        first, second = LazyChromium(config), LazyChromium(config)
        await first.start()
        await second.start()
        browser = await first.launch_browser()
        assert await second.launch_browser() is browser
        await first.close()
        assert browser.is_connected()
        await second.close()
        assert not browser.is_connected()

    asyncio.run(main())


@pytest.mark.browser
def test_browser_pages_and_contexts_are_closed_and_bounded(
        chromium: Path, server: PolicyTestServer, tmp_path: Path, sqlite_url: str) -> None:
    docs = {f"d{i}": (f"/spa/policy?{i}", "browser") for i in range(5)}
    targets = _declare(tmp_path / "t.toml", server, docs)
    done = policywatch("check", "--db", sqlite_url, "--targets", str(targets), *FAST,
                       "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-v")  # -v: Scrapy's stats
    assert done.returncode == 0, done.stderr
    stats = {k: int(v) for k, v in re.findall(r"'(playwright/[\w/]+)': (\d+)", done.stderr)}
    assert stats["playwright/browser_count"] == 1
    assert stats["playwright/page_count"] == stats["playwright/page_count/closed"] == 5
    assert stats["playwright/context_count"] == 5  # a fresh context per fetch...
    assert stats["playwright/context_count/max_concurrent"] == 2  # ...two at a time at most
    assert stats["playwright/page_count/max_concurrent"] <= 2


@pytest.mark.browser
def test_browser_failures_have_the_plain_outcomes(
        chromium: Path, server: PolicyTestServer, tmp_path: Path, sqlite_url: str) -> None:
    targets = _declare(tmp_path / "t.toml", server, {"gone": ("/status/404", "browser"),
                                                     "walled": ("/status/999", "browser"),
                                                     "slow": ("/slow", "browser")})
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    with open(targets, "a", encoding="utf-8") as decl:
        decl.write(f'[documents.down]\nname = "down"\nurl = "http://127.0.0.1:{closed}/policy"\nfetch = "browser"\n'
                   'robots = "ignore"\nrobots_reason = "the browser itself must meet the refused connection"\n')
    lines = _check(targets, sqlite_url, "-s", "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT=2000")
    outcomes = {slug: (line["outcome"], line["detail"]) for slug, line in lines.items()}
    assert outcomes["t/gone"] == ("structural", "HTTP 404 Not Found (browser)")
    assert outcomes["t/walled"] == ("blocked", "HTTP 999 (LinkedIn crawler block) (browser)")  # no second retry
    for slug in ("t/slow", "t/down"):
        outcome, detail = outcomes[slug]
        assert outcome == "transient" and detail.endswith(" (browser)") and "\n" not in detail, (slug, detail)
    assert "ERR_CONNECTION_REFUSED" in outcomes["t/down"][1]
    assert "Timeout" in outcomes["t/slow"][1]
