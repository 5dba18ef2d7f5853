"""Issue 11, web hardening, against `policywatch serve` as a real subprocess on loopback."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from store import Store
from tests.web.conftest import SLUG, serving, version_id

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
