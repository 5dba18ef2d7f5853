"""Read queries for the alert log and incidents (searching the texts: ``web.phrases``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from store.models import Alert, Document, Incident
from web.queries import Page

ALERT_STATUSES = ("pending", "sending", "sent", "dead")
ALERT_COLUMNS = (Alert.id, Alert.channel, Alert.kind, Alert.status, Alert.attempts,
                 Alert.last_error, Alert.created_at, Alert.sent_at, Alert.severity,
                 Alert.document_id, Alert.change_id)


@dataclass
class AlertRow:
    alert: Alert
    slug: str | None


@dataclass
class IncidentRow:
    incident: Incident
    slug: str


@dataclass
class ChannelStatus:
    """How many alerts of one channel are in each delivery status."""

    channel: str
    counts: dict[str, int]


def alerts(session: Session, page: int, per_page: int, channel: str | None = None,
           status: str | None = None) -> Page[AlertRow]:
    """One page of the alert outbox, newest first."""
    q = (select(Alert, Document.slug).outerjoin(Document, Document.id == Alert.document_id)
         .options(load_only(*ALERT_COLUMNS)))
    if channel:
        q = q.where(Alert.channel == channel)
    if status:
        q = q.where(Alert.status == status)
    total = int(session.scalar(select(func.count()).select_from(q.with_only_columns(Alert.id).subquery())) or 0)
    rows = session.execute(q.order_by(Alert.created_at.desc(), Alert.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return Page([AlertRow(a, slug) for a, slug in rows], page, per_page, total)


def delivery_summary(session: Session) -> list[ChannelStatus]:
    """Per channel, the count of alerts in each status."""
    out: dict[str, dict[str, int]] = {}
    for channel, status, n in session.execute(
            select(Alert.channel, Alert.status, func.count())
            .group_by(Alert.channel, Alert.status).order_by(Alert.channel)):
        out.setdefault(channel, {s: 0 for s in ALERT_STATUSES})[status] = n
    return [ChannelStatus(c, counts) for c, counts in out.items()]


def incidents(session: Session, limit: int = 50) -> list[IncidentRow]:
    """Open incidents first, then the most recent closed ones."""
    rows = session.execute(
        select(Incident, Document.slug).join(Document, Document.id == Incident.document_id)
        .order_by(Incident.closed_at.is_not(None), Incident.opened_at.desc()).limit(limit)).all()
    return [IncidentRow(i, slug) for i, slug in rows]
