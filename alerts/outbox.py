"""Routing and the outbox: alert rows written in the caller's transaction (never committed here)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import config as settings
from alerts.config import SEVERITIES, AlertsConfig, ChannelConfig
from alerts.payload import change_payload
from store.models import Alert, Change, Document, Version
from store.query import flip

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
    """Alerts for a classified change; non-material, severity none and technical ones never alert.

    A change that brings back an earlier text says so (``restores``); once a document has gone
    back and forth between two texts (A -> B -> A -> B) within ``flap_window_days``, further flips
    between them do not alert: the first change and its reversal did, and a new text will.
    """
    if not change.material or change.severity not in SEVERITIES[1:]:
        return []
    new = session.get(Version, change.new_version_id)
    if new is not None and new.technical:
        return []
    flipped = flip(session, new, float(settings.get("flap_window_days"))) if new is not None else None
    if flipped is not None and flipped.alternations >= 4:
        log.warning("document=%s alternates between two texts (%d versions since %s): no alert for "
                    "version %s; a new text will alert", document.slug, flipped.alternations,
                    flipped.since.isoformat(timespec="minutes"), new.id if new else "?")
        return []
    payload = change_payload(document, change, new, cfg.link_base())
    if flipped is not None:
        payload["restores"] = {"version_id": flipped.restores.id,
                               "fetched_at": flipped.restores.fetched_at.isoformat(),
                               "link": f"{cfg.link_base()}/d/{document.slug}/v/{flipped.restores.id}"}
    return enqueue(session, cfg, f"change:{change.id}", payload,
                   document_id=document.id, change_id=change.id)
