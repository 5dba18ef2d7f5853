"""Due documents grouped by host: one crawl round per host at a time, hosts side by side.

A round that waits on a slow or failing host (30 s timeouts, retries with back-off) holds back
only that host's documents: every other host's documents start their own round as soon as they
fall due. Within a host, rounds run one at a time, so the per-domain politeness of the crawler
(one request at a time, download delay, AutoThrottle) still holds across rounds.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def host_of(url: str) -> str:
    """The host a document's URL is fetched from (port excluded, as Scrapy's download slots do)."""
    return (urlsplit(url).hostname or "").lower()


class HostQueues:
    """Queued and crawling document ids, per host. Pure bookkeeping: no I/O, no clock."""

    def __init__(self) -> None:
        self._queued: dict[str, dict[str, None]] = {}
        self._crawling: dict[str, set[str]] = {}

    def add(self, host: str, doc: str) -> bool:
        """Queue ``doc``; False (not queued) if it is already queued or crawling."""
        if doc in self._queued.get(host, {}) or doc in self._crawling.get(host, set()):
            return False
        self._queued.setdefault(host, {})[doc] = None
        return True

    def ready(self) -> list[tuple[str, list[str]]]:
        """Hosts with queued documents and no round running, each with its queued ids."""
        return [(host, list(ids)) for host, ids in self._queued.items()
                if ids and host not in self._crawling]

    def start(self, host: str) -> list[str]:
        """Move ``host``'s queued documents into its round; returns them."""
        ids = list(self._queued.pop(host, {}))
        self._crawling[host] = set(ids)
        return ids

    def finish(self, host: str) -> set[str]:
        """End ``host``'s round; returns the ids it held."""
        return self._crawling.pop(host, set())

    def running(self) -> dict[str, set[str]]:
        """Hosts with a round running, and the documents in it."""
        return dict(self._crawling)

    def pending(self) -> set[str]:
        """Every document queued or crawling."""
        out = {d for ids in self._queued.values() for d in ids}
        return out.union(*self._crawling.values())

    def clear_queued(self) -> set[str]:
        """Forget queued (not crawling) documents; returns them."""
        out = {d for ids in self._queued.values() for d in ids}
        self._queued.clear()
        return out

    def clear(self) -> None:
        self._queued.clear()
        self._crawling.clear()
