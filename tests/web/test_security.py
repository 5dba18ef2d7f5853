"""Untrusted policy text is escaped; token auth; `serve` refuses to expose itself without one."""

from __future__ import annotations

from click.testing import CliRunner
from flask.testing import FlaskClient

from cli.serve import is_loopback, serve
from store import Store
from tests.web.conftest import XSS, version_id
from web.app import create_app

TOKEN = "s3cret-token-0123456789"
RAW = ["<script>alert(", "<img src=x onerror", "<svg onload", "<iframe", "<body onload",
       "<b onmouseover", 'href="javascript:']


def test_xss_fixture_is_escaped_on_every_page(client: FlaskClient, corpus_store: Store) -> None:
    v1 = version_id(corpus_store, XSS.id, "2024-01-01")
    v2 = version_id(corpus_store, XSS.id, "2024-01-02")
    pages = [f"/d/{XSS.id}", f"/d/{XSS.id}/v/{v1}", f"/d/{XSS.id}/v/{v2}",
             f"/d/{XSS.id}/diff/{v1}..{v2}", f"/d/{XSS.id}/diff/{v1}..{v2}?view=inline&all=1",
             "/", "/changes", "/search?q=alert", "/search?q=%3Cscript%3E"]
    for url in pages:
        body = client.get(url).get_data(as_text=True)
        for raw in RAW:
            assert raw not in body, (url, raw)
    version = client.get(f"/d/{XSS.id}/v/{v2}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in version
    assert "&lt;img src=x onerror=alert(2)&gt;" in version
    diff = client.get(f"/d/{XSS.id}/diff/{v1}..{v2}").get_data(as_text=True)
    assert '<mark class="evidence">artificial intelligence</mark>' in diff
    assert "&lt;img src=y onerror=alert(11)&gt;" in diff
    assert "XSS &lt;b&gt;Policy&lt;/b&gt;" in diff


def test_no_inline_script_or_style_in_pages(client: FlaskClient) -> None:
    for url in ["/", "/alerts", "/search", "/changes"]:
        body = client.get(url).get_data(as_text=True)
        assert "<script" not in body and "<style" not in body and " style=" not in body
        assert " onclick=" not in body


def test_token_auth(corpus_store: Store) -> None:
    client = create_app(corpus_store, token=TOKEN).test_client()
    assert client.get("/").status_code == 401
    assert client.get("/api/documents").status_code == 401
    assert client.get("/static/style.css").status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.get(f"/feeds/changes.atom?token={TOKEN}").status_code == 200
    # a browser arriving with ?token= gets a cookie and a clean URL
    resp = client.get(f"/alerts?status=sent&token={TOKEN}", headers={"Accept": "text/html"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/alerts?status=sent"
    assert "HttpOnly" in resp.headers["Set-Cookie"] and "SameSite=Strict" in resp.headers["Set-Cookie"]
    assert client.get("/alerts?status=sent").status_code == 200     # the cookie now


def test_loopback_detection() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.2", "::", "example.com"]))


def test_serve_refuses_a_public_address_without_a_token(corpus_url: str) -> None:
    result = CliRunner().invoke(serve, ["--host", "0.0.0.0", "--db", corpus_url], env={"POLICYWATCH_TOKEN": ""})
    assert result.exit_code == 2
    assert "refusing to serve on non-loopback address 0.0.0.0 without a token" in result.output
    short = CliRunner().invoke(serve, ["--host", "0.0.0.0", "--token", "short", "--db", corpus_url])
    assert short.exit_code == 2 and "at least 16 characters" in short.output
