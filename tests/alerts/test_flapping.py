"""A page that goes back and forth between two texts: the change and its reversal alert, further
flips between the same texts do not (until a new text, or the window passes), and every version
is still recorded. Real texts: LinkedIn's privacy policy around its September 2024 AI change."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from alerts.message import facts
from store import Store
from store.models import Alert, Version
from tests.alerts.support import T0, write_config
from tests.builders import Target, corpus_versions, replay


def _texts(*days: str) -> list[str]:
    found = {r.name: r for r in corpus_versions("contrib", "privacy-policy")}
    return [found[d].text() for d in days]


A, B, C = _texts("2024-08-01", "2024-09-19", "2025-11-03")


def _config(path: Path, window: float | None = None) -> None:
    write_config(path, {"channels": {"hook": {"kind": "webhook", "url": "http://127.0.0.1:9/hook",
                                              "secret": "k" * 16, "min_severity": "low"}}})
    if window is not None:
        path.write_text(f"[policywatch]\nflap_window_days = {window}\n\n" + path.read_text())


def _record(store: Store, texts: list[str], start: datetime, step: timedelta) -> list[Version]:
    replay(store, Target(), [(start + k * step, t) for k, t in enumerate(texts)])
    with store.session() as s:
        versions = list(s.scalars(select(Version).order_by(Version.id)))
        s.expunge_all()
    return versions


def _alerts(store: Store) -> list[Alert]:
    with store.session() as s:
        rows = list(s.scalars(select(Alert).order_by(Alert.id)))
        s.expunge_all()
    return rows


def test_alternating_texts_alert_twice_then_wait_for_a_new_text(
        db_url: str, isolated_config: Path, caplog: pytest.LogCaptureFixture) -> None:
    _config(isolated_config)
    store = Store(db_url)
    with caplog.at_level(logging.WARNING, logger="alerts.outbox"):
        versions = _record(store, [A, B, A, B, A, C], T0, timedelta(hours=6))
    assert len(versions) == 6  # every flip is a version: the history stays true
    payloads = [a.payload for a in _alerts(store)]
    assert len(payloads) == 3, [p.get("restores") for p in payloads]
    first, reversal, new_text = payloads
    assert "restores" not in first
    assert reversal["restores"]["version_id"] == versions[0].id  # B -> A brings back version 1
    assert reversal["restores"]["link"].endswith(f"/v/{versions[0].id}")
    reverts = dict(facts(reversal))["Reverts"]
    assert f"version {versions[0].id}" in reverts and "undone" in reverts
    assert "restores" not in new_text and new_text["version_link"].endswith(f"/v/{versions[5].id}")
    paused = [r.getMessage() for r in caplog.records if "alternates between two texts" in r.getMessage()]
    assert len(paused) == 2 and "4 versions" in paused[0] and "5 versions" in paused[1]


def test_a_flip_after_the_window_alerts_again(db_url: str, isolated_config: Path) -> None:
    _config(isolated_config, window=2)
    store = Store(db_url)
    versions = _record(store, [A, B, A, B], T0, timedelta(days=1.5))  # 4.5 days from 1st to 4th
    payloads = [a.payload for a in _alerts(store)]
    assert len(payloads) == 3  # the flips are too far apart to count as alternating
    assert payloads[-1]["restores"]["version_id"] == versions[1].id  # still said: it reverts


def test_window_zero_alerts_on_every_flip(db_url: str, isolated_config: Path) -> None:
    _config(isolated_config, window=0)
    store = Store(db_url)
    _record(store, [A, B, A, B], T0, timedelta(hours=1))
    payloads = [a.payload for a in _alerts(store)]
    assert len(payloads) == 3 and not any("restores" in p for p in payloads)
