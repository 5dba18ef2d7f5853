"""The diff of any two versions of a document: the stored change if any, else computed.

Pairs the pipeline classified (consecutive versions) have a stored ``Change``; any other pair is
compared on the fly with the pure ``changes.compare`` and not stored, since the web UI never
writes. (``ingest.change_between`` would store it; this is the same computation without the
write.) Versions never change once stored, so a computed result is kept in a bounded in-process
LRU (:class:`ResultCache`, one per app) keyed by the two version ids and the classifier version;
readers asking for the same pair at once wait for one computation instead of each running it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, abort, current_app
from sqlalchemy import select
from sqlalchemy.orm import load_only

import changes
from store.models import Document, Version
from web import queries
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


CACHE_SIZE = 32  # computed results kept per app (a result is tens to hundreds of KB)


class ResultCache:
    """A thread-safe LRU of at most ``size`` values that computes each missing key once."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def _get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return True, self._values[key]
            return False, None

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value of ``key``, from ``compute()`` the first time (one caller computes, the
        others asking at the same time wait for it)."""
        found, value = self._get(key)
        if found:
            return value
        with self._lock:
            flight = self._computing.setdefault(key, threading.Lock())
        with flight:
            found, value = self._get(key)
            if found:
                return value
            try:
                value = compute()
                with self._lock:
                    self._values[key] = value
                    while len(self._values) > self.size:
                        self._values.popitem(last=False)
            finally:
                with self._lock:
                    self._computing.pop(key, None)
        return value

    def __len__(self) -> int:
        return len(self._values)


def init_app(app: Flask) -> None:
    app.extensions["policywatch_diffs"] = ResultCache()


def cache() -> ResultCache:
    """This app's cache of computed diff results."""
    return current_app.extensions["policywatch_diffs"]  # type: ignore[no-any-return]


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
    result = cache().get((old_id, new_id, changes.CLASSIFIER_VERSION),
                         lambda: changes.compare(_text(old_id), _text(new_id)).to_dict())
    return Diff(doc, old, new, result, None, changes.CLASSIFIER_VERSION, False)
