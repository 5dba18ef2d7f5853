"""Record one fetch: store it, classify the change, enqueue alerts, in one transaction.

This is where the pipeline's stages meet: crawler -> store -> changes -> alerts. The crawler's
item pipeline hands every FetchResult to ``Recorder``; the CLI and the daemon build one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import alerts
import alerts.health
import changes
import config
from alerts import config as alerts_config
from crawler.errors import SinkStopped
from store import Store, StoreWriteError
from store.models import Change, Document, Version
from store.query import stored_change
from store.record import (DocumentSpec, Fetch, lock_documents, record_check, save_change,
                          sync_documents)
from workers import pool

log = logging.getLogger(__name__)


def change_between(session: Session, old: Version, new: Version) -> Change:
    """The stored diff and classification of a version pair, computed on first use."""
    found = stored_change(session, old.id, new.id, changes.CLASSIFIER_VERSION)
    if found is not None:
        return found
    result = changes.compare(old.text, new.text)
    return save_change(session, old, new, changes.CLASSIFIER_VERSION, result.to_dict())


@dataclass
class CheckLine:
    """What one fetch came to, for progress output and logs."""

    slug: str
    outcome: str
    detail: str
    duration_ms: int
    version_id: int | None = None
    severity: str | None = None
    labels: tuple[str, ...] = ()


class Recorder:
    """The crawler's sink: records each FetchResult.

    By default each fetch is one transaction, committed before the call returns. With
    ``batched=True`` fetches are kept until :meth:`flush` (the crawler's sink pipeline flushes
    whenever it has caught up, at most every ``POLICYWATCH_SINK_BATCH`` items) and recorded in
    one transaction, their diffs and classifications computed together in the CPU worker pool.
    A batch that fails is recorded again fetch by fetch, so one bad fetch loses no other.
    ``on_line`` is called with each recorded line, after its commit.
    """

    def __init__(self, store: Store, targets: Sequence[DocumentSpec],
                 shrink_hold: float | None = None, *, batched: bool = False,
                 on_line: Callable[[CheckLine], None] | None = None) -> None:
        # Every recording enqueues alerts; a bad [alerts] config would make each one fail, so
        # say so now (AlertConfigError names the key) rather than after a whole crawl.
        alerts_config.current()
        self.shrink_hold = float(config.get("shrink_hold")) if shrink_hold is None else shrink_hold
        self.store = store
        self.batched = batched
        self.summarise = str(config.get("unchanged_checks")).strip().lower() == "summary"
        self.on_line = on_line
        self.lines: list[CheckLine] = []
        self._pending: list[Fetch] = []
        #: Document id -> round key of its check (shared-frontier workers); see store.record.
        self.rounds: dict[str, str] = {}
        #: Set when a write failed because the storage cannot take it (disk full, read-only):
        #: nothing more is recorded, and ``policywatch check`` exits with it.
        self.write_error: StoreWriteError | None = None
        try:
            self._doc_ids = self._sync(targets)
        except IntegrityError:  # another worker added the same new documents at the same moment
            log.info("documents added concurrently by another process; reading theirs")
            self._doc_ids = self._sync(targets)

    def _sync(self, targets: Sequence[DocumentSpec]) -> dict[str, int]:
        with self.store.session() as s:
            return {slug: d.id for slug, d in sync_documents(s, list(targets)).items()}

    def __call__(self, fetch: Fetch) -> CheckLine | None:
        """Record ``fetch`` now and return its line, or keep it for :meth:`flush` (batched)."""
        if self.batched:
            self._pending.append(fetch)
            return None
        lines = self._commit([fetch])
        return lines[0] if lines else None

    def flush(self) -> None:
        """Record the fetches kept since the last flush (batched mode)."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            self._commit(pending)
        except StoreWriteError:
            raise  # one by one would fail the same way
        except Exception:
            log.warning("recording a batch of %d checks failed; recording them one by one",
                        len(pending), exc_info=len(pending) > 1)
            for fetch in pending:
                try:
                    self._commit([fetch])
                except IntegrityError:
                    log.info("%s: already checked in round %s; not recorded twice", fetch.target_id,
                             self.rounds.get(fetch.target_id))
                except Exception:
                    log.exception("recording the check of %s failed", fetch.target_id)

    def sink(self) -> Callable[[Fetch], None]:
        """A plain function for ``crawler.run.crawl`` (Scrapy copies objects in its settings),
        with this recorder's ``flush``. Once a write fails for want of storage
        (:attr:`write_error`) it raises :class:`~crawler.errors.SinkStopped`: the crawl ends."""
        self.write_error = None  # a new crawl tries again (a worker's next round)

        def stopping(write: Callable[[], Any]) -> None:
            if self.write_error is not None:
                raise SinkStopped(str(self.write_error))
            try:
                write()
            except StoreWriteError as exc:
                raise SinkStopped(str(exc)) from exc

        def record(fetch: Fetch) -> None:
            stopping(lambda: self(fetch))

        record.flush = lambda: stopping(self.flush)  # type: ignore[attr-defined]
        return record

    def _commit(self, fetches: list[Fetch]) -> list[CheckLine]:
        try:
            with self.store.session() as s:  # rolled back whole on any failure
                lines = self._record(s, fetches)
        except Exception as exc:
            error = self.store.write_failed(exc)
            if error is None:
                raise
            self.write_error = error
            raise error from exc
        for line in lines:
            self.lines.append(line)
            log.info("check document=%s outcome=%s duration_ms=%d%s", line.slug, line.outcome,
                     line.duration_ms, f" detail={line.detail!r}" if line.detail else "")
            if self.on_line is not None:
                self.on_line(line)
        return lines

    def _record(self, s: Session, fetches: list[Fetch]) -> list[CheckLine]:
        # In document order: concurrent workers lock document rows in the same order, no deadlock.
        fetches = sorted(fetches, key=lambda f: self._doc_ids[f.target_id])
        ids = [self._doc_ids[f.target_id] for f in fetches]
        locked = open_incidents = None
        if len(fetches) > 1 and len(set(ids)) == len(ids):  # a batch: a few queries, not 4 per fetch
            locked = lock_documents(s, ids)  # also loads them: _document's s.get finds them
            open_incidents = alerts.health.with_open_incidents(s, ids)
        docs = [self._document(s, f.target_id) for f in fetches]
        recs = [record_check(s, doc, f, self.shrink_hold, self.rounds.get(f.target_id), self.summarise,
                             locked) for doc, f in zip(docs, fetches)]
        s.flush()  # a batch's checks in one statement (record_check flushes each one otherwise)
        found = {i: stored_change(s, r.previous.id, r.version.id, changes.CLASSIFIER_VERSION)
                 for i, r in enumerate(recs) if r.version and r.previous and not r.version.technical}
        todo = [i for i, c in found.items() if c is None]
        results = pool.map_all(changes.compared, [(recs[i].previous.text, recs[i].version.text) for i in todo])  # type: ignore[union-attr]
        for i, result in zip(todo, results):
            found[i] = save_change(s, recs[i].previous, recs[i].version, changes.CLASSIFIER_VERSION, result)  # type: ignore[arg-type]
        lines = []
        for i, (doc, rec) in enumerate(zip(docs, recs)):
            line = CheckLine(doc.slug, rec.check.outcome, rec.check.detail, rec.check.duration_ms,
                             rec.check.version_id)
            change = found.get(i)
            if change is not None:
                line.severity, line.labels = change.severity, tuple(change.labels)
                alerts.on_change(s, doc, change)
            alerts.on_check(s, doc, rec.check, open_incidents)
            lines.append(line)
        return lines

    def _document(self, s: Session, slug: str) -> Document:
        doc = s.get(Document, self._doc_ids[slug])
        assert doc is not None
        return doc

    @property
    def failed(self) -> list[CheckLine]:
        return [ln for ln in self.lines if ln.outcome not in ("new_version", "unchanged")]
