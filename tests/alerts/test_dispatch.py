"""The dispatcher against a receiver that fails (500, hang, refused) and recovers: once each."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select

from alerts.config import AlertsConfig, load
from alerts.dispatch import Dispatcher
from alerts.outbox import enqueue
from store import Store
from store.models import Alert
from tests.alerts.receiver import Receiver
from tests.alerts.support import Clock, free_port, payload

SECRET = "signing-key-0123456789"


def _cfg(receiver: Receiver, **extra: Any) -> AlertsConfig:
    channels = extra.pop("channels", None) or {
        "hook": {"kind": "webhook", "url": receiver.url("/hook"), "secret": SECRET, "timeout": 0.5}}
    return load({"backoff_seconds": 1, "backoff_max_seconds": 60, **extra, "channels": channels})


def _enqueue(store: Store, cfg: AlertsConfig, n: int, start: int = 1) -> list[str]:
    with store.session() as s:
        rows = [r for i in range(start, start + n) for r in enqueue(s, cfg, f"change:{i}", payload(i))]
        return [r.dedup_key for r in rows]


def _statuses(store: Store) -> dict[str, str]:
    with store.session() as s:
        return {a.dedup_key: a.status for a in s.scalars(select(Alert))}


def test_failures_then_recovery_deliver_every_alert_once(db_url: str, receiver: Receiver) -> None:
    store, clock = Store(db_url), Clock()
    cfg = _cfg(receiver)
    keys = _enqueue(store, cfg, 5)
    dispatcher = Dispatcher(store, cfg, clock=clock, jitter=lambda: 1.0)
    receiver.script.extend(["500", "500", "hang"])
    for _ in range(3):  # each run stops at the channel's first failure
        assert dispatcher.run_once() == {"failed_messages": 1, "retry": 1}
        clock.advance(hours=1)
    port = receiver.port
    receiver.stop()  # refused
    assert dispatcher.run_once() == {"failed_messages": 1, "retry": 1}
    with store.session() as s:
        first = s.scalars(select(Alert).where(Alert.dedup_key == keys[0])).one()
        assert first.attempts == 4 and "Connection refused" in first.last_error
        assert "/hook" not in first.last_error and SECRET not in first.last_error
        assert first.next_attempt_at == clock.now + first_delay(cfg, 4)
    receiver.port = port
    receiver.start()
    assert dispatcher.run_once() == {"sent": 4, "messages": 4}  # the first one is backing off
    assert _statuses(store)[keys[0]] == "pending"
    clock.advance(hours=2)
    assert dispatcher.run_once() == {"sent": 1, "messages": 1}
    assert receiver.keys() == {k: 1 for k in keys}
    assert len(receiver.accepted) == 5
    assert set(_statuses(store).values()) == {"sent"}


def first_delay(cfg: AlertsConfig, attempts: int) -> Any:
    from datetime import timedelta

    return timedelta(seconds=min(cfg.backoff_max_seconds, cfg.backoff_seconds * 2 ** (attempts - 1)))


def test_dead_after_max_attempts_then_retry(db_url: str, receiver: Receiver) -> None:
    from click.testing import CliRunner

    from cli.alerts import alerts

    store, clock = Store(db_url), Clock()
    cfg = _cfg(receiver, max_attempts=2)
    (key,) = _enqueue(store, cfg, 1)
    receiver.default = "500"
    dispatcher = Dispatcher(store, cfg, clock=clock)
    dispatcher.run_once()
    clock.advance(hours=1)
    assert dispatcher.run_once() == {"failed_messages": 1, "dead": 1}
    runner = CliRunner()
    out = runner.invoke(alerts, ["list", "--status", "dead", "--db", db_url, "--format", "json"])
    assert out.exit_code == 0, out.output
    import json

    (row,) = json.loads(out.output)
    assert row["dedup_key"] == key and row["attempts"] == 2 and "HTTP 500" in row["last_error"]
    shown = runner.invoke(alerts, ["show", str(row["id"]), "--db", db_url])
    assert "status: dead" in shown.output and "AI training" in shown.output
    assert runner.invoke(alerts, ["retry", str(row["id"]), "--db", db_url]).exit_code == 0
    receiver.default = "ok"
    clock.advance(hours=1)
    assert dispatcher.run_once() == {"sent": 1, "messages": 1}
    again = runner.invoke(alerts, ["retry", str(row["id"]), "--db", db_url])
    assert again.exit_code == 1 and "was sent" in again.output


def test_one_failing_channel_never_stops_the_others(db_url: str, receiver: Receiver) -> None:
    store = Store(db_url)
    cfg = _cfg(receiver, channels={
        "down": {"kind": "slack", "webhook_url": f"http://127.0.0.1:{free_port()}/x", "timeout": 0.5},
        "nokey": {"kind": "webhook", "url": receiver.url("/n"), "secret_env": "PW_UNSET_SECRET"},
        "hook": {"kind": "webhook", "url": receiver.url("/hook"), "secret": SECRET}})
    _enqueue(store, cfg, 3)
    stats = Dispatcher(store, cfg).run_once()
    assert stats == {"failed_messages": 1, "retry": 1, "sent": 3, "messages": 3, "skipped": 1}
    assert {d.path for d in receiver.accepted} == {"/hook"}


def test_digest_groups_a_run_into_one_message(db_url: str, receiver: Receiver) -> None:
    store, clock = Store(db_url), Clock()
    cfg = _cfg(receiver, channels={"hook": {"kind": "webhook", "url": receiver.url("/hook"),
                                            "secret": SECRET, "mode": "digest",
                                            "digest_interval_minutes": 1440}})
    keys = _enqueue(store, cfg, 3)
    receiver.script.append("500")
    dispatcher = Dispatcher(store, cfg, clock=clock)
    assert dispatcher.run_once() == {"failed_messages": 1, "retry": 3}
    _enqueue(store, cfg, 1, start=4)  # arrives while the first digest waits for its retry
    clock.advance(hours=1)
    assert dispatcher.run_once() == {"sent": 4, "messages": 2}
    first, second = receiver.accepted
    assert first.key == receiver.requests[0].key == f"digest:hook:{_id(store, keys[0])}"
    assert first.json()["subject"].startswith("[HIGH] PolicyWatch digest: 3 changes")
    assert len(first.json()["alerts"]) == 3 and len(second.json()["alerts"]) == 1
    _enqueue(store, cfg, 1, start=5)
    clock.advance(hours=1)
    assert dispatcher.run_once() == {}  # daily digest: not before a day has passed
    clock.advance(days=1)
    assert dispatcher.run_once() == {"sent": 1, "messages": 1}


def _id(store: Store, key: str) -> int:
    with store.session() as s:
        return s.scalars(select(Alert.id).where(Alert.dedup_key == key)).one()


@pytest.mark.timeout(60)
def test_two_dispatchers_never_send_the_same_row(db_url: str, receiver: Receiver) -> None:
    cfg = _cfg(receiver)
    keys = _enqueue(Store(db_url), cfg, 24)
    workers = [Dispatcher(Store(db_url, migrate=False), cfg) for _ in range(3)]
    threads = [threading.Thread(target=w.run_once) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert receiver.keys() == {k: 1 for k in keys}
    assert len(receiver.requests) == 24
