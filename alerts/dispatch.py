"""The dispatcher: claims outbox rows under a lease, delivers them, retries with backoff.

Delivery is at-least-once from the outbox: a row is claimed (status ``sending``, a lease token
and expiry, attempts + 1) and committed *before* the send, and marked ``sent`` in a new
transaction *after* it. A dispatcher killed in between leaves the row ``sending``; once the
lease expires another run sends it again with the same idempotency key. See docs/alerts.md.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from alerts import config as alerts_config
from alerts.channels import Channel, build
from alerts.config import AlertsConfig
from alerts.errors import AlertConfigError, ChannelError, scrub
from alerts.lease import Lease
from alerts.message import Message
from store import Store
from store.models import Alert, utcnow

log = logging.getLogger(__name__)
DIGEST_LIMIT = 500


@dataclass
class Outcome:
    """How one send ended: an error (``final``: retrying cannot help), or a warning on success."""

    error: str = ""
    final: bool = False
    warning: str = ""


class Dispatcher:
    """Delivers pending outbox rows: ``Dispatcher(store).run_once()`` or ``.run_forever()``."""

    def __init__(self, store: Store, cfg: AlertsConfig | None = None, *,
                 clock: Callable[[], datetime] = utcnow,
                 jitter: Callable[[], float] = random.random) -> None:
        self.store = store
        self.cfg = cfg if cfg is not None else alerts_config.current()
        self.clock = clock
        self.jitter = jitter
        self._stop = threading.Event()

    # --- public -----------------------------------------------------------------------

    def run_once(self, stop: threading.Event | None = None) -> dict[str, int]:
        """One pass over every channel; returns counts (sent, retry, dead, messages, skipped).

        When ``stop`` is set the pass ends after the send in flight (marked as usual): the rest of
        the backlog waits for the next run."""
        stats: Counter[str] = Counter()
        self._stop = stop or threading.Event()
        for name, ccfg in self.cfg.channels.items():
            if self._stop.is_set():
                break
            try:
                channel = build(name, ccfg)
                channel.check()
            except AlertConfigError as exc:
                log.error("alerts channel %s skipped: %s", name, exc)
                stats["skipped"] += 1
                continue
            try:
                self._run_channel(channel, stats)
            except Exception:  # noqa: BLE001 - one broken channel never stops the others
                log.exception("alerts channel %s failed unexpectedly", name)
                stats["skipped"] += 1
        self._warn_orphans()
        return dict(stats)

    def run_forever(self, interval: float = 30.0, stop: threading.Event | None = None) -> None:
        """Call :meth:`run_once` every ``interval`` seconds until ``stop`` is set."""
        stop = stop or threading.Event()
        while not stop.is_set():
            stats = self.run_once(stop)
            if stats:
                log.info("alerts dispatch %s", " ".join(f"{k}={v}" for k, v in sorted(stats.items())))
            stop.wait(interval)

    def backoff(self, attempts: int) -> timedelta:
        """Delay before the next attempt: exponential, capped, with jitter in [50%, 100%]."""
        base = min(self.cfg.backoff_max_seconds, self.cfg.backoff_seconds * 2 ** max(attempts - 1, 0))
        return timedelta(seconds=base * (0.5 + self.jitter() / 2))

    # --- claiming ---------------------------------------------------------------------

    def _due(self, now: datetime) -> Any:
        return or_(and_(Alert.status == "pending", Alert.next_attempt_at <= now),
                   and_(Alert.status == "sending", Alert.lease_until < now))

    def _claim(self, channel: str, limit: int) -> tuple[str, list[Alert]]:
        """Claim up to ``limit`` due rows of a channel (compare-and-set per row); commit."""
        token, now = uuid.uuid4().hex, self.clock()
        lease = now + timedelta(seconds=self.cfg.lease_seconds)
        with self.store.session() as s:
            s.execute(update(Alert).where(
                Alert.channel == channel, Alert.status == "sending", Alert.lease_until < now,
                Alert.attempts >= self.cfg.max_attempts,
            ).values(status="dead", lease_until=None, lease_token=None,
                     last_error="lease expired after the last attempt (dispatcher stopped mid-send?)")
                .execution_options(synchronize_session=False))
            ids = list(s.scalars(select(Alert.id).where(Alert.channel == channel, self._due(now))
                                 .order_by(Alert.id).limit(limit)))
            claimed = []
            for alert_id in ids:
                result = s.execute(update(Alert).where(Alert.id == alert_id, self._due(now)).values(
                    status="sending", lease_until=lease, lease_token=token,
                    attempts=Alert.attempts + 1).execution_options(synchronize_session=False))
                if getattr(result, "rowcount", 0) == 1:
                    claimed.append(alert_id)
            rows = list(s.scalars(select(Alert).where(Alert.id.in_(claimed)).order_by(Alert.id)
                                  .execution_options(populate_existing=True))) if claimed else []
            return token, rows

    def _digest_due(self, s: Session, channel: str, minutes: float) -> bool:
        if minutes <= 0:
            return True
        last = s.scalar(select(func.max(Alert.sent_at)).where(Alert.channel == channel,
                                                              Alert.status == "sent"))
        return last is None or self.clock() - last >= timedelta(minutes=minutes)

    # --- delivering -------------------------------------------------------------------

    def _run_channel(self, channel: Channel, stats: Counter[str]) -> None:
        if channel.cfg.mode == "digest":
            with self.store.session() as s:
                if not self._digest_due(s, channel.name, channel.cfg.digest_interval_minutes):
                    return
            token, rows = self._claim(channel.name, DIGEST_LIMIT)
            if not rows:
                return
            new = [r for r in rows if r.batch_key is None]
            if new:
                batch = f"digest:{channel.name}:{new[0].id}"
                with self.store.session() as s:
                    s.execute(update(Alert).where(Alert.id.in_([r.id for r in new]),
                                                  Alert.lease_token == token)
                              .values(batch_key=batch).execution_options(synchronize_session=False))
                for r in new:
                    r.batch_key = batch
            groups: dict[str, list[Alert]] = {}
            for r in rows:
                groups.setdefault(r.batch_key or "", []).append(r)
            for key, group in groups.items():
                self._deliver(channel, key, group, token, stats, digest=True)
            return
        while not self._stop.is_set():  # each: one message per row; stop at the first failure
            token, rows = self._claim(channel.name, 1)
            if not rows or not self._deliver(channel, rows[0].dedup_key, rows, token, stats):
                return

    def _deliver(self, channel: Channel, key: str, rows: list[Alert], token: str,
                 stats: Counter[str], digest: bool = False) -> bool:
        message = Message(key=key, payloads=[r.payload for r in rows], digest=digest,
                          channel=channel.name, retry=any(r.attempts > 1 for r in rows),
                          since=min(r.created_at for r in rows))
        outcome = Outcome()
        with Lease(self.store, [r.id for r in rows], token, self.cfg.lease_seconds, self.clock):
            try:
                outcome.warning = channel.send(message) or ""
            except ChannelError as exc:
                outcome.error, outcome.final = str(exc), not exc.transient
            except Exception as exc:  # noqa: BLE001 - a channel bug must not stop the dispatcher
                outcome.error = scrub(f"{channel.kind} channel {channel.name!r}: "
                                      f"{type(exc).__name__}: {exc}", channel.secrets())
        stats["messages" if not outcome.error else "failed_messages"] += 1
        self._finish([r.id for r in rows], token, outcome, stats)
        if outcome.error:
            log.warning("alert delivery failed key=%s: %s", key, outcome.error)
        elif outcome.warning:
            log.warning("alert delivered with a warning key=%s: %s", key, outcome.warning)
        return not outcome.error

    def _finish(self, ids: list[int], token: str, outcome: Outcome, stats: Counter[str]) -> None:
        now, error = self.clock(), outcome.error
        with self.store.session() as s:
            for row in s.scalars(select(Alert).where(Alert.id.in_(ids))):
                if row.lease_token != token:
                    log.warning("alert %s: lease lost before marking it (sent twice?)", row.id)
                    continue
                row.lease_until, row.lease_token = None, None
                if not error:
                    row.status, row.sent_at, row.last_error = "sent", now, outcome.warning
                    stats["sent"] += 1
                    if outcome.warning:
                        stats["warnings"] += 1
                elif outcome.final or row.attempts >= self.cfg.max_attempts:
                    row.status, row.last_error = "dead", error
                    stats["dead"] += 1
                    log.error("alert %s dead after %d attempt(s)%s: %s", row.id, row.attempts,
                              " (not retryable)" if outcome.final else "", error)
                else:
                    row.status, row.last_error = "pending", error
                    row.next_attempt_at = now + self.backoff(row.attempts)
                    stats["retry"] += 1

    def _warn_orphans(self) -> None:
        with self.store.session() as s:
            names = set(s.scalars(select(Alert.channel).where(Alert.status == "pending").distinct()))
        for name in sorted(names - set(self.cfg.channels)):
            log.warning("pending alerts for channel %r, which is not configured", name)


def retry(session: Session, alert_id: int, now: datetime | None = None) -> Alert:
    """Make a dead (or failed, pending) row due again with a fresh attempt count."""
    from store import NotFound

    row = session.get(Alert, alert_id)
    if row is None:
        raise NotFound(f"no alert {alert_id}")
    if row.status == "sent":
        raise ValueError(f"alert {alert_id} was sent at {row.sent_at:%Y-%m-%d %H:%M UTC}")
    row.status, row.attempts, row.next_attempt_at = "pending", 0, now or utcnow()
    row.lease_until, row.lease_token = None, None
    return row
