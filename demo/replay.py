"""Replay the recorded history, date by date, through the real spider into a store."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from demo.pages import SOURCES, steps
from demo.server import PageServer
from ingest import CheckLine, Recorder
from store import Store

log = logging.getLogger(__name__)


@dataclass
class Replay:
    """What the demo did: one line per fetch, with the simulated date of each crawl."""

    steps: int = 0
    crawls: int = 0
    lines: list[tuple[datetime, CheckLine]] = field(default_factory=list)


def demo_targets(base_url: str) -> list[Any]:
    """The shipped LinkedIn declarations of the replayed documents, served from loopback."""
    from crawler.targets import load_targets

    ids = {src.target_id for src in SOURCES}
    return [t.model_copy(update={"url": f"{base_url}/{t.id}", "proxy": None})
            for t in load_targets() if t.id in ids]


def replay(store: Store, progress: Callable[[str], None] = lambda _: None) -> Replay:
    """Serve each recorded version at its date and crawl every demo page after each date."""
    report = Replay()
    timeline = [(when, list(group)) for when, group in
                itertools.groupby(steps(), key=lambda s: s.when)]
    with PageServer() as server:
        targets = demo_targets(server.base_url)
        recorder = Recorder(store, targets)
        clock: list[datetime] = []

        def sink(fetch: Any) -> None:
            fetch.started_at = clock[-1]  # the demo's clock: the date the version was recorded
            recorder(fetch)
            report.lines.append((clock[-1], recorder.lines[-1]))

        served: set[str] = set()

        def before(index: int) -> list[Any]:
            """Serve the files recorded at the next date; returns the targets to crawl."""
            if index >= len(timeline):
                return []
            when, group = timeline[index]
            for step in group:
                server.serve(f"/{step.source.target_id}", step.page())
                served.add(step.source.target_id)
            clock.append(when)
            report.steps += len(group)
            report.crawls += 1
            progress(f"{when:%Y-%m-%d}: " + ", ".join(
                f"{s.source.title} ({s.file.name})" for s in group))
            return [t for t in targets if t.id in served]

        _crawl_while(sink, before)
    return report


def _crawl_while(sink: Callable[[Any], None], before: Callable[[int], list[Any]]) -> None:
    """Crawl round after round in one reactor (it cannot restart): round i crawls the targets
    ``before(i)`` returns, until it returns none."""
    from scrapy.crawler import CrawlerRunner
    from twisted.internet import defer

    from crawler.run import FAST_SETTINGS, crawl_deferred, install_reactor, make_settings

    # loopback: no politeness delays, and the demo's own server on 127.0.0.1 may be fetched
    settings = make_settings({**FAST_SETTINGS, "POLICYWATCH_ALLOW_PRIVATE_TARGETS": True})
    reactor = install_reactor(settings)

    runner = CrawlerRunner(settings)
    failure: list[BaseException] = []

    @defer.inlineCallbacks
    def rounds() -> Any:
        try:
            index = 0
            while targets := before(index):
                yield crawl_deferred(runner, targets, sink)
                index += 1
        except BaseException as exc:  # noqa: BLE001 - re-raised once the reactor stops
            failure.append(exc)
        finally:
            reactor.stop()

    reactor.callWhenRunning(rounds)
    reactor.run()
    if failure:
        raise failure[0]


