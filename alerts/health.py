"""Monitoring health: N failed checks in a row open one incident; the next good check closes it."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.config import AlertsConfig
from alerts.outbox import enqueue
from alerts.payload import incident_payload
from store.models import Alert, Check, Document, Incident
from store.record import FAILURES

log = logging.getLogger(__name__)
GOOD = ("new_version", "unchanged")


def open_incident(session: Session, document_id: int) -> Incident | None:
    return session.scalars(select(Incident).where(
        Incident.document_id == document_id, Incident.closed_at.is_(None))
        .order_by(Incident.id.desc()).limit(1)).first()


def with_open_incidents(session: Session, document_ids: list[int]) -> set[int]:
    """Those of the documents that have an open incident, in one query (a batch of checks)."""
    return set(session.scalars(select(Incident.document_id).where(
        Incident.document_id.in_(document_ids), Incident.closed_at.is_(None))))


def describe(check: Check, first: Check) -> str:
    """The cause as users read it, e.g. ``blocked: HTTP 999 since 2024-09-19 06:00 UTC``."""
    what = check.outcome + (f": HTTP {check.http_status}" if check.http_status else "")
    detail = f" ({check.detail})" if check.detail else ""
    return f"{what}{detail} since {first.started_at:%Y-%m-%d %H:%M UTC}"


def track(session: Session, doc: Document, check: Check, cfg: AlertsConfig,
          threshold: int) -> list[Alert]:
    """Update incidents for one recorded check; returns the alert rows enqueued (often none)."""
    current = open_incident(session, doc.id)
    if check.outcome in GOOD:
        if current is None:
            return []
        current.closed_at = check.started_at
        session.flush()
        log.info("incident closed id=%s document=%s", current.id, doc.slug)
        payload = incident_payload(doc, current, "incident_closed", cfg.link_base(), check.started_at)
        return enqueue(session, cfg, f"incident:{current.id}:closed", payload,
                       document_id=doc.id, incident_id=current.id)
    if check.outcome not in FAILURES:
        return []
    if current is not None:
        current.failures += 1
        current.last_failure_at = check.started_at
        return []
    recent = list(session.scalars(
        select(Check).where(Check.document_id == doc.id)
        .order_by(Check.started_at.desc(), Check.id.desc()).limit(max(threshold, 1))))
    if len(recent) < threshold or any(c.outcome not in FAILURES for c in recent):
        return []
    first = recent[-1]
    incident = Incident(document_id=doc.id, opened_at=check.started_at, outcome=check.outcome,
                        cause=describe(check, first), failures=len(recent),
                        first_failure_at=first.started_at, last_failure_at=check.started_at)
    session.add(incident)
    session.flush()
    log.warning("incident opened id=%s document=%s cause=%s", incident.id, doc.slug, incident.cause)
    payload = incident_payload(doc, incident, "incident_opened", cfg.link_base(), check.started_at)
    return enqueue(session, cfg, f"incident:{incident.id}:opened", payload,
                   document_id=doc.id, incident_id=incident.id)
