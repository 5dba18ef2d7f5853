"""The PolicyWatch daemon: check every declared document on its schedule, for months, in one process.

One Twisted reactor (Scrapy's asyncio reactor) runs three things side by side:

- APScheduler 3's ``TwistedScheduler`` with a ``SQLAlchemyJobStore`` on the project's database
  (table ``apscheduler_jobs``): one job per declared document, id ``check:<document id>``, so a
  restart resumes the same schedule. Jobs coalesce, have a misfire grace time and jitter.
- A queue of due documents crawled in *rounds*, one round at a time, each a Scrapy crawl
  started with ``crawler.run.crawl_deferred`` on one long-lived ``CrawlerRunner`` (the reactor
  cannot be restarted, so this is how crawl after crawl runs in one process). Results go to
  ``ingest.Recorder``, the sink ``policywatch check`` uses too: one transaction per fetch.
- The alert dispatcher (``alerts.dispatch.Dispatcher.run_once``) in a worker thread, every
  ``dispatch_interval`` seconds, after each round with news, and once more on the way out.

A job only queues its document (:func:`check_job`); it never crawls in the job's thread. The
``daemon`` lock keeps one scheduler per database; the ``crawl`` lock is held during each round
so a ``policywatch check`` cannot overlap it (see daemon/locks.py). SIGTERM or SIGINT: stop
scheduling, let the current round finish within ``stop_grace`` seconds (then abandon it: each
fetch is recorded in its own transaction, so nothing half-written remains), flush the outbox,
exit 0. A second signal abandons the round at once. Blocking database work (a few small writes
per fetch, the job store) runs in the reactor thread; alert delivery, which waits on the
network, runs in a thread. See docs/daemon.md.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.run import install_reactor
from daemon.locks import LockHeld, lock_for
from daemon.schedules import ScheduleConfig, expression, jitter_cap, period, trigger

log = logging.getLogger("policywatch.daemon")

JOB_PREFIX = "check:"
JOBS_TABLE = "apscheduler_jobs"
LOCK_RETRY_SECONDS = 5.0
ABANDON_WAIT = 2.0
HEARTBEAT_SECONDS = 30.0
FAILURES = ("blocked", "transient", "structural", "robots_disallowed")

_current: Daemon | None = None


def check_job(target_id: str) -> None:
    """The APScheduler job of one document: queue it for the next crawl round.

    Runs in a worker thread of the reactor's pool and returns at once; the crawl itself runs
    in the reactor. Module-level with a string argument, so the job store can pickle it.
    """
    daemon = _current
    if daemon is None:
        log.warning("job for document=%s fired with no daemon running; ignored", target_id)
        return
    daemon.reactor.callFromThread(daemon.enqueue, target_id)


def job_id(target_id: str) -> str:
    return JOB_PREFIX + target_id


class Daemon:
    """Scheduler, crawl queue and outbox flushing on one reactor. ``start()``, then run the reactor."""

    def __init__(self, store: Any, targets: Sequence[Any], cfg: ScheduleConfig,
                 crawl_settings: dict[str, Any] | None = None, *, reactor: Any = None,
                 dispatcher: Any = None, on_round: Callable[[list[Any]], None] | None = None) -> None:
        self.store = store
        self.targets = {t.id: t for t in targets}
        self.cfg = cfg
        self.crawl_settings = dict(crawl_settings or {})
        self.reactor = reactor or install_reactor()
        self.dispatcher = dispatcher
        self.on_round = on_round
        self.exit_code = 0
        self.checks = 0
        self.rounds = 0
        self._queue: dict[str, None] = {}
        self._in_round: set[str] = set()
        self._round: Any = None
        self._stopping = False
        self._stopped = False
        self._dispatching: Any = None
        self._dispatch_again = False
        self._retry_call: Any = None
        self._grace_call: Any = None
        self._force_call: Any = None
        self._loops: list[Any] = []
        self._waiting_since: float | None = None

    # --- start --------------------------------------------------------------------------

    def start(self) -> None:
        """Take the daemon lock (:class:`LockHeld` if taken), then schedule every document."""
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.twisted import TwistedScheduler
        from scrapy.crawler import CrawlerRunner
        from twisted.internet.task import LoopingCall

        from crawler.run import make_settings
        from ingest import Recorder

        global _current
        self.daemon_lock = lock_for(self.store.engine, "daemon", "policywatch run")
        self.daemon_lock.acquire()
        self.crawl_lock = lock_for(self.store.engine, "crawl", "policywatch run")
        try:
            self.recorder = Recorder(self.store, list(self.targets.values()))
            self.runner = CrawlerRunner(make_settings(self.crawl_settings))
            self.scheduler = TwistedScheduler(
                reactor=self.reactor, timezone=UTC,
                jobstores={"default": SQLAlchemyJobStore(engine=self.store.engine,
                                                         tablename=JOBS_TABLE)},
                job_defaults={"coalesce": True, "max_instances": 1,
                              "misfire_grace_time": int(self.cfg.misfire_grace) or None})
            self.scheduler.start(paused=True)
            self.reconcile()
            _current = self
            self.scheduler.resume()
        except BaseException:
            self.daemon_lock.release()
            raise
        for interval, func in ((HEARTBEAT_SECONDS, self._heartbeat),
                               (self.cfg.dispatch_interval, self.dispatch)):
            loop = LoopingCall(func)
            loop.clock = self.reactor
            loop.start(interval, now=False).addErrback(self._crashed, "loop")
            self._loops.append(loop)
        log.info("daemon started pid=%d documents=%d db=%s", os.getpid(), len(self.targets),
                 self.store.safe_url)

    def reconcile(self) -> Counter[str]:
        """Make the job store hold exactly one job per declared document, keeping unchanged ones.

        An unchanged job keeps its next run time (a restart resumes the schedule); a new one
        first runs within its jitter; a changed schedule starts afresh; undeclared ones go.
        """
        from apscheduler.jobstores.base import JobLookupError

        counts: Counter[str] = Counter()
        existing = {job.id: job for job in self.scheduler.get_jobs()}
        now = datetime.now(UTC)
        for target in self.targets.values():
            expr = expression(target, self.cfg)
            trig = trigger(expr, self.cfg.jitter)
            name = f"{target.id} every {expr} (jitter {int(self.cfg.jitter)}s)"
            old = existing.pop(job_id(target.id), None)
            if old is not None and old.name == name and old.next_run_time is not None:
                counts["resumed"] += 1
                continue
            if old is None:
                spread = jitter_cap(self.cfg.jitter, period(trig))
                first = now + timedelta(seconds=random.uniform(0, spread))
                counts["added"] += 1
            else:
                first = trig.get_next_fire_time(None, now)
                counts["changed"] += 1
            self.scheduler.add_job(check_job, trig, args=[target.id], id=job_id(target.id),
                                   name=name, replace_existing=True, next_run_time=first)
        for job in existing.values():
            if job.id.startswith(JOB_PREFIX):
                try:
                    self.scheduler.remove_job(job.id)
                    counts["removed"] += 1
                except JobLookupError:
                    pass
        log.info("schedule jobs=%d resumed=%d added=%d changed=%d removed=%d",
                 len(self.targets), counts["resumed"], counts["added"], counts["changed"],
                 counts["removed"])
        return counts

    # --- rounds -------------------------------------------------------------------------

    def enqueue(self, target_id: str) -> None:
        """Queue a document for the next round (a document already queued or crawling is not)."""
        if self._stopping:
            return
        if target_id not in self.targets:
            log.warning("job for undeclared document=%s ignored", target_id)
            return
        if target_id in self._queue or target_id in self._in_round:
            log.info("check document=%s skipped: still queued or crawling", target_id)
            return
        self._queue[target_id] = None
        self._kick()

    def _kick(self) -> None:
        if self._round is not None or self._stopping or not self._queue:
            return
        if self._retry_call is not None and self._retry_call.active():
            return
        try:
            self.crawl_lock.acquire()
        except LockHeld as exc:
            if self._waiting_since is None:
                self._waiting_since = time.monotonic()
                log.warning("round postponed: %s; retrying every %.0fs", exc, LOCK_RETRY_SECONDS)
            self._retry_call = self.reactor.callLater(LOCK_RETRY_SECONDS, self._kick)
            return
        except Exception:  # noqa: BLE001 - e.g. database down: try again later
            log.exception("round postponed: cannot take the crawl lock")
            self._retry_call = self.reactor.callLater(LOCK_RETRY_SECONDS, self._kick)
            return
        self._waiting_since = None
        ids = list(self._queue)
        self._queue.clear()
        self._start_round(ids)

    def _start_round(self, ids: list[str]) -> None:
        from twisted.internet.defer import fail

        from crawler.run import crawl_deferred
        from store.record import validators

        self._in_round = set(ids)
        started = time.monotonic()
        self.recorder.lines.clear()
        try:
            with self.store.session() as s:
                known = {k: v for k, v in validators(s).items() if k in self._in_round}
            recorder = self.recorder

            def sink(fetch: Any) -> None:  # a plain function: Scrapy deep-copies its settings
                recorder(fetch)

            d = crawl_deferred(self.runner, [self.targets[i] for i in ids], sink, known)
        except Exception:  # noqa: BLE001 - reported by _round_failed like a failed crawl
            d = fail()
        self._round = d
        d.addErrback(self._round_failed)
        d.addBoth(self._round_done, ids, started)
        d.addErrback(self._crashed, "round")

    def _round_failed(self, failure: Any) -> None:
        log.error("round failed: %s", failure.getErrorMessage(),
                  exc_info=(failure.type, failure.value, failure.getTracebackObject()))

    def _round_done(self, _: Any, ids: list[str], started: float) -> None:
        if self._stopped:  # abandoned by _force: the daemon is already on its way out
            return
        lines = list(self.recorder.lines)
        self.recorder.lines.clear()
        self._round, self._in_round = None, set()
        self.crawl_lock.release()
        self.rounds += 1
        self.checks += len(lines)
        outcomes = Counter(ln.outcome for ln in lines)
        failed = sum(outcomes[o] for o in FAILURES)
        log.info("round documents=%d checked=%d new_version=%d unchanged=%d failed=%d "
                 "duration_ms=%d", len(ids), len(lines), outcomes["new_version"],
                 outcomes["unchanged"], failed, int((time.monotonic() - started) * 1000))
        missing = sorted(set(ids) - {ln.slug for ln in lines})
        if missing:
            log.warning("round unrecorded=%s: no result recorded%s", ",".join(missing),
                        " (abandoned on stop)" if self._stopping else "; they run again next time")
        if self.on_round is not None:
            self.on_round(lines)
        if outcomes["new_version"] or failed:
            self.dispatch()
        if self._stopping:
            self._finish()
        else:
            self._kick()

    # --- alerts -------------------------------------------------------------------------

    def dispatch(self) -> Any:
        """Deliver the outbox in a worker thread; a call while one runs asks for one more pass."""
        from twisted.internet.defer import succeed
        from twisted.internet.threads import deferToThreadPool

        if self.dispatcher is None:
            return succeed(None)
        if self._dispatching is not None:
            self._dispatch_again = True
            return self._dispatching
        self._dispatch_again = False
        d = deferToThreadPool(self.reactor, self.reactor.getThreadPool(), self.dispatcher.run_once)
        self._dispatching = d

        def done(stats: Any) -> Any:
            self._dispatching = None
            if stats:
                log.info("alerts dispatch %s", " ".join(f"{k}={v}" for k, v in sorted(stats.items())))
            if self._dispatch_again:
                return self.dispatch()
            return None

        def failed(failure: Any) -> None:
            self._dispatching = None
            log.error("alerts dispatch failed: %s", failure.getErrorMessage(),
                      exc_info=(failure.type, failure.value, failure.getTracebackObject()))

        d.addCallbacks(done, failed)
        return d

    # --- health -------------------------------------------------------------------------

    def _heartbeat(self) -> None:
        if self.daemon_lock.alive():
            return
        try:
            self.daemon_lock.acquire()
            log.warning("daemon lock re-acquired after a lost database connection")
        except LockHeld as exc:
            log.error("lost the daemon lock and another scheduler took it (%s); stopping", exc)
            self.exit_code = 1
            self.stop("lost-lock")
        except Exception:  # noqa: BLE001 - database still down: keep crawling, retry next beat
            log.exception("daemon lock lost; database unreachable, retrying in %.0fs",
                          HEARTBEAT_SECONDS)

    def _crashed(self, failure: Any, where: str) -> None:
        log.critical("internal error in %s: %s", where, failure.getErrorMessage(),
                     exc_info=(failure.type, failure.value, failure.getTracebackObject()))
        self.exit_code = 1
        self._round, self._in_round = None, set()
        self.stop("internal-error")

    # --- stop ---------------------------------------------------------------------------

    def stop(self, reason: str) -> None:
        """Stop scheduling; finish (or after ``stop_grace`` abandon) the round; flush; stop."""
        if self._stopping:
            if self._round is not None:
                log.warning("stop requested again (%s): abandoning the current round now", reason)
                if self._force_call is None:
                    self.runner.stop()
                self._force()
            return
        self._stopping = True
        log.info("stopping reason=%s round=%s queued=%d", reason,
                 "running" if self._round is not None else "none", len(self._queue))
        self._queue.clear()
        try:
            self.scheduler.pause()
            self.scheduler.shutdown(wait=False)
        except Exception:  # noqa: BLE001 - not started or already down
            log.debug("scheduler shutdown", exc_info=True)
        for call in (self._retry_call,):
            if call is not None and call.active():
                call.cancel()
        for loop in self._loops:
            if loop.running:
                loop.stop()
        if self._round is not None:
            self._grace_call = self.reactor.callLater(self.cfg.stop_grace, self._abandon)
        else:
            self._finish()

    def _abandon(self) -> None:
        """Ask Scrapy to stop the round; if a fetch still hangs after ``ABANDON_WAIT``, leave it."""
        if self._round is None:
            return
        if self._force_call is not None:  # asked twice: do not wait for Scrapy any longer
            self._force()
            return
        log.warning("abandoning the current round (fetches already recorded stay recorded)")
        self.runner.stop()
        self._force_call = self.reactor.callLater(ABANDON_WAIT, self._force)

    def _force(self) -> None:
        if self._round is None:
            return
        if self._force_call is not None and self._force_call.active():
            self._force_call.cancel()
        log.warning("round still busy: leaving unrecorded=%s unfinished",
                    ",".join(sorted(self._in_round - {ln.slug for ln in self.recorder.lines})))
        self._round, self._in_round = None, set()
        self._finish()

    def _finish(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        global _current
        for call in (self._grace_call, self._force_call):
            if call is not None and call.active():
                call.cancel()
        d = self.dispatch()
        if self._dispatching is not None:
            self._dispatch_again = True  # one more pass after the running one: flush the outbox
        d.addTimeout(max(self.cfg.stop_grace, 1.0), self.reactor)
        d.addErrback(lambda f: log.warning("final alert flush incomplete: %s", f.getErrorMessage()))

        def down(_: Any) -> None:
            global _current
            self.crawl_lock.release()
            self.daemon_lock.release()
            _current = None
            log.info("daemon stopped exit_code=%d rounds=%d checks=%d", self.exit_code,
                     self.rounds, self.checks)
            self.reactor.stop()

        d.addBoth(down)


def make_dispatcher(store: Any) -> Any:
    """The alert dispatcher for ``store`` (None, with a warning, if alerts/dispatch is absent)."""
    try:
        from alerts.dispatch import Dispatcher
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("alerts"):
            log.warning("no alert dispatcher installed; alerts stay in the outbox")
            return None
        raise
    return Dispatcher(store)


def run_daemon(store: Any, targets: Sequence[Any], cfg: ScheduleConfig,
               crawl_settings: dict[str, Any] | None = None) -> int:
    """Run the daemon until SIGTERM/SIGINT; returns the exit code. :class:`LockHeld` if taken."""
    reactor = install_reactor()
    from twisted.python import log as twisted_log

    twisted_log.PythonLoggingObserver(loggerName="twisted").start()
    daemon = Daemon(store, targets, cfg, crawl_settings, reactor=reactor,
                    dispatcher=make_dispatcher(store))
    daemon.start()

    def on_signal(signum: int, _frame: Any) -> None:
        reactor.callFromThread(daemon.stop, signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    reactor.run(installSignalHandlers=False)
    return daemon.exit_code
