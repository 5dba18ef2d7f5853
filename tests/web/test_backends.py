"""Timeline filters and change lists on SQLite and PostgreSQL (labels are JSON)."""

from __future__ import annotations

from flask.testing import FlaskClient

from store import Store
from tests.builders import Target, replay
from tests.web.conftest import SLUG, linkedin_steps
from web.app import create_app

DAYS = ("2024-07-19", "2024-08-01", "2024-09-19", "2025-04-01", "2025-11-03")


def test_filters_and_feeds_on_each_backend(db_url: str) -> None:
    store = Store(db_url)
    try:
        replay(store, Target(), linkedin_steps(DAYS))
        client: FlaskClient = create_app(store).test_client()
        ai = client.get(f"/api/d/{SLUG}/versions?label=ai_training").get_json()
        assert [v["fetched_at"][:10] for v in ai["items"]] == ["2024-09-19"]
        page = client.get(f"/api/d/{SLUG}/versions?per_page=2&page=3").get_json()
        assert (page["total"], [v["fetched_at"][:10] for v in page["items"]]) == (5, ["2024-07-19"])
        high = client.get("/api/changes?severity=high").get_json()
        assert [c["fetched_at"][:10] for c in high["items"]] == ["2024-09-19"]
        assert client.get("/feeds/label/ai_training.atom").status_code == 200
        new = ai["items"][0]["id"]
        assert b'<mark class="evidence">' in client.get(f"/d/{SLUG}/diff/{new - 1}..{new}").data
        assert b"train artificial" in client.get("/search?q=TRAIN+ARTIFICIAL").data
        _new_pages_on(client, new)
    finally:
        store.dispose()


def _new_pages_on(client: FlaskClient, ai: int) -> None:
    """The dashboard's summaries, the picture's counts and the phrase history (JSON labels,
    year extraction and a per-version "holds the phrase" column) on this backend."""
    home = client.get("/").get_data(as_text=True)
    assert 'id="topic-ai_training"' in home and f"/diff/{ai - 1}..{ai}" in home
    assert 'aria-label="AI training, 2024: 1 material change"' in home
    assert 'aria-label="Regions, 2025: 1 material change"' in home
    found = client.get("/search?q=TRAIN+ARTIFICIAL").get_data(as_text=True)
    assert f'class="introduced-by" href="/d/{SLUG}/diff/{ai - 1}..{ai}"' in found
