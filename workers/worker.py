"""A crawler process on the shared frontier: take documents from Redis, check and record them, ack.

Several of these, on one machine or many, share one frontier (workers.frontier) and one database
(PostgreSQL). Each takes a few entries, crawls them in one Scrapy crawl on its own reactor,
records every check in batches (tagged with the entry's round key), and acknowledges the entries
only after the commit.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator, Mapping
from typing import Any

from workers.frontier import Entry, Frontier

log = logging.getLogger(__name__)


def consumer_name() -> str:
    """This worker's name in the consumer group: host and process id."""
    return f"{socket.gethostname()}-{os.getpid()}"


def distinct(entries: list[Entry]) -> Iterator[list[Entry]]:
    """Split entries into groups with each document at most once (one crawl checks a document
    once; the same document in two rounds is two checks)."""
    todo = list(entries)
    while todo:
        seen: set[str] = set()
        group: list[Entry] = []
        rest: list[Entry] = []
        for e in todo:
            (rest if e.document in seen else group).append(e)
            seen.add(e.document)
        yield group
        todo = rest


class Worker:
    """Checks the frontier's entries until stopped (or, with ``until_empty``, until none remain)."""

    def __init__(self, frontier: Frontier, store: Any, targets: Mapping[str, Any],
                 settings: Mapping[str, Any] | None = None, batch: int = 20,
                 until_empty: bool = False) -> None:
        from ingest import Recorder

        self.frontier, self.store, self.targets = frontier, store, dict(targets)
        self.settings = dict(settings or {})
        self.batch, self.until_empty = batch, until_empty
        self.recorder = Recorder(store, list(self.targets.values()), batched=True)
        self.consumer = consumer_name()
        self.checked = 0

    def run(self) -> int:
        """Run the loop on this process's reactor (blocks); returns the checks recorded."""
        from crawler.run import install_reactor, make_settings

        reactor = install_reactor(make_settings(self.settings))
        from scrapy.crawler import CrawlerRunner

        self.runner = CrawlerRunner(make_settings(self.settings))
        failures: list[Any] = []

        def finish(result: Any) -> None:
            if hasattr(result, "getTraceback"):
                failures.append(result)
                log.error("worker stopped: %s", result.getTraceback())
            if reactor.running:
                reactor.stop()

        reactor.callWhenRunning(lambda: self._loop().addBoth(finish))
        reactor.run()
        if failures:
            raise RuntimeError(failures[0].getErrorMessage())
        return self.checked

    def _loop(self) -> Any:
        from twisted.internet.defer import inlineCallbacks
        from twisted.internet.threads import deferToThread

        @inlineCallbacks
        def loop() -> Any:
            while True:
                entries = yield deferToThread(self.frontier.take, self.consumer, self.batch)
                if not entries:
                    if self.until_empty and (yield deferToThread(self.frontier.remaining)) == 0:
                        return
                    continue
                for group in distinct(entries):
                    yield self._check(group)
                    yield deferToThread(self.frontier.done, group)

        return loop()

    def _check(self, entries: list[Entry]) -> Any:
        from twisted.internet.defer import succeed

        from crawler.run import crawl_deferred
        from store.record import validators

        unknown = [e.document for e in entries if e.document not in self.targets]
        if unknown:
            log.warning("not declared here, skipped: %s", ", ".join(unknown))
        known = [e for e in entries if e.document in self.targets]
        if not known:
            return succeed(None)
        self.recorder.rounds = {e.document: e.round_key for e in known}
        with self.store.session() as s:
            conditional = {k: v for k, v in validators(s).items() if k in self.recorder.rounds}
        before = len(self.recorder.lines)
        d = crawl_deferred(self.runner, [self.targets[e.document] for e in known],
                           self.recorder.sink(), conditional)

        def counted(_: Any) -> None:
            self.recorder.flush()
            if self.recorder.write_error is not None:  # the round stopped; its entries stay
                raise self.recorder.write_error        # pending for another worker
            self.checked += len(self.recorder.lines) - before
            del self.recorder.lines[:]

        return d.addCallback(counted)
