"""Issue 11, web hardening, against `policywatch serve` as a real subprocess on loopback."""

from __future__ import annotations

import http.client
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from store import Store
from tests.web.conftest import ROOT, SLUG, serve_env, serving, version_id

HUGE = "99999999999999999999"          # past SQLite's 64-bit integers


def get(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """(status, body) of GET ``path`` on the server at ``base``, with exactly these headers."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(corpus_url: str) -> Iterator[str]:
    with serving(corpus_url) as base:
        yield base


@pytest.mark.parametrize("path", [
    f"/d/{SLUG}/v/{HUGE}", f"/d/{SLUG}/diff/1..{HUGE}", f"/d/{SLUG}/diff/{HUGE}..{HUGE}1",
    f"/changes/{HUGE}", f"/api/d/{SLUG}/versions/{HUGE}", f"/api/d/{SLUG}/diff/{HUGE}..1",
    f"/api/changes/{HUGE}", f"/d/{SLUG}/compare?old=1&new={HUGE}"])
def test_huge_ids_are_404(server: str, path: str) -> None:
    assert get(server, path)[0] == 404


@pytest.mark.parametrize("path", [f"/d/{SLUG}", f"/api/d/{SLUG}/versions", "/changes",
                                  "/api/changes", "/alerts", "/search?q=data"])
def test_huge_page_is_400(server: str, path: str) -> None:
    sep = "&" if "?" in path else "?"
    assert get(server, f"{path}{sep}page=375223700761423104")[0] == 400
    assert get(server, f"{path}{sep}page={HUGE}")[0] == 400
    assert get(server, f"{path}{sep}page=2")[0] == 200


def test_a_real_id_still_answers(server: str, corpus_store: Store) -> None:
    vid = version_id(corpus_store, SLUG, "2024-09-19")
    assert get(server, f"/d/{SLUG}/v/{vid}")[0] == 200
    assert get(server, f"/d/{SLUG}/compare?old={vid - 1}&new={vid}")[0] == 303


TOKEN = "s3cret-token-0123456789"


def serve_briefly(corpus_url: str, *args: str, env: dict[str, str] | None = None
                  ) -> tuple[int | None, str, str]:
    """Run `policywatch serve ARGS` until it listens (or exits): (exit code or None, first stdout
    line, stderr)."""
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--db", corpus_url,
                             "--port", "0", *args], cwd=ROOT, env=serve_env(env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()    # printed once the socket listens; empty when it exits
    if line:
        proc.terminate()
    _, err = proc.communicate(timeout=10)
    return (None if line else proc.returncode), line, err


@pytest.mark.parametrize("how", ["option", "env"])
def test_a_blank_token_is_refused_at_startup(corpus_url: str, how: str) -> None:
    blank = " " * 16
    args, env = (["--token", blank], {}) if how == "option" else ([], {"POLICYWATCH_TOKEN": blank})
    code, line, err = serve_briefly(corpus_url, *args, env=env)
    assert code == 2 and not line.startswith("Serving on")
    errors = [e for e in err.splitlines() if e.startswith("Error:")]
    assert errors == ["Error: the token is blank: use at least 16 characters, no whitespace"]


def test_a_token_with_whitespace_is_refused(corpus_url: str) -> None:
    code, _, err = serve_briefly(corpus_url, "--token", "abc def ghi jkl mno")
    assert code == 2 and "Error: the token must not contain whitespace" in err


def test_insecure_no_token_off_loopback_warns(corpus_url: str) -> None:
    code, line, err = serve_briefly(corpus_url, "--host", "0.0.0.0", "--insecure-no-token")
    assert code is None and line.startswith("Serving on http://0.0.0.0:")
    warnings = [e for e in err.splitlines() if e.startswith("warning:")]
    assert warnings == ["warning: serving on 0.0.0.0 without a token (--insecure-no-token): "
                        "anyone who can reach this address can read everything"]
    _, _, quiet = serve_briefly(corpus_url, "--host", "127.0.0.1")
    assert "warning" not in quiet


@pytest.fixture(scope="module")
def guarded(corpus_url: str) -> Iterator[str]:
    with serving(corpus_url, "--token", TOKEN,
                 headers={"Authorization": f"Bearer {TOKEN}"}) as base:
        yield base


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(guarded: str, scheme: str) -> None:
    assert get(guarded, "/api/documents", {"Authorization": f"{scheme} {TOKEN}"})[0] == 200


@pytest.mark.parametrize("header", [f"Basic {TOKEN}", f"Bearer{TOKEN}", "Bearer " + " " * 16,
                                    f"Token {TOKEN}", "bearer wrong-token-0123456789", ""])
def test_other_authorizations_are_refused(guarded: str, header: str) -> None:
    assert get(guarded, "/api/documents", {"Authorization": header})[0] == 401


def test_pager_links_carry_only_known_parameters(server: str) -> None:
    junk = "&".join(f"junk{i}=x" for i in range(5000))
    status, page = get(server, f"/d/{SLUG}?per_page=10&page=2&severity=none&{junk}&token=t")
    assert status == 200 and len(page) < 60_000
    assert "junk" not in page and "token=" not in page
    assert f'href="/d/{SLUG}?page=3&amp;per_page=10&amp;severity=none"' in page
    _, changes = get(server, f"/changes?per_page=1&label=regions&{junk}")
    assert "junk" not in changes
    assert 'href="/changes?label=regions&amp;page=2&amp;per_page=1"' in changes


def port_of(base: str) -> int:
    return int(urlsplit(base).port or 0)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example",
                                  "localhost.evil.example:{port}", "", "[::2]:{port}"])
@pytest.mark.parametrize("path", ["/", "/api/documents", "/feeds/changes.atom",
                                  "/static/style.css"])
def test_other_hosts_are_refused(server: str, host: str, path: str) -> None:
    status, _ = get(server, path, {"Host": host.format(port=port_of(server))})
    assert status == 400


@pytest.mark.parametrize("host", ["localhost", "localhost:{port}", "LocalHost:{port}",
                                  "127.0.0.1:{port}", "[::1]:{port}"])
def test_loopback_names_are_served(server: str, host: str) -> None:
    given = host.format(port=port_of(server))
    status, feed = get(server, "/feeds/changes.atom", {"Host": given})
    assert status == 200 and f'href="http://{given.lower()}/d/' in feed


def test_configured_hosts_replace_the_default(corpus_url: str) -> None:
    with serving(corpus_url, env={"POLICYWATCH_ALLOWED_HOSTS": "pw.test, 127.0.0.1"}) as base:
        assert get(base, "/", {"Host": "pw.test"})[0] == 200
        assert get(base, "/", {"Host": "localhost"})[0] == 400
        _, feed = get(base, f"/feeds/d/{SLUG}.atom", {"Host": "pw.test:8443"})
        assert 'href="http://pw.test:8443/d/' in feed


def test_feed_links_use_the_configured_base_url(corpus_url: str) -> None:
    with serving(corpus_url, env={"POLICYWATCH_BASE_URL": "https://pw.example.org/watch/"}) as base:
        _, feed = get(base, "/feeds/label/ai_training.atom", {"Host": "localhost"})
        assert 'href="https://pw.example.org/watch/d/' in feed
        assert 'href="https://pw.example.org/watch/feeds/label/ai_training.atom"' in feed
        assert "localhost" not in feed
        assert get(base, "/", {"Host": "pw.example.org"})[0] == 200   # its host is allowed
        assert get(base, "/", {"Host": "evil.example"})[0] == 400
