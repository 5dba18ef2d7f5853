"""The outbox through the real ingest pipeline: routed rows per change, incidents, no noise."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from alerts.dispatch import Dispatcher
from ingest import Recorder
from store import Store
from store.models import Alert, Incident
from tests.alerts.conftest import SMTP_PASSWORD, SMTP_USER
from tests.alerts.receiver import Receiver
from tests.alerts.support import T0, write_config
from tests.builders import Fetch, Target, corpus_versions, replay

EVIDENCE = "develop and train artificial intelligence (AI) models"


def _versions(*days: str) -> list[tuple[Any, str]]:
    found = {r.name: r for r in corpus_versions("contrib", "privacy-policy")}
    return [(found[d].when, found[d].text()) for d in days]


def _routes(receiver: Receiver) -> dict[str, Any]:
    return {"backoff_seconds": 0.01, "channels": {
        "slack": {"kind": "slack", "webhook_url": receiver.url("/slack"), "min_severity": "high"},
        "hook": {"kind": "webhook", "url": receiver.url("/hook"), "secret": "k" * 16,
                 "labels": ["opt_out"], "incidents": False},
        "audit": {"kind": "webhook", "url": receiver.url("/audit"), "secret": "k" * 16,
                  "min_severity": "low", "mode": "digest", "platforms": ["linkedin"]},
    }}


def _rows(store: Store) -> list[Alert]:
    with store.session() as s:
        return list(s.scalars(select(Alert).order_by(Alert.id)))


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_sept_2024_change_sends_one_high_alert(db_url: str, receiver: Receiver, smtp: Any,
                                               isolated_config: Path) -> None:
    routes = _routes(receiver)
    routes["channels"]["mail"] = {
        "kind": "email", "host": "127.0.0.1", "port": smtp[0].port, "security": "none",
        "username": SMTP_USER, "password": SMTP_PASSWORD, "sender": "alerts@pw.test",
        "to": ["privacy@x.test"], "mode": "digest", "digest_interval_minutes": 1440}
    write_config(isolated_config, routes)
    store = Store(db_url)
    replay(store, Target(), _versions("2024-08-01", "2024-09-19"))
    rows = _rows(store)
    assert sorted(r.dedup_key.rsplit(":", 1)[1] for r in rows) == ["audit", "hook", "mail", "slack"]
    assert {r.severity for r in rows} == {"high"} and {r.status for r in rows} == {"pending"}
    stats = Dispatcher(store).run_once()
    assert stats["sent"] == 4
    (_, mail), = smtp[1].messages
    assert mail["Subject"] == "[HIGH] PolicyWatch: LinkedIn Privacy Policy changed: AI training, opt-out, regions"
    plain = mail.get_body(("plain",)).get_content()
    assert EVIDENCE in plain
    # the change units, most severe labelled first: the AI-training sentence, removed then added
    lines = plain.splitlines()
    first = lines[next(k for k, x in enumerate(lines) if x.startswith("Changes (")) + 1:]
    assert first[0] == "  § 2. How We Use Your Data [AI training]"
    assert first[1].startswith("    Removed: “We use the data that we have about you")
    assert first[2].startswith("    Added: “We may use your personal data") and EVIDENCE in first[2]
    slack = [d for d in receiver.accepted if d.path == "/slack"]
    assert len(slack) == 1
    text = slack[0].json()["text"]
    assert text.startswith("[HIGH] PolicyWatch: LinkedIn Privacy Policy changed: AI training")
    for words in ("AI training", EVIDENCE, "Regions:", "EEA", "Switzerland", "UK",
                  "Policy effective: September 18, 2024", "http://pw.test/d/linkedin/privacy-policy/diff/1..2"):
        assert words in text, words
    assert EVIDENCE in str(slack[0].json()["blocks"])
    assert "*Removed:*\\n>We use the data that we have about you" in str(slack[0].json()["blocks"])
    assert Dispatcher(store).run_once().get("sent", 0) == 0  # nothing sent twice


def test_noise_and_technical_changes_never_alert(db_url: str, receiver: Receiver,
                                                 isolated_config: Path) -> None:
    write_config(isolated_config, _routes(receiver))
    store = Store(db_url)
    lines = replay(store, Target(), _versions("2021-10-20", "2021-10-25"))
    assert [ln.outcome for ln in lines] == ["new_version", "new_version"]  # a real diff...
    assert lines[1].severity == "none" and _rows(store) == []  # ...that is only noise
    Dispatcher(store).run_once()
    assert receiver.requests == []


def _fail(target: Target, n: int) -> Fetch:
    return Fetch("blocked", status=999, detail="LinkedIn block", target_id=target.id,
                 url=target.url, started_at=T0 + timedelta(hours=n))


def test_three_failures_open_one_incident_and_recovery_one_notice(
        db_url: str, receiver: Receiver, isolated_config: Path) -> None:
    write_config(isolated_config, _routes(receiver))
    store, target = Store(db_url), Target()
    text = _versions("2024-09-19")[0][1]
    rec = Recorder(store, [target])
    rec(Fetch("fetched", text=text, body=b"x", target_id=target.id, started_at=T0))
    for n in range(1, 3):
        rec(_fail(target, n))
    assert _rows(store) == []  # two failures: nothing yet
    for n in range(3, 7):
        rec(_fail(target, n))  # the third opens the incident, later ones only count
    rows = _rows(store)
    assert [(r.kind, r.channel) for r in rows] == [("incident_opened", "slack"),
                                                    ("incident_opened", "audit")]
    with store.session() as s:
        incident = s.scalars(select(Incident)).one()
        assert incident.closed_at is None and incident.failures == 6
        assert incident.cause == "blocked: HTTP 999 (LinkedIn block) since 2024-09-19 07:00 UTC"
    Dispatcher(store).run_once()
    slack = [d.json()["text"] for d in receiver.accepted if d.path == "/slack"]
    assert len(slack) == 1 and "Monitoring broken: LinkedIn Privacy Policy (blocked)" in slack[0]
    assert "blocked: HTTP 999 (LinkedIn block) since 2024-09-19 07:00 UTC" in slack[0]
    rec(Fetch("fetched", text=text, body=b"x", target_id=target.id, started_at=T0 + timedelta(hours=8)))
    rec(Fetch("fetched", text=text, body=b"x", target_id=target.id, started_at=T0 + timedelta(hours=9)))
    assert [r.kind for r in _rows(store)][2:] == ["incident_closed", "incident_closed"]
    with store.session() as s:
        assert s.scalars(select(Incident)).one().closed_at == T0 + timedelta(hours=8)
    Dispatcher(store).run_once()
    slack = [d.json()["text"] for d in receiver.accepted if d.path == "/slack"]
    assert len(slack) == 2 and "Monitoring recovered: LinkedIn Privacy Policy" in slack[1]


def test_enqueue_is_idempotent_per_event(db_url: str, isolated_config: Path) -> None:
    from alerts.config import load
    from alerts.outbox import enqueue
    from tests.alerts.support import payload

    cfg = load({"channels": {"h": {"kind": "webhook", "url": "http://x/", "secret": "s" * 8}}})
    store = Store(db_url)
    with store.session() as s:
        assert len(enqueue(s, cfg, "change:1", payload(1))) == 1
        assert enqueue(s, cfg, "change:1", payload(1)) == []
    assert len(_rows(store)) == 1
