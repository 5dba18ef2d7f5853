"""The diff of any two versions of a document: the stored change if any, else computed.

Pairs the pipeline classified (consecutive versions) have a stored ``Change``; any other pair is
compared on the fly with the pure ``changes.compare`` and not stored, since the web UI never
writes. (``ingest.change_between`` would store it; this is the same computation without the
write.) Versions never change once stored, so a computed result is kept in a bounded in-process
LRU (``web.cache``, one per app) keyed by the two version ids and the classifier version;
readers asking for the same pair at once wait for one computation instead of each running it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import load_only

import changes
from store.models import Document, Version
from store.query import flip
from web import queries
from web.cache import cached
from web.db import db


@dataclass
class VersionMeta:
    id: int
    fetched_at: datetime
    previous_id: int | None


@dataclass
class Diff:
    """Two versions and the diff/classification result between them."""

    document: Document
    old: VersionMeta
    new: VersionMeta
    result: dict[str, Any]
    change_id: int | None
    classifier_version: str
    stored: bool

    @property
    def consecutive(self) -> bool:
        return self.new.previous_id == self.old.id


def _meta(doc: Document, version_id: int) -> VersionMeta:
    v = db().scalars(select(Version).options(load_only(
        Version.id, Version.fetched_at, Version.previous_id, raiseload=True))
        .where(Version.document_id == doc.id, Version.id == version_id)).first()
    if v is None:
        abort(404, f"{doc.slug} has no version {version_id}")
    return VersionMeta(v.id, v.fetched_at, v.previous_id)


def _text(version_id: int) -> str:
    return str(db().scalar(select(Version.text).where(Version.id == version_id)) or "")


def load(doc: Document, old_id: int, new_id: int) -> Diff:
    """The diff between two versions of ``doc`` (404 when either is not one of its versions)."""
    if old_id == new_id:
        abort(400, "pick two different versions to compare")
    old, new = _meta(doc, old_id), _meta(doc, new_id)
    change = queries.stored_change(db(), old_id, new_id, changes.CLASSIFIER_VERSION)
    if change is not None:
        return Diff(doc, old, new, change.result, change.id, change.classifier_version, True)
    result = cached("diffs", (old_id, new_id, changes.CLASSIFIER_VERSION),
                    lambda: changes.compare(_text(old_id), _text(new_id)).to_dict())
    return Diff(doc, old, new, result, None, changes.CLASSIFIER_VERSION, False)


def restores(d: Diff) -> Version | None:
    """The earlier version whose text the diff's new version brings back (a change undone, or a
    page alternating between texts), when the two versions are consecutive; else None."""
    if not d.consecutive:
        return None
    new = db().scalars(select(Version).options(load_only(
        Version.id, Version.document_id, Version.fetched_at, Version.text_sha256, Version.technical))
        .where(Version.id == d.new.id)).first()
    found = flip(db(), new, float("inf")) if new is not None and not new.technical else None
    return found.restores if found else None
