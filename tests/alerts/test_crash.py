"""A dispatcher killed with SIGKILL mid-delivery and restarted: nothing lost, nothing doubled.

What is counted at the receiver, and why: the receiver answers the in-flight request *after*
the dispatcher is dead, the way a real receiver commits a delivery whose reply never arrives.
The dispatcher cannot know it was delivered, so after its lease expires the restarted
dispatcher sends that one alert again, with the same idempotency key. The test asserts both:
every key arrives (no loss), every key but the in-flight one arrives exactly once, and the total
is N + 1 -- the one re-send an at-least-once outbox allows, which a receiver that honours the
``Idempotency-Key`` header drops. Distinct keys == N is the exactly-once the user sees.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from alerts.config import load
from alerts.outbox import enqueue
from store import Store
from store.models import Alert
from tests.alerts.receiver import Receiver
from tests.alerts.support import payload, write_config

ROOT = Path(__file__).resolve().parents[2]
N = 6


def _start(db_url: str, config: Path, env_secret: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "POLICYWATCH_CONFIG": str(config), "PW_TEST_HOOK_SECRET": env_secret}
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "-v", "alerts", "dispatch", "--loop", "--interval", "0.2", "--db", db_url],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _all_sent(store: Store, deadline: float) -> bool:
    while time.monotonic() < deadline:
        with store.session() as s:
            if set(s.scalars(select(Alert.status))) == {"sent"}:
                return True
        time.sleep(0.1)  # polling the database: there is no event to wait on across processes
    return False


@pytest.mark.timeout(90)
def test_sigkill_mid_delivery_loses_nothing_and_duplicates_nothing(
        db_url: str, receiver: Receiver, isolated_config: Path) -> None:
    alerts_cfg = {"lease_seconds": 1.5, "backoff_seconds": 0.05, "max_attempts": 50, "channels": {
        "hook": {"kind": "webhook", "url": receiver.url("/hook"), "secret_env": "PW_TEST_HOOK_SECRET",
                 "timeout": 0.75}}}
    write_config(isolated_config, alerts_cfg)
    store = Store(db_url)
    with store.session() as s:
        cfg = load(alerts_cfg)
        keys = [r.dedup_key for i in range(N) for r in enqueue(s, cfg, f"change:{i}", payload(i))]
    receiver.script.extend(["ok", "ok", "hold"])  # the third delivery hangs until released

    first = _start(db_url, isolated_config, "s3cret")
    try:
        assert receiver.holding.wait(30), "dispatcher never reached the third delivery"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL
    receiver.release.set()  # the receiver commits the in-flight delivery; its reply goes nowhere
    assert receiver.wait_for(lambda r: len(r.accepted) == 3)
    with store.session() as s:
        assert [a.status for a in s.scalars(select(Alert).order_by(Alert.id))][:3] == \
            ["sent", "sent", "sending"]  # the killed dispatcher never marked the third

    second = _start(db_url, isolated_config, "s3cret")
    try:
        assert receiver.wait_for(lambda r: set(r.keys()) == set(keys), timeout=30)
        assert _all_sent(store, time.monotonic() + 15)
    finally:
        second.send_signal(signal.SIGTERM)  # a clean stop of the loop
        second.wait(10)
    assert second.returncode == 0, second.stderr.read().decode() if second.stderr else ""
    counts = receiver.keys()
    assert set(counts) == set(keys)  # nothing lost, and distinct keys == N
    assert counts[keys[2]] == 2 and all(counts[k] == 1 for k in keys if k != keys[2])
    assert len(receiver.accepted) == N + 1  # the one in-flight re-send, same idempotency key
