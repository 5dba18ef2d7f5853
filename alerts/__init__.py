"""Alerts: an outbox written in the transaction that causes them, and channels that deliver it.

``on_change`` and ``on_check`` are called by ingest.Recorder inside the recording transaction;
they only add rows (no commit). ``alerts.dispatch.Dispatcher(store).run_once()`` delivers them.
See docs/alerts.md.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

import config as settings
from alerts import config as alerts_config
from alerts.health import track
from alerts.outbox import enqueue_change
from store.models import Change, Check, Document


def on_change(session: Session, document: Document, change: Change) -> None:
    """Enqueue alerts for a classified change (material, non-technical) in this transaction."""
    enqueue_change(session, document, change, alerts_config.current())


def on_check(session: Session, document: Document, check: Check) -> None:
    """Track monitoring health: open or close an incident after consecutive failures."""
    track(session, document, check, alerts_config.current(), int(settings.get("incident_after")))
