"""Atom feeds, parsed back with feedparser."""

from __future__ import annotations

import feedparser
import pytest
from flask.testing import FlaskClient

from tests.web.conftest import SLUG, XSS


def parse(client: FlaskClient, url: str) -> feedparser.FeedParserDict:
    resp = client.get(url)
    assert resp.status_code == 200 and resp.mimetype == "application/atom+xml"
    feed = feedparser.parse(resp.data)
    assert feed.version == "atom10" and feed.bozo == 0, feed.get("bozo_exception")
    assert feed.feed.id and feed.feed.updated and feed.feed.title
    assert any(link.rel == "self" for link in feed.feed.links)
    for entry in feed.entries:
        assert entry.id.startswith("tag:policywatch")
        assert entry.updated_parsed and entry.title and entry.summary
        assert entry.link.startswith("http://localhost/d/") and "/diff/" in entry.link
    return feed


def test_all_material_changes(client: FlaskClient) -> None:
    feed = parse(client, "/feeds/changes.atom")
    assert len(feed.entries) >= 10
    updated = [e.updated_parsed for e in feed.entries]
    assert updated == sorted(updated, reverse=True)
    assert len({e.id for e in feed.entries}) == len(feed.entries)


def test_per_document(client: FlaskClient) -> None:
    feed = parse(client, f"/feeds/d/{SLUG}.atom")
    assert feed.entries and all(f"/d/{SLUG}/diff/" in e.link for e in feed.entries)
    assert client.get("/feeds/d/no/such.atom").status_code == 404


@pytest.mark.parametrize("label", ["ai_training", "opt_out", "regions"])
def test_per_label_only_matching_changes(client: FlaskClient, label: str) -> None:
    feed = parse(client, f"/feeds/label/{label}.atom")
    assert feed.entries
    for entry in feed.entries:
        assert label in {t.term for t in entry.tags}


def test_label_feed_with_no_match_is_empty_but_valid(client: FlaskClient) -> None:
    assert parse(client, "/feeds/label/no_such_label.atom").entries == []


def test_policy_text_in_feeds_is_plain_text(client: FlaskClient) -> None:
    feed = parse(client, f"/feeds/d/{XSS.id}.atom")
    (entry,) = feed.entries
    assert entry.summary_detail.type == "text/plain"
    assert "XSS <b>Policy</b>" in entry.title       # title is text: the tags are data, not markup
