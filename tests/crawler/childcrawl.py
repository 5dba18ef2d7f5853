"""Run a real crawl in a child process and collect its FetchResults.

Twisted's reactor can't be restarted in one process, so every test crawl runs
:func:`crawler.run.crawl` in a fresh ``spawn`` child that writes one JSON line per
result; the parent reads them back.
"""

from __future__ import annotations

import multiprocessing
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from crawler.items import FetchResult
from crawler.targets import Target

#: Test settings: fast timeouts and retries, no politeness delays.
TEST_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_TIMEOUT": 1.0,
    "RETRY_TIMES": 1,
    "POLICYWATCH_RETRY_BACKOFF_BASE": 0.05,
    "POLICYWATCH_RETRY_BACKOFF_MAX": 0.2,
    "POLICYWATCH_RETRY_AFTER_MAX": 5,
    "LOG_LEVEL": "WARNING",
}


def _child(targets_json: list[str], validators: dict[str, tuple[str | None, str | None]],
           settings: dict[str, Any], out: str, failing_sink: bool) -> None:
    from crawler.run import FAST_SETTINGS, crawl

    targets = [Target.model_validate_json(j) for j in targets_json]
    calls = 0
    with open(out, "w", encoding="utf-8") as handle:
        def sink(result: FetchResult) -> None:
            nonlocal calls
            calls += 1
            handle.write(result.to_json() + "\n")
            handle.flush()
            if failing_sink:
                raise RuntimeError(f"sink failure #{calls}")

        crawl(targets, sink, validators, {**FAST_SETTINGS, **TEST_SETTINGS, **settings})


def run_crawl(
    targets: Sequence[Target],
    validators: Mapping[str, tuple[str | None, str | None]] | None = None,
    settings: Mapping[str, Any] | None = None,
    *,
    failing_sink: bool = False,
    timeout: float = 60.0,
) -> dict[str, FetchResult]:
    """Crawl ``targets`` with the real spider in a child process; results by target id.

    ``failing_sink`` makes the sink raise after recording each result (the crawl
    must go on).
    """
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="pw-crawl-") as tmp:
        out = Path(tmp) / "results.jsonl"
        proc = ctx.Process(target=_child, args=([t.model_dump_json() for t in targets],
                                                dict(validators or {}), dict(settings or {}),
                                                str(out), failing_sink))
        proc.start()
        proc.join(timeout)
        if proc.is_alive():
            proc.kill()
            proc.join()
            raise AssertionError(f"crawl did not finish within {timeout}s")
        assert proc.exitcode == 0, f"crawl process exited with {proc.exitcode}"
        lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
    results = [FetchResult.from_json(line) for line in lines]
    by_id = {r.target_id: r for r in results}
    assert len(by_id) == len(results), "a target produced more than one result"
    return by_id


def _child_rounds(targets_json: list[str], rounds: int, settings: dict[str, Any], out: str) -> None:
    """Run ``rounds`` crawls one after another in one reactor, as the daemon does."""
    from scrapy.crawler import CrawlerRunner
    from twisted.internet import defer

    from crawler.run import FAST_SETTINGS, crawl_deferred, install_reactor, make_settings

    merged = make_settings({**FAST_SETTINGS, **TEST_SETTINGS, **settings})
    reactor = install_reactor(merged)

    targets = [Target.model_validate_json(j) for j in targets_json]
    runner = CrawlerRunner(merged)
    handle = open(out, "w", encoding="utf-8")

    @defer.inlineCallbacks
    def run_all():  # type: ignore[no-untyped-def]
        for n in range(rounds):
            def sink(result: FetchResult, n: int = n) -> None:
                handle.write(f"{n}\t{result.to_json()}\n")
            yield crawl_deferred(runner, targets, sink)
        handle.close()
        reactor.stop()

    reactor.callWhenRunning(run_all)
    reactor.run()


def run_rounds(targets: Sequence[Target], rounds: int = 2, settings: Mapping[str, Any] | None = None,
               timeout: float = 40.0) -> list[tuple[int, FetchResult]]:
    """Run several crawls in one child process through :func:`crawler.run.crawl_deferred`."""
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="pw-rounds-") as tmp:
        out = Path(tmp) / "results.tsv"
        proc = ctx.Process(target=_child_rounds, args=([t.model_dump_json() for t in targets], rounds,
                                                       dict(settings or {}), str(out)))
        proc.start()
        proc.join(timeout)
        if proc.is_alive():
            proc.kill()
            proc.join()
            raise AssertionError(f"rounds did not finish within {timeout}s")
        assert proc.exitcode == 0, f"rounds process exited with {proc.exitcode}"
        rows = [line.split("\t", 1) for line in out.read_text(encoding="utf-8").splitlines()]
    return [(int(n), FetchResult.from_json(js)) for n, js in rows]
