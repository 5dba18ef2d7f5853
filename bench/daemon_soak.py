"""Soak the daemon: 500+ scheduled checks in one process; print resident memory as it goes.

Runs the real daemon (scheduler.Daemon: APScheduler job store, crawl rounds on one reactor,
Recorder, outbox dispatcher) against a loopback server, with N documents on a 1-second
interval and one page changing every few seconds (new versions, diffs, classification).
Prints VmRSS at start (imports done), after warm-up, and at the end, and the checks done.

    .venv/bin/python bench/daemon_soak.py                 # 600 checks, 20 documents, SQLite
    .venv/bin/python bench/daemon_soak.py --checks 2000 --db postgresql://...

Aim: idle under 150 MB, growth (warm-up -> end) under 10 MB.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    """Resident set size of this process, from /proc/self/status (MB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=600, help="stop after this many checks")
    parser.add_argument("--documents", type=int, default=20, help="documents, each every second")
    parser.add_argument("--warmup", type=int, default=100, help="checks before the warm-up figure")
    parser.add_argument("--change-every", type=float, default=3.0, help="seconds between page changes")
    parser.add_argument("--db", default=None, help="database URL (default: a temporary SQLite)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every check")
    args = parser.parse_args()

    from daemon import logs

    logs.setup("text")
    if not args.verbose:
        logging.getLogger("ingest").setLevel(logging.WARNING)
        logging.getLogger("alerts").setLevel(logging.WARNING)

    import scheduler
    from crawler.run import install_reactor
    from crawler.targets import Target
    from daemon.schedules import ScheduleConfig
    from store import Store
    from tests.httpserver import PolicyTestServer, read_page

    reactor = install_reactor()
    tmp = tempfile.TemporaryDirectory(prefix="pw-soak-")
    store = Store(args.db or f"sqlite:///{tmp.name}/soak.db")
    server = PolicyTestServer().start()
    page = read_page("policy.html")
    for i in range(args.documents):
        server.set(f"/doc/{i}", page)
    targets = [Target(id=f"soak/doc-{i}", platform="soak", name=f"doc {i}", url=server.url(f"/doc/{i}"),
                      select=["#component-container"], min_length=100, schedule="1s")
               for i in range(args.documents)]
    cfg = ScheduleConfig(jitter=0, dispatch_interval=5, stop_grace=5)
    fast = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "RETRY_TIMES": 0,
            "DOWNLOAD_TIMEOUT": 10, "LOG_LEVEL": "WARNING"}
    gc.collect()
    figures = {"start": rss_mb()}
    outcomes: dict[str, int] = {}
    state = {"changes": 0, "t0": time.monotonic(), "warm_at": 0.0}

    def on_round(lines: list) -> None:
        for line in lines:
            outcomes[line.outcome] = outcomes.get(line.outcome, 0) + 1
        server.reset_counts()  # the test server logs every request: not the daemon's memory
        if "warmup" not in figures and daemon.checks >= args.warmup:
            gc.collect()
            figures["warmup"] = rss_mb()
            state["warm_at"] = time.monotonic()
        if daemon.checks >= args.checks:
            daemon.stop("soak-done")

    def change_page() -> None:
        state["changes"] += 1
        body = page.replace(b"</main>", f"<p>Revision {state['changes']} of the policy: we now "
                                        f"keep your data {state['changes']} days longer.</p></main>".encode())
        server.set("/doc/0", body)

    from twisted.internet.task import LoopingCall

    changer = LoopingCall(change_page)
    changer.clock = reactor
    changer.start(args.change_every, now=False)
    daemon = scheduler.Daemon(store, targets, cfg, fast, reactor=reactor,
                              dispatcher=scheduler.make_dispatcher(store), on_round=on_round)
    daemon.start()
    reactor.run(installSignalHandlers=False)
    gc.collect()
    figures["end"] = rss_mb()
    elapsed = time.monotonic() - state["t0"]
    server.stop()
    store.dispose()
    print(f"checks: {daemon.checks} in {daemon.rounds} rounds, {elapsed:.0f} s "
          f"({daemon.checks / elapsed:.1f}/s); outcomes: "
          + ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())))
    print(f"page changes: {state['changes']}")
    print(f"RSS start (imports done): {figures['start']:.1f} MB")
    print(f"RSS after warm-up ({args.warmup} checks): {figures.get('warmup', float('nan')):.1f} MB")
    print(f"RSS end: {figures['end']:.1f} MB")
    growth = figures["end"] - figures.get("warmup", figures["start"])
    print(f"growth warm-up -> end: {growth:+.1f} MB")
    tmp.cleanup()
    return daemon.exit_code


if __name__ == "__main__":
    sys.exit(main())
