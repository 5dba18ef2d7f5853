"""Archived texts are placed in a document's history by date (SQLite and PostgreSQL), and the
CDX listing is filtered as the Wayback Machine's own documentation describes."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from archive.wayback import ArchiveError, WaybackCapture, parse_cdx, usable, within
from store import Store
from store.archive import ArchivedText, place_version
from store.models import Document, Version
from store.record import sha256
from tests.wayback import WAYBACK


def _at(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=timezone.utc)


def _item(year: int, text: str) -> ArchivedText:
    return ArchivedText(_at(year), text, "backfill", f"https://archive.example/{year}")


def test_an_older_text_is_placed_before_the_stored_versions(db_url: str) -> None:
    store = Store(db_url)
    with store.session() as s:
        doc = Document(slug="p/doc", platform="p", name="Doc", url="https://p.example/doc")
        s.add(doc)
        s.flush()
        live = Version(document_id=doc.id, fetched_at=_at(2026), text="C", text_sha256=sha256("C"),
                       extractor_version="x")
        s.add(live)
        s.flush()
        oldest = place_version(s, doc, _item(2015, "A"))
        middle = place_version(s, doc, _item(2020, "B"))
        same_as_next = place_version(s, doc, _item(2024, "C"))
        same_as_previous = place_version(s, doc, _item(2016, "A"))
        assert oldest.version is not None and middle.version is not None
        assert (oldest.previous, oldest.next) == (None, live)
        assert (middle.previous, middle.next) == (oldest.version, live)
        assert live.previous_id == middle.version.id  # re-linked to the text before it
        assert middle.version.previous_id == oldest.version.id
        assert same_as_next.version is None and same_as_previous.version is None
        assert (middle.version.origin, middle.version.archive_url) == (
            "backfill", "https://archive.example/2020")
        assert live.origin == "crawl"
    store.dispose()


def test_the_recorded_listing_keeps_only_200s_and_the_first_of_each_digest_run() -> None:
    listed = parse_cdx((WAYBACK / "cdx.json").read_bytes())
    assert len(listed) == 13
    kept = usable(listed)
    assert [c.timestamp for c in kept if c.statuscode != "200" or c.mimetype == "warc/revisit"] == []
    assert "20230316090000" not in [c.timestamp for c in kept]  # same digest as the one before
    assert len(kept) == 9
    assert [c.timestamp for c in within(kept, date(2023, 6, 1), None)] == ["20230626043114"]


def test_a_digest_seen_again_after_another_is_kept() -> None:
    rows = [WaybackCapture(ts, "https://x.example/", "200", d) for ts, d in
            [("20200101000000", "A"), ("20200201000000", "B"), ("20200301000000", "A")]]
    assert [c.digest for c in usable(rows)] == ["A", "B", "A"]  # a change back is a change


@pytest.mark.parametrize("body, message", [
    (b"<html>busy</html>", "not JSON"),
    (b'[["urlkey", "length"]]', "no header row"),
])
def test_a_bad_cdx_answer_is_a_clear_error(body: bytes, message: str) -> None:
    with pytest.raises(ArchiveError, match=message):
        parse_cdx(body)


def test_an_empty_cdx_answer_lists_nothing() -> None:
    assert parse_cdx(b"") == [] and parse_cdx(b"[]") == []
