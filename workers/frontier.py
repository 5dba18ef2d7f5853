"""The shared crawl frontier: documents to check, in a Redis stream read by a consumer group.

``policywatch enqueue`` adds one entry per document of a round (its round key and document id);
each ``policywatch worker`` reads entries with XREADGROUP, checks and records them, and
acknowledges them (XACK) only after the database commit. An entry a worker took but never
acknowledged (the worker died) stays pending and is taken over by another worker once it has been
idle for the lease (XAUTOCLAIM). Redis thus delivers each entry at least once; the database makes
it exactly once (a unique constraint on the check's document and round: see store.record).

Keys: ``<prefix>:frontier`` (the stream), consumer group ``workers``.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

GROUP = "workers"


class FrontierError(Exception):
    """Raised by workers.frontier when Redis cannot be reached or answers an error."""


@dataclass(frozen=True)
class Entry:
    """One document to check in one round, as delivered to a worker."""

    id: str
    round_key: str
    document: str


def new_round_key() -> str:
    """A round key that sorts by time: ``20261201T103000Z-1a2b3c``."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]


class Frontier:
    """One stream of (round, document) entries shared by enqueuers and workers."""

    def __init__(self, url: str, prefix: str = "policywatch", lease_ms: int = 60_000) -> None:
        import redis

        self.redis: Any = redis.Redis.from_url(url, decode_responses=True)
        self.key = f"{prefix}:frontier"
        self.lease_ms = lease_ms
        try:
            self.redis.xgroup_create(self.key, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise FrontierError(f"Redis at {url}: {exc}") from exc
        except redis.RedisError as exc:
            raise FrontierError(f"cannot reach Redis at {url}: {exc}") from exc

    def enqueue(self, documents: list[str], round_key: str | None = None) -> str:
        """Add one entry per document for a round; returns the round key."""
        key = round_key or new_round_key()
        pipe = self.redis.pipeline()
        for doc in documents:
            pipe.xadd(self.key, {"round": key, "doc": doc})
        pipe.execute()
        return key

    def take(self, consumer: str, count: int, block_ms: int = 1000) -> list[Entry]:
        """Up to ``count`` entries for ``consumer``: first those a dead worker left past their
        lease, then new ones (waiting up to ``block_ms`` for them)."""
        _, stale, _ = self.redis.xautoclaim(self.key, GROUP, consumer, self.lease_ms, "0-0", count=count)
        entries = [_entry(i, f) for i, f in stale if f]
        if len(entries) < count:
            got = self.redis.xreadgroup(GROUP, consumer, {self.key: ">"}, count=count - len(entries),
                                        block=block_ms if not entries else None)
            for _, items in got or []:
                entries.extend(_entry(i, f) for i, f in items)
        if stale:
            log.info("took over %d entries left by a stopped worker", len(stale))
        return entries

    def done(self, entries: list[Entry]) -> None:
        """Acknowledge and remove entries whose checks are committed."""
        if entries:
            ids = [e.id for e in entries]
            self.redis.xack(self.key, GROUP, *ids)
            self.redis.xdel(self.key, *ids)

    def remaining(self) -> int:
        """Entries not yet acknowledged: waiting, or taken by a worker (alive or not); acknowledged
        entries are deleted, so this is the stream's length."""
        return int(self.redis.xlen(self.key))

    def drop(self) -> None:
        """Delete the stream and its group (tests, a fresh start)."""
        self.redis.delete(self.key)


def _entry(entry_id: str, fields: dict[str, str]) -> Entry:
    return Entry(entry_id, fields.get("round", ""), fields.get("doc", ""))
