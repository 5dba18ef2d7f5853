"""The HTML pages, through the Flask test client, on the corpus database."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from store import Store
from store.models import Alert, Change, Check, Document, Incident, Snapshot, Version
from tests.web.conftest import EU, SLUG, XSS, version_id

AI_DAY = "2024-09-19"


def html(client: FlaskClient, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.data[:500])
    return resp.get_data(as_text=True)


def test_dashboard_lists_documents_with_status(client: FlaskClient) -> None:
    page = html(client, "/")
    assert f'href="/d/{SLUG}"' in page
    assert "new_version" in page                     # last check outcome
    assert "1 open" in page                          # the open incident
    assert re.search(r"sev-high\">high", page)       # latest material change badge


def test_timeline_paginates_newest_first(client: FlaskClient, corpus_store: Store) -> None:
    first = html(client, f"/d/{SLUG}?per_page=10")
    assert "page 1 of 3 (27)" in first  # 28 recordings, one identical to the one before
    assert "2026-02-20" in first and "2021-10-07" not in first
    last = html(client, f"/d/{SLUG}?per_page=10&page=3")
    assert "2021-10-07" in last and "first version" in last


def test_timeline_filters_by_label(client: FlaskClient, corpus_store: Store) -> None:
    page = html(client, f"/d/{SLUG}?label=ai_training")
    rows = re.findall(r'<tr class="version[^"]*" id="v(\d+)"', page)
    assert rows == [str(version_id(corpus_store, SLUG, AI_DAY))]
    assert "label-ai_training" in page


def test_timeline_filters_by_severity_and_dates(client: FlaskClient) -> None:
    high = html(client, f"/d/{SLUG}?severity=high")
    assert len(re.findall(r'<tr class="version', high)) == 1
    medium = html(client, f"/d/{SLUG}?severity=medium")
    assert len(re.findall(r'<tr class="version', medium)) == 2
    dated = html(client, f"/d/{SLUG}?since=2024-09-01&until=2024-12-31")
    assert len(re.findall(r'<tr class="version', dated)) == 1 and AI_DAY in dated


@pytest.mark.parametrize("query", ["label=AI%20training", "severity=urgent", "since=yesterday",
                                   "page=0", "per_page=100000", "page=x"])
def test_bad_filters_are_400(client: FlaskClient, query: str) -> None:
    html(client, f"/d/{SLUG}?{query}", 400)


def test_version_page_shows_text_date_and_source(client: FlaskClient, corpus_store: Store) -> None:
    vid = version_id(corpus_store, SLUG, AI_DAY)
    page = html(client, f"/d/{SLUG}/v/{vid}")
    assert "2024-09-19 06:00 UTC" in page
    assert "https://www.linkedin.com/legal/privacy-policy" in page
    assert "train artificial intelligence" in page
    assert f"/d/{SLUG}/diff/{vid - 1}..{vid}" in page


def test_version_at_a_date_redirects(client: FlaskClient, corpus_store: Store) -> None:
    resp = client.get(f"/d/{SLUG}?at=2024-09-01")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(
        f"/d/{SLUG}/v/{version_id(corpus_store, SLUG, '2024-08-01')}")
    html(client, f"/d/{SLUG}?at=2001-01-01", 404)


def test_diff_page_highlights_evidence_side_by_side_and_inline(client: FlaskClient,
                                                                corpus_store: Store) -> None:
    new = version_id(corpus_store, SLUG, AI_DAY)
    side = html(client, f"/d/{SLUG}/diff/{new - 1}..{new}")
    assert '<mark class="evidence">' in side and "side-by-side" in side
    assert "2. How We Use Your Data" in side and "label-ai_training" in side
    assert "<del>" in side and "<ins>" in side
    inline = html(client, f"/d/{SLUG}/diff/{new - 1}..{new}?view=inline")
    assert 'class="inline text"' in inline and '<mark class="evidence">' in inline
    everything = html(client, f"/d/{SLUG}/diff/{new - 1}..{new}?all=1")
    assert everything.count('<section class="hunk') > side.count('<section class="hunk')


def test_diff_of_any_pair_is_computed_without_writing(client: FlaskClient, corpus_store: Store) -> None:
    first = version_id(corpus_store, SLUG, "2021-10-07")
    last = version_id(corpus_store, SLUG, "2026-02-20")
    with corpus_store.session() as s:
        before = s.scalar(select(func.count()).select_from(Change))
    page = html(client, f"/d/{SLUG}/diff/{first}..{last}")
    assert "computed for this page, not stored" in page and "not consecutive" in page
    with corpus_store.session() as s:
        assert s.scalar(select(func.count()).select_from(Change)) == before


def test_compare_form_redirects_to_the_stable_diff_url(client: FlaskClient) -> None:
    resp = client.get(f"/d/{SLUG}/compare?old=9&new=4")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/d/{SLUG}/diff/4..9")


def test_change_and_document_permalinks_redirect(client: FlaskClient, corpus_store: Store) -> None:
    new = version_id(corpus_store, SLUG, AI_DAY)
    with corpus_store.session() as s:
        change_id = s.scalar(select(Change.id).where(Change.new_version_id == new))
    resp = client.get(f"/changes/{change_id}")
    assert resp.status_code == 302 and resp.headers["Location"] == f"/d/{SLUG}/diff/{new - 1}..{new}"
    assert client.get(f"/documents/{EU.id}").headers["Location"] == f"/d/{EU.id}"
    html(client, "/changes/999999", 404)


def test_slug_with_at_sign_routes(client: FlaskClient, corpus_store: Store) -> None:
    page = html(client, f"/d/{EU.id}")
    new = version_id(corpus_store, EU.id, AI_DAY)
    assert f"/d/{EU.id}/diff/" in page
    html(client, f"/d/{EU.id}/diff/{new - 1}..{new}")
    html(client, f"/d/linkedin%2Fprivacy-policy%40eu/v/{new}")


@pytest.mark.parametrize("url", [f"/d/{SLUG}/v/999999", f"/d/{SLUG}/diff/1..999999",
                                 "/d/no/such-doc", f"/d/{EU.id}/v/1"])
def test_missing_things_are_404(client: FlaskClient, url: str) -> None:
    html(client, url, 404)


def test_alert_log_and_incidents(client: FlaskClient) -> None:
    page = html(client, "/alerts")
    assert "email:privacy-team" in page and "slack:#policy" in page
    assert "status-dead" in page and "HTTP 999 &lt;i&gt;blocked&lt;/i&gt;" in page
    assert "&lt;script&gt;alert(&#39;err&#39;)&lt;/script&gt;" in page
    only_dead = html(client, "/alerts?status=dead")
    assert "email:privacy-team</td>" not in only_dead


def test_search_gives_one_row_per_document_with_first_and_last_seen(client: FlaskClient) -> None:
    page = html(client, "/search?q=train+artificial+intelligence")
    docs = re.findall(r'<li class="phrase-history" id="doc-\d+">\s*<h2><a href="/d/([^"]+)"', page)
    assert sorted(docs) == sorted([SLUG, EU.id, XSS.id])     # one row each, not one per version
    assert "<mark>train artificial intelligence</mark>" in page
    assert "No version contains" in html(client, "/search?q=%25_no_such_phrase_%25")


def test_changes_page_by_label(client: FlaskClient) -> None:
    page = html(client, "/changes?label=ai_training")
    assert page.count('class="diff-link"') == 3     # linkedin, @eu, and the XSS fixture


def test_security_headers(client: FlaskClient) -> None:
    resp = client.get("/")
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_no_route_accepts_writes(app: Flask, client: FlaskClient) -> None:
    """Every route is GET/HEAD(/OPTIONS) only; writing methods answer 405."""
    for rule in app.url_map.iter_rules():
        assert rule.methods is not None and rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    urls = ["/", f"/d/{SLUG}", f"/d/{SLUG}/v/1", f"/d/{SLUG}/diff/1..2", "/alerts", "/search",
            "/changes", "/feeds/changes.atom", "/api/documents", f"/api/d/{SLUG}/versions",
            "/api/changes", "/api/openapi.json"]
    for url in urls:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            assert client.open(url, method=method).status_code == 405, (method, url)


def test_browsing_writes_nothing(client: FlaskClient, corpus_store: Store) -> None:
    tables = (Document, Version, Snapshot, Check, Change, Alert, Incident)

    def counts() -> list[int]:
        with corpus_store.session() as s:
            return [s.scalar(select(func.count()).select_from(t)) or 0 for t in tables]

    before = counts()
    for url in ["/", f"/d/{SLUG}", f"/d/{SLUG}/diff/2..20", f"/api/d/{SLUG}/diff/3..21",
                "/alerts", "/search?q=data", "/feeds/label/opt_out.atom"]:
        assert client.get(url).status_code == 200
    assert counts() == before


def test_document_page_shows_robots_policy_and_region(corpus_store: Store) -> None:
    from web.app import create_app

    fetching = {SLUG: {"robots": "ignore", "robots_reason": "public <legal> pages", "region": "-"},
                EU.id: {"robots": "obey", "robots_reason": None, "region": "eu (egress eu not configured)"}}
    client = create_app(corpus_store, fetching=fetching).test_client()
    page = html(client, f"/d/{SLUG}")
    assert "robots.txt: ignored (public &lt;legal&gt; pages)" in page
    eu = html(client, f"/d/{EU.id}")
    assert "robots.txt: obeyed" in eu and "region: eu (egress eu not configured)" in eu
    assert "robots.txt:" not in html(create_app(corpus_store).test_client(), f"/d/{SLUG}")


def test_diff_page_opens_a_handful_of_units_and_folds_the_minor_edits(client: FlaskClient,
                                                                      corpus_store: Store) -> None:
    """The September 2024 change: the labelled units open, the AI-training one first; the other
    material units inside one folded <details> whose summary counts them; the JSON's ``reading``
    lists the same units."""
    new = version_id(corpus_store, SLUG, AI_DAY)
    page = html(client, f"/d/{SLUG}/diff/{new - 1}..{new}")
    head, fold = page.split('<details class="minor-edits" id="minor-edits">')
    opened = re.findall(r'<section class="hunk[^"]*" id="(h\d+)"', head)
    assert 0 < len(opened) <= 10
    assert re.search(r'id="h\d+-title"><span class="section">2\. How We Use Your Data</span>', head)
    summary = re.search(r'<span class="minor-count">(\d+) minor edits in sections ([^<]+)</span>', fold)
    assert summary and int(summary.group(1)) == fold.count('<div class="part"')
    reading = client.get(f"/api/d/{SLUG}/diff/{new - 1}..{new}").get_json()["result"]["reading"]
    assert opened == [f"h{u['changes'][0]}" for u in reading["open"]]
    assert reading["minor_summary"].startswith(summary.group(1) + " minor edits")


def test_a_diff_back_to_an_earlier_text_says_it_reverts(client: FlaskClient, corpus_store: Store) -> None:
    """LinkedIn's recorded history holds a real flip: the 2021-10-25 text is the 2021-10-07 one."""
    first, mid, back = (version_id(corpus_store, SLUG, d) for d in ("2021-10-07", "2021-10-20", "2021-10-25"))
    page = html(client, f"/d/{SLUG}/diff/{mid}..{back}")
    reverts = re.search(r'<p class="reverts">(.*?)</p>', page, re.S)
    assert reverts, page[:2000]
    assert f'href="/d/{SLUG}/v/{first}"' in reverts.group(1) and "2021-10-07" in reverts.group(1)
    before, ai = version_id(corpus_store, SLUG, "2024-08-01"), version_id(corpus_store, SLUG, AI_DAY)
    assert 'class="reverts"' not in html(client, f"/d/{SLUG}/diff/{before}..{ai}")
