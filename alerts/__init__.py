"""Alerts: an outbox written in the transaction that causes them, and channels that deliver it.

``on_change`` and ``on_check`` are called by ingest.Recorder inside the recording transaction;
they only add rows (no commit). ``alerts.dispatch.Dispatcher(store).run_once()`` delivers them.
See docs/alerts.md.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

import config as settings
from alerts import config as alerts_config
from alerts.health import GOOD, track
from alerts.outbox import enqueue_change
from store.models import Change, Check, Document


def on_change(session: Session, document: Document, change: Change) -> None:
    """Enqueue alerts for a classified change (material, non-technical) in this transaction."""
    enqueue_change(session, document, change, alerts_config.current())


def on_check(session: Session, document: Document, check: Check,
             open_incidents: set[int] | None = None) -> None:
    """Track monitoring health: open or close an incident after consecutive failures.

    ``open_incidents``: the ids of the documents with an open incident, read once for a batch
    of checks of distinct, locked documents (``alerts.health.with_open_incidents``); a good
    check of any other document has nothing to close, and is not looked up."""
    if open_incidents is not None and check.outcome in GOOD and document.id not in open_incidents:
        return
    track(session, document, check, alerts_config.current(), int(settings.get("incident_after")))
