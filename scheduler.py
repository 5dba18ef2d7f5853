"""The PolicyWatch daemon: check every declared document on its schedule, for months, in one process.

One Twisted reactor (Scrapy's asyncio reactor) runs, side by side:

- APScheduler 3's ``TwistedScheduler`` with a ``SQLAlchemyJobStore`` on the project's database:
  one job per declared document (daemon/jobs.py), so a restart resumes the same schedule, and
  documents whose check is due or was lost get one catch-up check at start.
- Crawl *rounds* per host (daemon/hosts.py): a job only queues its document (:func:`check_job`);
  each host with queued documents and no round running gets a Scrapy crawl of them, started
  with ``crawler.run.crawl_deferred`` on one long-lived ``CrawlerRunner`` (the reactor cannot be
  restarted). A slow host delays only its own documents. Results go to ``ingest.Recorder``, the
  sink ``policywatch check`` uses too: one transaction per fetch.
- The alert dispatcher in a worker thread, every ``dispatch_interval`` seconds and after each
  round with news; a heartbeat (daemon/heartbeat.py, systemd's watchdog in daemon/notify.py)
  every ``heartbeat`` seconds.

The ``daemon`` lock keeps one scheduler per database; the ``crawl`` lock is held while any round
runs, so a ``policywatch check`` cannot overlap one (daemon/locks.py). A database outage is
logged as state changes (daemon/outage.py); no round starts until it ends. SIGHUP reloads the
declarations. SIGTERM or SIGINT: stop scheduling, let running rounds finish within ``stop_grace``
seconds (then abandon them: each fetch is recorded in its own transaction), flush the outbox,
exit 0; a second signal abandons them at once. See docs/daemon.md.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from crawler.run import install_reactor
from daemon import early, heartbeat
from daemon.delivery import Delivery
from daemon.hosts import HostQueues, host_of
from daemon.jobs import JOB_PREFIX, JOBS_TABLE, job_id, last_checks, make_scheduler, reconcile
from daemon.locks import LockHeld, lock_for
from daemon.notify import notify, watchdog_interval
from daemon.outage import Outage, has_room, is_unreachable, one_line
from daemon.schedules import ScheduleConfig

__all__ = ["JOB_PREFIX", "JOBS_TABLE", "Daemon", "check_job", "job_id", "run_daemon"]

log = logging.getLogger("policywatch.daemon")

LOCK_RETRY_SECONDS = 5.0
ABANDON_WAIT = 2.0
FAILURES = ("blocked", "transient", "structural", "robots_disallowed")

_current: Daemon | None = None
Loader = Callable[[], tuple[Sequence[Any], ScheduleConfig]]


def check_job(target_id: str) -> None:
    """The APScheduler job of one document: queue it for its host's next round.

    Runs in a worker thread of the reactor's pool and returns at once; the crawl itself runs
    in the reactor. Module-level with a string argument, so the job store can pickle it.
    """
    daemon = _current
    if daemon is None:
        log.warning("job for document=%s fired with no daemon running; ignored", target_id)
        return
    daemon.reactor.callFromThread(daemon.enqueue, target_id)


class _JobStoreErrors(logging.Filter):
    """APScheduler warns every 10 s that it cannot read the job store: an outage, said once."""

    def __init__(self, outage: Outage) -> None:
        super().__init__()
        self.outage = outage

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Error getting due jobs"):
            cause = record.args[-1] if isinstance(record.args, tuple) and record.args else ""
            self.outage.failed("job store", cause if isinstance(cause, BaseException)
                               else str(cause))
            return False
        return True


class Daemon:
    """Scheduler, crawl rounds, heartbeat and alerts on one reactor. ``start()``, then run it."""

    def __init__(self, store: Any, targets: Sequence[Any], cfg: ScheduleConfig,
                 crawl_settings: dict[str, Any] | None = None, *, reactor: Any = None,
                 dispatcher: Any = None, on_round: Callable[[list[Any]], None] | None = None,
                 loader: Loader | None = None, watch: Callable[[], Any] | None = None) -> None:
        self.store = store
        self.targets = {t.id: t for t in targets}
        self.cfg = cfg
        self.crawl_settings = dict(crawl_settings or {})
        self.reactor = reactor or install_reactor()
        self.dispatcher = dispatcher
        self.on_round = on_round
        self.loader, self.watch = loader, watch
        self.exit_code = 0
        self.checks = 0
        self.rounds = 0
        self.queues = HostQueues()
        self.outage = Outage(cfg.outage_reminder, room=lambda: has_room(store))
        self.outage.on_recovery.append(self._recovered)
        self.started_at = datetime.now(UTC)
        self._rounds: dict[str, Any] = {}
        self._lost: set[str] = set()
        self._stopping = False
        self._stopped = False
        self.delivery = Delivery(self.reactor, dispatcher, self.outage)
        self._retry_call: Any = None
        self._grace_call: Any = None
        self._force_call: Any = None
        self._loops: list[Any] = []
        self._waiting_since: float | None = None
        self._seen = watch() if watch else None
        self.beat_every = min(cfg.heartbeat, watchdog_interval() or cfg.heartbeat)

    # --- start --------------------------------------------------------------------------

    def start(self) -> None:
        """Take the daemon lock (:class:`LockHeld` if taken), then schedule every document."""
        from scrapy.crawler import CrawlerRunner

        from crawler.run import make_settings
        from ingest import Recorder

        global _current
        self.daemon_lock = lock_for(self.store.engine, "daemon", "policywatch run")
        self.daemon_lock.acquire()
        self.crawl_lock = lock_for(self.store.engine, "crawl", "policywatch run")
        try:
            self.recorder = Recorder(self.store, list(self.targets.values()))
            self.runner = CrawlerRunner(make_settings(self.crawl_settings))
            sched_log = logging.getLogger("apscheduler.scheduler")
            self._filter = _JobStoreErrors(self.outage)
            sched_log.addFilter(self._filter)
            self.scheduler = make_scheduler(self.reactor, self.store.engine, self.cfg, sched_log,
                                            lambda exc: self._db_failed("job store", exc))
            self.scheduler.start(paused=True)
            last = heartbeat.read(self.store)
            self.reconcile(pending=last.pending if last else ())
            _current = self
            self.scheduler.resume()
        except BaseException:
            self.daemon_lock.release()
            raise
        self._start_loops()
        self._beat()
        notify("READY=1", f"STATUS=checking {len(self.targets)} documents")
        log.info("daemon started pid=%d documents=%d db=%s", os.getpid(), len(self.targets),
                 self.store.safe_url)

    def _start_loops(self) -> None:
        from twisted.internet.task import LoopingCall

        for interval, func in ((self.beat_every, self._beat), (self.cfg.dispatch_interval, self.dispatch)):
            loop = LoopingCall(func)
            loop.clock = self.reactor
            loop.start(interval, now=False).addErrback(self._crashed, "loop")
            self._loops.append(loop)

    def reconcile(self, pending: Sequence[str] = ()) -> Counter[str]:
        """Make the job store hold one job per declared document (see daemon/jobs.py)."""
        counts = reconcile(self.scheduler, check_job, self.targets.values(), self.cfg,
                           last_checks(self.store), pending)
        log.info("schedule jobs=%d resumed=%d added=%d changed=%d removed=%d catch_up=%d",
                 len(self.targets), counts["resumed"], counts["added"], counts["changed"],
                 counts["removed"], counts["catch_up"])
        return counts

    def reload(self) -> None:
        """SIGHUP: read the declarations and [schedule] again and reconcile the jobs."""
        from ingest import Recorder

        if self.loader is None or self._stopping:
            return
        try:
            targets, cfg = self.loader()
            recorder = Recorder(self.store, list(targets))
        except Exception as exc:  # noqa: BLE001 - a bad edit must not stop the daemon
            log.error("reload failed, keeping the declarations in use: %s", one_line(exc))
            return
        before = set(self.targets)
        self.targets, self.cfg, self.recorder = {t.id: t for t in targets}, cfg, recorder
        self._seen = self.watch() if self.watch else None
        log.info("reloaded declarations: documents=%d added=%d removed=%d", len(self.targets),
                 len(set(self.targets) - before), len(before - set(self.targets)))
        self.reconcile()

    # --- rounds -------------------------------------------------------------------------

    def enqueue(self, target_id: str) -> None:
        """Queue a document for its host's next round (not if already queued or crawling)."""
        if self._stopping:
            return
        target = self.targets.get(target_id)
        if target is None:
            log.warning("job for undeclared document=%s ignored", target_id)
            return
        if not self.queues.add(host_of(target.url), target_id):
            quiet = log.debug if self.outage.down else log.info  # an outage is logged as such
            quiet("check document=%s skipped: still queued or crawling", target_id)
            return
        self._beat(full=False)  # the heartbeat lists it: a crash now loses no check
        self._kick()

    def _kick(self) -> None:
        ready = self.queues.ready()
        if self._stopping or not ready or self.outage.down:
            return
        if self._retry_call is not None and self._retry_call.active():
            return
        if not self._rounds and not self._take_crawl_lock():
            self._retry_call = self.reactor.callLater(LOCK_RETRY_SECONDS, self._kick)
            return
        for host, _ in ready:
            self._start_round(host)

    def _take_crawl_lock(self) -> bool:
        try:
            self.crawl_lock.acquire()
        except LockHeld as exc:
            if self._waiting_since is None:
                self._waiting_since = time.monotonic()
                log.warning("round postponed: %s; retrying every %.0fs", exc, LOCK_RETRY_SECONDS)
            return False
        except Exception as exc:  # noqa: BLE001 - e.g. database down: try again later
            self._db_failed("crawl lock", exc)
            return False
        self._waiting_since = None
        return True

    def _start_round(self, host: str) -> None:
        from twisted.internet.defer import fail

        from crawler.run import crawl_deferred
        from store.record import validators

        ids = self.queues.start(host)
        started, lines = time.monotonic(), list[Any]()
        d: Any
        try:
            with self.store.session() as s:
                known = {k: v for k, v in validators(s).items() if k in ids}
            d = crawl_deferred(self.runner, [self.targets[i] for i in ids],
                               self._sink(lines), known)
        except Exception:  # noqa: BLE001 - reported by _round_failed like a failed crawl
            d = fail()
        self._rounds[host] = d
        d.addErrback(self._round_failed, host)
        d.addBoth(self._round_done, host, ids, lines, started)
        d.addErrback(self._crashed, "round")

    def _sink(self, lines: list[Any]) -> Callable[[Any], None]:
        recorder, outage = self.recorder, self.outage

        def sink(fetch: Any) -> None:  # a plain function: Scrapy deep-copies its settings
            try:
                lines.append(recorder(fetch))
            except Exception as exc:
                if not is_unreachable(exc):
                    raise
                outage.failed("recording a check", exc)  # not recorded: caught up after
                return
            outage.ok()

        return sink

    def _round_failed(self, failure: Any, host: str) -> None:
        if is_unreachable(failure.value):
            self._db_failed("starting a round", failure.value)
            return
        log.error("round host=%s failed: %s", host, failure.getErrorMessage(),
                  exc_info=(failure.type, failure.value, failure.getTracebackObject()))

    def _round_done(self, _: Any, host: str, ids: list[str], lines: list[Any],
                    started: float) -> None:
        if self._stopped:  # abandoned by _force: the daemon is already on its way out
            return
        self._rounds.pop(host, None)
        self.queues.finish(host)
        if not self._rounds:
            self.crawl_lock.release()
        self.rounds += 1
        self.checks += len(lines)
        outcomes = Counter(ln.outcome for ln in lines)
        failed = sum(outcomes[o] for o in FAILURES)
        log.info("round host=%s documents=%d checked=%d new_version=%d unchanged=%d failed=%d "
                 "duration_ms=%d", host, len(ids), len(lines), outcomes["new_version"],
                 outcomes["unchanged"], failed, int((time.monotonic() - started) * 1000))
        self._unrecorded(set(ids) - {ln.slug for ln in lines})
        if self.on_round is not None:
            self.on_round(lines)
        if outcomes["new_version"] or failed:
            self.dispatch()
        if self._stopping:
            if not self._rounds:
                self._finish()
        else:
            self._beat(full=False)
            self._kick()

    def _unrecorded(self, missing: set[str]) -> None:
        if not missing:
            return
        if self.outage.down:  # checked once more as soon as the database is back
            self._lost |= missing
            return
        log.warning("round unrecorded=%s: no result recorded%s", ",".join(sorted(missing)),
                    " (abandoned on stop)" if self._stopping else "; they run again next time")

    def _recovered(self) -> None:
        self.scheduler.wakeup()  # jobs due during the outage: one coalesced run each, now
        lost, self._lost = self._lost, set()
        for doc in sorted(lost):
            self.enqueue(doc)
        self._kick()

    # --- alerts -------------------------------------------------------------------------

    def dispatch(self) -> Any:
        """Deliver the outbox in a worker thread (daemon/delivery.py)."""
        return self.delivery()

    # --- health -------------------------------------------------------------------------

    def _beat(self, full: bool = True) -> None:
        """Every ``heartbeat`` seconds: ping systemd, keep the lock, write the heartbeat row."""
        if not full and self.outage.down:
            return
        notify("WATCHDOG=1")
        if full:
            self._keep_lock()
            self._watch_declarations()
        try:
            heartbeat.write(self.store, self.started_at, self.beat_every,
                            self.queues.pending() | self._lost, stopped=self._stopped)
        except Exception as exc:  # noqa: BLE001 - the outage says it; never stop beating
            self._db_failed("heartbeat", exc)
            return
        self.outage.ok()

    def _db_failed(self, where: str, exc: BaseException) -> None:
        if is_unreachable(exc):
            self.outage.failed(where, exc)
        else:
            log.error("%s failed: %s", where, one_line(exc), exc_info=exc)

    def _keep_lock(self) -> None:
        if self.daemon_lock.alive():
            return
        try:
            self.daemon_lock.acquire()
            log.warning("daemon lock re-acquired after a lost database connection")
        except LockHeld as exc:
            log.error("lost the daemon lock and another scheduler took it (%s); stopping", exc)
            self.exit_code = 1
            self.stop("lost-lock")
        except Exception as exc:  # noqa: BLE001 - database still down: retry next beat
            self._db_failed("daemon lock", exc)

    def _watch_declarations(self) -> None:
        if self.watch is None:
            return
        seen = self.watch()
        if seen != self._seen:
            self._seen = seen
            log.warning("declarations changed on disk and are not in use yet: "
                        "reload with `kill -HUP %d` (or `systemctl reload policywatch`)",
                        os.getpid())

    def _crashed(self, failure: Any, where: str) -> None:
        log.critical("internal error in %s: %s", where, failure.getErrorMessage(),
                     exc_info=(failure.type, failure.value, failure.getTracebackObject()))
        self.exit_code = 1
        self._rounds.clear()
        self.stop("internal-error")

    # --- stop ---------------------------------------------------------------------------

    def stop(self, reason: str) -> None:
        """Stop scheduling; finish (or after ``stop_grace`` abandon) the rounds; flush; stop."""
        if self._stopping:
            if self._rounds:
                log.warning("stop requested again (%s): abandoning the running rounds now", reason)
                if self._force_call is None:
                    self.runner.stop()
                self._force()
            return
        self._stopping = True
        notify("STOPPING=1")
        queued = self.queues.clear_queued()
        self._lost |= queued  # not checked: caught up at the next start
        log.info("stopping reason=%s rounds=%d queued=%d", reason, len(self._rounds), len(queued))
        self._shutdown_scheduling()
        if self._rounds:
            self._grace_call = self.reactor.callLater(self.cfg.stop_grace, self._abandon)
        else:
            self._finish()

    def _shutdown_scheduling(self) -> None:
        try:
            self.scheduler.pause()
            self.scheduler.shutdown(wait=False)
        except Exception:  # noqa: BLE001 - not started or already down
            log.debug("scheduler shutdown", exc_info=True)
        if self._retry_call is not None and self._retry_call.active():
            self._retry_call.cancel()
        for loop in self._loops:
            if loop.running:
                loop.stop()

    def _abandon(self) -> None:
        """Ask Scrapy to stop the rounds; if a fetch still hangs after ``ABANDON_WAIT``, leave it."""
        if not self._rounds:
            return
        if self._force_call is not None:  # asked twice: do not wait for Scrapy any longer
            self._force()
            return
        log.warning("abandoning the running rounds (fetches already recorded stay recorded)")
        self.runner.stop()
        self._force_call = self.reactor.callLater(ABANDON_WAIT, self._force)

    def _force(self) -> None:
        if not self._rounds:
            return
        if self._force_call is not None and self._force_call.active():
            self._force_call.cancel()
        busy = sorted(d for ids in self.queues.running().values() for d in ids)
        log.warning("rounds still busy: leaving documents=%s unfinished", ",".join(busy))
        self._rounds.clear()
        self._finish()

    def _finish(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for call in (self._grace_call, self._force_call):
            if call is not None and call.active():
                call.cancel()
        d = self.delivery.flush()
        d.addTimeout(max(self.cfg.stop_grace, 1.0), self.reactor)
        d.addErrback(lambda f: log.warning("final alert flush incomplete: %s", f.getErrorMessage()))
        d.addBoth(self._down)

    def _down(self, _: Any) -> None:
        global _current
        self._beat(full=False)  # pending: what a restart must catch up
        self.crawl_lock.release()
        self.daemon_lock.release()
        logging.getLogger("apscheduler.scheduler").removeFilter(self._filter)
        _current = None
        log.info("daemon stopped exit_code=%d rounds=%d checks=%d", self.exit_code,
                 self.rounds, self.checks)
        self.reactor.stop()


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
               crawl_settings: dict[str, Any] | None = None, *, loader: Loader | None = None,
               watch: Callable[[], Any] | None = None) -> int:
    """Run the daemon until SIGTERM/SIGINT; returns the exit code. :class:`LockHeld` if taken.

    SIGHUP calls ``loader`` and reconciles; ``watch()`` fingerprints the declarations, so a
    change on disk without a SIGHUP is logged.
    """
    if early.wants_stop(early.take()):
        log.info("stopped before start: a stop signal came during start-up")
        return 0
    reactor = install_reactor()
    from twisted.python import log as twisted_log

    twisted_log.PythonLoggingObserver(loggerName="twisted").start()
    daemon = Daemon(store, targets, cfg, crawl_settings, reactor=reactor,
                    dispatcher=make_dispatcher(store), loader=loader, watch=watch)

    def on_signal(signum: int, _frame: Any) -> None:
        if signum == signal.SIGHUP:
            reactor.callFromThread(daemon.reload)
        else:
            reactor.callFromThread(daemon.stop, signal.Signals(signum).name)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    missed = early.take()  # a signal during the imports and the start above
    daemon.start()
    for signum in missed:
        on_signal(signum, None)
    reactor.run(installSignalHandlers=False)
    return daemon.exit_code
