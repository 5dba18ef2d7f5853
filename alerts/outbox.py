"""Routing and the outbox: alert rows written in the caller's transaction (never committed here)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.config import SEVERITIES, AlertsConfig, ChannelConfig
from alerts.payload import change_payload
from store.models import Alert, Change, Document, Version

log = logging.getLogger(__name__)


def wants(channel: ChannelConfig, payload: dict[str, Any]) -> bool:
    """Whether a channel's routing rules take this payload."""
    platform = payload["document"]["platform"]
    if channel.platforms and platform not in channel.platforms:
        return False
    if payload["event"] != "change":
        return channel.incidents
    if SEVERITIES.index(payload["severity"]) < SEVERITIES.index(channel.min_severity):
        return False
    return not channel.labels or bool(set(channel.labels) & set(payload.get("labels", [])))


def enqueue(session: Session, cfg: AlertsConfig, key: str, payload: dict[str, Any], *,
            document_id: int | None = None, change_id: int | None = None,
            incident_id: int | None = None) -> list[Alert]:
    """One pending row per channel that wants ``payload``; ``dedup_key`` = ``f"{key}:{channel}"``.

    A key already in the outbox is skipped, so calling this twice for one event enqueues once.
    """
    rows = []
    for name, channel in cfg.channels.items():
        if not wants(channel, payload):
            continue
        dedup_key = f"{key}:{name}"
        if session.scalar(select(Alert.id).where(Alert.dedup_key == dedup_key)) is not None:
            continue
        row = Alert(dedup_key=dedup_key, channel=name, kind=payload["event"],
                    document_id=document_id, change_id=change_id, incident_id=incident_id,
                    severity=payload.get("severity", "none"), payload=payload, status="pending")
        session.add(row)
        rows.append(row)
    session.flush()
    for row in rows:
        log.info("alert enqueued id=%s key=%s", row.id, row.dedup_key)
    return rows


def enqueue_change(session: Session, document: Document, change: Change,
                   cfg: AlertsConfig) -> list[Alert]:
    """Alerts for a classified change; non-material, severity none and technical ones never alert."""
    if not change.material or change.severity not in SEVERITIES[1:]:
        return []
    new = session.get(Version, change.new_version_id)
    if new is not None and new.technical:
        return []
    payload = change_payload(document, change, new, cfg.link_base())
    return enqueue(session, cfg, f"change:{change.id}", payload,
                   document_id=document.id, change_id=change.id)
