"""Alerts: an outbox written in the transaction that causes them, and channels that deliver it.

``on_change`` and ``on_check`` are called by ingest.Recorder inside the recording transaction.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from store.models import Change, Check, Document


def on_change(session: Session, document: Document, change: Change) -> None:
    """Enqueue alerts for a classified change (material, non-technical) in this transaction."""
    # Routing and outbox rows arrive with issue 4.


def on_check(session: Session, document: Document, check: Check) -> None:
    """Track monitoring health: open or close an incident after consecutive failures."""
    # Incidents arrive with issue 4.
