"""Deliveries that end exactly once: a refused recipient, a send that outlasts its lease (two real
dispatcher processes against a slow SMTP server and a trickled HTTP reply), SIGTERM mid-backlog."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from alerts.config import load
from alerts.dispatch import Dispatcher
from alerts.outbox import enqueue
from store import Store
from store.models import Alert
from tests.alerts.receiver import Receiver
from tests.alerts.support import Clock, Mailbox, free_port, payload, write_config

ROOT = Path(__file__).resolve().parents[2]
TYPO = "privacy-tema@x.test"


class Refusing(Mailbox):
    """Refuses one recipient with 550, as a real server refuses an unknown user."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address == TYPO:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class Slow(Mailbox):
    """Answers MAIL, RCPT and DATA each after ``delay`` seconds (each within a client's timeout)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.mails = 0

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          mail_options: list[str]) -> str:
        self.mails += 1
        await asyncio.sleep(self.delay)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


def _serve(handler: Mailbox) -> Iterator[tuple[int, Mailbox]]:
    ctl = Controller(handler, hostname="127.0.0.1", port=free_port())
    ctl.start()
    yield ctl.port, handler
    ctl.stop()


@pytest.fixture
def refusing() -> Iterator[tuple[int, Mailbox]]:
    yield from _serve(Refusing())


@pytest.fixture
def slow_smtp() -> Iterator[tuple[int, Mailbox]]:
    yield from _serve(Slow(3.0))


def _mail(port: int, to: list[str], **extra: Any) -> dict[str, Any]:
    return {"kind": "email", "host": "127.0.0.1", "port": port, "security": "none",
            "sender": "alerts@pw.test", "to": to, **extra}


def _rows(store: Store) -> list[Alert]:
    with store.session() as s:
        return list(s.scalars(select(Alert).order_by(Alert.id)))


def _enqueue(store: Store, cfg: dict[str, Any], n: int) -> list[str]:
    with store.session() as s:
        return [r.dedup_key for i in range(n) for r in enqueue(s, load(cfg), f"change:{i}", payload(i))]


def test_a_refused_recipient_gets_no_retry_and_the_good_one_one_copy(
        db_url: str, refusing: tuple[int, Mailbox]) -> None:
    port, box = refusing
    cfg = {"max_attempts": 5, "backoff_seconds": 1, "channels": {
        "mail": _mail(port, ["privacy-team@x.test", TYPO])}}
    store, clock = Store(db_url), Clock()
    _enqueue(store, cfg, 1)
    dispatcher = Dispatcher(store, load(cfg), clock=clock)
    for _ in range(5):  # every retry would be due
        dispatcher.run_once()
        clock.advance(hours=2)
    assert [env.rcpt_tos for env, _ in box.messages] == [["privacy-team@x.test"]]
    (row,) = _rows(store)
    assert row.status == "sent" and row.attempts == 1
    assert TYPO in row.last_error and "550" in row.last_error and "1 of 2" in row.last_error


def test_every_recipient_refused_is_dead_at_once(db_url: str, refusing: tuple[int, Mailbox]) -> None:
    port, box = refusing
    cfg = {"max_attempts": 5, "backoff_seconds": 1, "channels": {"mail": _mail(port, [TYPO])}}
    store, clock = Store(db_url), Clock()
    _enqueue(store, cfg, 1)
    assert Dispatcher(store, load(cfg), clock=clock).run_once() == {"failed_messages": 1, "dead": 1}
    (row,) = _rows(store)
    assert row.status == "dead" and row.attempts == 1 and TYPO in row.last_error
    assert box.messages == []


def _dispatcher(db_url: str, config: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "POLICYWATCH_CONFIG": str(config), "PW_TEST_HOOK_SECRET": "s3cret-key"}
    return subprocess.Popen([sys.executable, "-m", "cli.main", "alerts", "dispatch", *args,
                             "--db", db_url], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def _wait_sent(store: Store, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if {r.status for r in _rows(store)} == {"sent"}:
            return True
        time.sleep(0.1)  # polling the database: there is no event to wait on across processes
    return False


def _two_dispatchers_send_once(db_url: str, config: Path, store: Store, timeout: float) -> None:
    """Two looping dispatchers share the outbox until the row is sent; then both stop (SIGTERM
    ends each after its send in flight, so a second copy still under way is counted)."""
    procs = [_dispatcher(db_url, config, "--loop", "--interval", "0.2") for _ in range(2)]
    try:
        assert _wait_sent(store, timeout)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout)
    assert [p.returncode for p in procs] == [0, 0], [p.stderr.read() for p in procs if p.stderr]


@pytest.mark.timeout(90)
def test_a_slow_smtp_send_outlasting_its_lease_is_sent_once(
        db_url: str, slow_smtp: tuple[int, Slow], isolated_config: Path) -> None:
    port, box = slow_smtp  # MAIL + RCPT + DATA at 3 s each: 9 s, past the 8 s lease
    cfg = {"lease_seconds": 8, "channels": {"mail": _mail(port, ["privacy@x.test"], timeout=4)}}
    write_config(isolated_config, cfg)
    store = Store(db_url)
    _enqueue(store, cfg, 1)
    _two_dispatchers_send_once(db_url, isolated_config, store, 40)
    assert len(box.messages) == 1 and box.mails == 1
    (row,) = _rows(store)
    assert row.attempts == 1


@pytest.mark.timeout(90)
def test_a_trickled_http_reply_outlasting_its_lease_is_sent_once(
        db_url: str, receiver: Receiver, isolated_config: Path) -> None:
    receiver.default, receiver.trickle_seconds = "trickle", 0.06  # ~80 bytes: ~5 s, each byte in time
    cfg = {"lease_seconds": 1.5, "channels": {"hook": {
        "kind": "webhook", "url": receiver.url("/hook"), "secret_env": "PW_TEST_HOOK_SECRET",
        "timeout": 0.75}}}
    write_config(isolated_config, cfg)
    store = Store(db_url)
    _enqueue(store, cfg, 1)
    _two_dispatchers_send_once(db_url, isolated_config, store, 40)
    assert len(receiver.accepted) == 1 and len(receiver.requests) == 1


@pytest.mark.timeout(60)
def test_sigterm_stops_dispatch_loop_after_the_send_in_flight(
        db_url: str, receiver: Receiver, isolated_config: Path) -> None:
    receiver.default, receiver.trickle_seconds = "trickle", 0.02  # each send ~1.5 s
    cfg = {"channels": {"hook": {"kind": "webhook", "url": receiver.url("/hook"),
                                 "secret_env": "PW_TEST_HOOK_SECRET", "timeout": 2}}}
    write_config(isolated_config, cfg)
    store = Store(db_url)
    _enqueue(store, cfg, 12)
    proc = _dispatcher(db_url, isolated_config, "--loop")
    try:
        assert receiver.wait_for(lambda r: len(r.accepted) >= 1, timeout=30)
        proc.send_signal(signal.SIGTERM)
        proc.wait(6)  # draining the backlog would take ~18 s more
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 0
    statuses = [r.status for r in _rows(store)]
    assert "sending" not in statuses  # the send in flight finished and was marked
    assert 1 <= statuses.count("sent") <= 2 and statuses.count("pending") >= 10
    assert statuses.count("sent") == len(receiver.accepted)


def test_the_lease_is_renewed_only_while_the_token_holds(db_url: str) -> None:
    from alerts.lease import Lease

    cfg = {"lease_seconds": 60, "channels": {"mail": _mail(25, ["a@x.test"])}}
    store, clock = Store(db_url), Clock()
    _enqueue(store, cfg, 1)
    token, (row,) = Dispatcher(store, load(cfg), clock=clock)._claim("mail", 1)
    before = _rows(store)[0].lease_until
    clock.advance(seconds=50)
    assert not Lease(store, [row.id], "another-token", 60, clock).renew()
    assert _rows(store)[0].lease_until == before
    assert Lease(store, [row.id], token, 60, clock).renew()
    assert _rows(store)[0].lease_until - before == timedelta(seconds=50)
