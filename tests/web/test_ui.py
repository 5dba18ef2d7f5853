"""The pages that answer a reader's questions first: dashboard, reading view, phrase history,
timeline picture, API reference; through the Flask test client on the corpus database."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient

from store import Store
from tests.web.conftest import EU, HI, SLUG, XSS, version_id
from web import chart, overview, phrases
from web.cache import ResultCache
from web.reading import markdown_html, safe_href

REMOVED = "We're updating our terms on November 3, 2025"


def html(client: FlaskClient, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.data[:500])
    return resp.get_data(as_text=True)


@pytest.fixture(scope="module")
def editions(editions_url: str) -> FlaskClient:
    from web.app import create_app

    return create_app(Store(editions_url)).test_client()


def _row(page: str, slug: str) -> str:
    m = re.search(r'<tr id="doc-\d+">(?:(?!</tr>).)*?<div class="muted">' + re.escape(slug)
                  + r" ·(?:(?!</tr>).)*</tr>", page, re.S)
    assert m, slug
    return m.group(0)


def test_dashboard_row_leads_with_the_latest_notable_change(client: FlaskClient) -> None:
    row = _row(html(client, "/"), SLUG)
    lead = re.search(r'class="lead">\s*<a class="change-link" href="[^"]+">([\d-]+)</a>\s*'
                     r'<span class="badge sev sev-(\w+)">', row)
    assert lead and lead.groups() == ("2025-11-03", "medium")   # not the low 2025-11-20 one
    assert "then 1 minor change, latest" in row and ">2025-11-20<" in row
    ai = re.search(r'class="by-label by-label-ai_training">(.*?)</td>', row, re.S)
    assert ai and ">2024-09-19<" in ai.group(1) and "sev-high" in ai.group(1)


def test_dashboard_answers_what_changed_per_label_across_documents(client: FlaskClient,
                                                                  corpus_store: Store) -> None:
    page = html(client, "/")
    topic = re.search(r'<li class="topic" id="topic-ai_training">(.*?)</li>', page, re.S)
    assert topic, page[:2000]
    new = version_id(corpus_store, SLUG, "2024-09-19")
    eu_new = version_id(corpus_store, EU.id, "2024-09-19")
    assert (f'/d/{SLUG}/diff/{new - 1}..{new}"' in topic.group(1)
            or f'/d/{EU.id}/diff/{eu_new - 1}..{eu_new}"' in topic.group(1))
    regions = re.search(r'<li class="topic" id="topic-regions">(.*?)</li>', page, re.S)
    assert regions and ">2025-11-03<" in regions.group(1)


def test_documents_with_the_same_title_show_their_edition(editions: FlaskClient) -> None:
    page = html(editions, "/")
    assert 'Privacy Policy</a> <span class="edition">(Hindi edition)</span>' in page
    assert '<span class="edition">(English edition, region EU)</span>' in page
    assert 'XSS &lt;b&gt;Policy&lt;/b&gt;</a> <span class="edition">' not in page  # a unique title


def test_reading_view_renders_markdown_safely(client: FlaskClient, corpus_store: Store) -> None:
    v2 = version_id(corpus_store, XSS.id, "2024-01-02")
    page = html(client, f"/d/{XSS.id}/v/{v2}")
    article = re.search(r'<article class="policy"[^>]*>(.*)</article>', page, re.S)
    assert article
    body = article.group(1)
    assert "<h2>Privacy Policy &lt;script&gt;alert(1)&lt;/script&gt;</h2>" in body
    assert "<h3>1. Data We Collect</h3>" in body and page.count("<h1") == 1
    assert not re.search(r"<(script|img|svg|iframe|body|b )", body, re.I)
    assert "javascript:" not in re.sub(r">[^<]*<", "><", body)     # in no attribute
    assert "&lt;img src=x onerror=alert(2)&gt;" in body
    assert re.search(r"Effective</dt><dd class=\"stated-date\"><time datetime=\"2024-03-01\">", page)


def test_reading_view_of_linkedin_shows_effective_date_and_source_link(
        client: FlaskClient, corpus_store: Store) -> None:
    vid = version_id(corpus_store, SLUG, "2024-09-19")
    page = html(client, f"/d/{SLUG}/v/{vid}")
    assert '<time datetime="2024-09-18">' in page
    assert ('<a class="url source-link" href="https://www.linkedin.com/legal/privacy-policy" '
            'rel="nofollow noreferrer">') in page
    assert re.search(r"<h3>\d\. How We Use Your Data</h3>|<h3>2\. How We Use Your Data</h3>", page)
    source = html(client, f"/d/{SLUG}/v/{vid}?view=source")
    assert '<pre class="policy-text" id="policy-text">' in source and "<article" not in source
    html(client, f"/d/{SLUG}/v/{vid}?view=pdf", 400)


def test_download_as_markdown(client: FlaskClient, corpus_store: Store) -> None:
    vid = version_id(corpus_store, EU.id, "2024-09-19")
    resp = client.get(f"/d/{EU.id}/v/{vid}.md")
    assert resp.status_code == 200 and resp.mimetype == "text/markdown"
    assert resp.headers["Content-Disposition"] == (
        f'attachment; filename="linkedin-privacy-policy-eu-2024-09-19-v{vid}.md"')
    with corpus_store.session() as s:
        from store.models import Version
        assert resp.get_data(as_text=True) == s.get(Version, vid).text
    assert f'href="/d/{EU.id}/v/{vid}.md"' in html(client, f"/d/{EU.id}/v/{vid}")
    html(client, f"/d/{SLUG}/v/{vid}.md", 404)             # not a version of that document


def test_search_links_the_changes_that_added_and_removed_a_phrase(client: FlaskClient,
                                                                  corpus_store: Store) -> None:
    page = html(client, "/search?" + urlencode({"q": REMOVED}))
    added = version_id(corpus_store, SLUG, "2025-09-18")
    last = version_id(corpus_store, SLUG, "2025-09-23")
    gone = version_id(corpus_store, SLUG, "2025-11-03")
    assert page.count('class="phrase-history"') == 1 and page.count('class="run"') == 1
    assert f'class="introduced-by" href="/d/{SLUG}/diff/{added - 1}..{added}"' in page
    assert f'class="removed-by" href="/d/{SLUG}/diff/{last}..{gone}"' in page
    assert '<span class="badge gone">gone</span>' in page


def test_timeline_picture_counts_changes_by_label_and_year(client: FlaskClient) -> None:
    page = html(client, f"/d/{SLUG}")
    svg = re.search(r'<svg class="label-chart".*?</svg>', page, re.S)
    assert svg
    dots = re.findall(r'<a href="([^"]+)" aria-label="([^"]+)">', svg.group(0))
    assert (f"/d/{SLUG}?label=ai_training&amp;since=2024-01-01&amp;until=2024-12-31",
            "AI training, 2024: 1 material change") in dots
    overall = html(client, "/changes")
    assert 'aria-label="AI training, 2024: 3 material changes"' in overall   # linkedin, eu, xss


def test_api_reference_lists_every_endpoint(client: FlaskClient) -> None:
    from web.openapi import openapi_document

    page = html(client, "/docs/api")
    for path in openapi_document()["paths"]:
        assert f"<code>GET {path}</code>" in page
    assert 'href="/api/openapi.json"' in page and "<code>per_page</code>" in page
    assert 'href="/docs/api"' in html(client, "/")               # the nav's "API" link


@pytest.mark.parametrize("url", ["/", f"/d/{SLUG}", f"/d/{SLUG}/v/3", f"/d/{SLUG}/diff/2..3",
                                 "/changes", "/search?q=data", "/alerts", "/docs/api"])
def test_one_h1_per_page(client: FlaskClient, url: str) -> None:
    assert html(client, url).count("<h1") == 1


def test_diff_units_are_headings(client: FlaskClient, corpus_store: Store) -> None:
    new = version_id(corpus_store, SLUG, "2024-09-19")
    page = html(client, f"/d/{SLUG}/diff/{new - 1}..{new}")
    assert '<h2 id="labelled-title">' in page and '<h2 id="units">' in page
    units = re.findall(r'<h3 class="unit-title" id="h\d+-title">', page)
    assert len(units) == page.count('<section class="hunk')


# pure parts


def _ref(day: str, severity: str, labels: tuple[str, ...] = (), doc: int = 1) -> overview.ChangeRef:
    at = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
    return overview.ChangeRef(doc, int(at.timestamp()), 1, 2, at, severity, labels)


def test_summary_leads_with_the_latest_notable_change() -> None:
    newest_first = [_ref("2024-09-19", "high", ("ai_training",)), _ref("2024-01-01", "medium")]
    s = overview.summarise(newest_first)[1]
    assert s.lead is newest_first[0] and s.by_label == {"ai_training": newest_first[0]}
    low = _ref("2025-03-01", "low")
    overview.add_latest(s, low, 2)
    assert s.lead is newest_first[0] and (s.latest_minor, s.minor_since) == (low, 2)
    nothing_notable = overview.DocSummary()
    overview.add_latest(nothing_notable, low, 0)
    assert nothing_notable.lead is low and nothing_notable.latest_minor is None


def test_label_years_grid() -> None:
    grid = chart.label_years(Counter({("", 2022): 1, ("ai_training", 2024): 2, ("regions", 2024): 1}))
    assert grid.years == [2022, 2023, 2024]
    counts = {(c.label, c.year): c.count for c in grid.cells}
    assert counts == {("other material", 2022): 1, ("ai_training", 2024): 2, ("regions", 2024): 1}
    assert chart.label_years(Counter()).years == []


def test_runs_of_a_phrase() -> None:
    at = datetime(2024, 1, 1)
    p = [phrases.Point(i, at) for i in range(6)]
    history = list(zip(p, [False, True, True, False, True, True]))
    first, second = phrases.runs(history)
    assert (first.first, first.last, first.before, first.removed_in, first.versions) == (p[1], p[2], p[0], p[3], 2)
    assert (second.first, second.before, second.removed_in) == (p[4], p[3], None)
    assert phrases.runs([(p[0], True)])[0].before is None


def test_markdown_html_escapes_raw_html_and_drops_script_links() -> None:
    out = str(markdown_html("# T\n\n<script>x()</script> [a](javascript:alert(1)) ![i](http://e/x.png)"
                            "\n\n| a | b |\n|---|---|\n| x<br>y | <b>z</b> |\n"))
    assert "<h2>T</h2>" in out and "<script>" not in out and "&lt;script&gt;" in out
    assert 'href="javascript' not in out and "<img" not in out
    assert "x<br>y" in out and "&lt;b&gt;z&lt;/b&gt;" in out and '<table tabindex="0">' in out
    assert safe_href("https://example.com/a?b=<x>") == "https://example.com/a?b=<x>"
    assert safe_href("javascript:alert(1)") is None and safe_href(None) is None


def test_result_cache_is_bounded_and_computes_once_under_concurrency() -> None:
    cache = ResultCache(size=2)
    calls: list[str] = []
    gate = threading.Event()

    def slow() -> str:
        calls.append("x")
        gate.wait(5)
        return "value"

    readers = [threading.Thread(target=cache.get, args=("k", slow)) for _ in range(8)]
    for t in readers:
        t.start()
    gate.set()
    for t in readers:
        t.join()
    assert calls == ["x"] and cache.get("k", lambda: "other") == "value"
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    assert len(cache) == 2 and cache.get("k", lambda: "recomputed") == "recomputed"


def test_computed_diff_page_is_cached(app: object, client: FlaskClient, corpus_store: Store) -> None:
    first = version_id(corpus_store, SLUG, "2021-10-07")
    last = version_id(corpus_store, SLUG, "2024-09-19")
    cache = app.extensions["policywatch_cache"]["diffs"]  # type: ignore[attr-defined]
    before = len(cache)
    page = html(client, f"/d/{SLUG}/diff/{first}..{last}")
    assert len(cache) == before + 1
    assert html(client, f"/d/{SLUG}/diff/{first}..{last}") == page and len(cache) == before + 1
