"""Record one fetch: store it, classify the change, enqueue alerts, in one transaction.

This is where the pipeline's stages meet: crawler -> store -> changes -> alerts. The crawler's
item pipeline hands every FetchResult to ``Recorder``; the CLI and the daemon build one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

import alerts
import changes
import config
from alerts import config as alerts_config
from store import Store
from store.models import Change, Document, Version
from store.record import DocumentSpec, Fetch, Recorded, record_check, save_change, sync_documents

log = logging.getLogger(__name__)


def change_between(session: Session, old: Version, new: Version) -> Change:
    """The stored diff and classification of a version pair, computed on first use."""
    from store.query import stored_change

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
    """The crawler's sink: records each FetchResult as it arrives."""

    def __init__(self, store: Store, targets: Sequence[DocumentSpec],
                 shrink_hold: float | None = None) -> None:
        # Every recording enqueues alerts; a bad [alerts] config would make each one fail, so
        # say so now (AlertConfigError names the key) rather than after a whole crawl.
        alerts_config.current()
        self.shrink_hold = float(config.get("shrink_hold")) if shrink_hold is None else shrink_hold
        self.store = store
        self.lines: list[CheckLine] = []
        with store.session() as s:
            self._doc_ids = {slug: d.id for slug, d in sync_documents(s, list(targets)).items()}

    def __call__(self, fetch: Fetch) -> CheckLine:
        with self.store.session() as s:
            doc = s.get(Document, self._doc_ids[fetch.target_id])
            assert doc is not None
            rec = record_check(s, doc, fetch, self.shrink_hold)
            line = CheckLine(doc.slug, rec.check.outcome, rec.check.detail, rec.check.duration_ms,
                             rec.check.version_id)
            change = self._classify(s, rec)
            if change is not None:
                line.severity, line.labels = change.severity, tuple(change.labels)
                alerts.on_change(s, doc, change)
            alerts.on_check(s, doc, rec.check)
        self.lines.append(line)
        log.info("check document=%s outcome=%s duration_ms=%d%s", line.slug, line.outcome,
                 line.duration_ms, f" detail={line.detail!r}" if line.detail else "")
        return line

    @staticmethod
    def _classify(session: Session, rec: Recorded) -> Change | None:
        if rec.version is None or rec.previous is None or rec.version.technical:
            return None
        return change_between(session, rec.previous, rec.version)

    @property
    def failed(self) -> list[CheckLine]:
        return [ln for ln in self.lines if ln.outcome not in ("new_version", "unchanged")]
