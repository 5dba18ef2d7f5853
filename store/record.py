"""Write side of the store: turn one fetch into a check row, and a version when the text changed."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, defer

from store.models import Change, Check, Document, Snapshot, Version, utcnow

#: Outcomes of a check as stored; the crawler's "fetched" and "not_modified" become the first two.
OUTCOMES = ("new_version", "unchanged", "blocked", "transient", "structural", "robots_disallowed")
FAILURES = ("blocked", "transient", "structural", "robots_disallowed")


class Fetch(Protocol):
    """What store/ needs of a fetch (crawler.items.FetchResult has these attributes)."""

    target_id: str
    url: str
    final_url: str | None
    outcome: str
    status: int | None
    headers: dict[str, str]
    body: bytes | None
    text: str | None
    extractor_version: str
    detail: str
    etag: str | None
    last_modified: str | None
    validators_sent: tuple[str | None, str | None] | None
    """The (ETag, Last-Modified) the request sent (None: not conditional). A 304 check whose
    validators are those it sent stores none: they stand in the check before (issue 13)."""
    started_at: datetime
    duration_ms: int


class DocumentSpec(Protocol):
    """What store/ needs of a declared target (crawler.targets.Target has these)."""

    id: str
    platform: str
    name: str
    url: str
    region: str | None
    language: str | None


@dataclass
class Recorded:
    """What one fetch became: the check row, and the new version with its predecessor if any."""

    check: Check
    version: Version | None = None
    previous: Version | None = None


def sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def sync_documents(session: Session, specs: list[DocumentSpec]) -> dict[str, Document]:
    """Create or update a document row per declared target; returns them by slug."""
    existing = {d.slug: d for d in session.scalars(select(Document))}
    for spec in specs:
        doc = existing.get(spec.id)
        if doc is None:
            doc = Document(slug=spec.id, platform=spec.platform, name=spec.name, url=spec.url)
            session.add(doc)
            existing[spec.id] = doc
        doc.platform, doc.name, doc.url = spec.platform, spec.name, spec.url
        doc.region, doc.language = spec.region, spec.language
    session.flush()
    return existing


def latest_version(session: Session, document_id: int) -> Version | None:
    """The document's newest version; its text is loaded when first read (an unchanged check
    compares hashes and never needs it)."""
    return session.scalars(
        select(Version).where(Version.document_id == document_id)
        .options(defer(Version.text, raiseload=False))
        .order_by(Version.fetched_at.desc(), Version.id.desc()).limit(1)
    ).first()


class Locked:
    """The documents of a batch, locked together, with each one's newest version read in one
    query (:func:`lock_documents`); :func:`record_check` then neither locks nor looks up."""

    def __init__(self, latest: dict[int, Version]) -> None:
        self.latest = latest

    def previous(self, document_id: int) -> Version | None:
        return self.latest.get(document_id)


def lock_documents(session: Session, document_ids: list[int]) -> Locked:
    """Lock and load the documents' rows (``SELECT ... FOR UPDATE``, in id order, as one
    :func:`record_check` per document in id order would) and read their newest versions as
    :func:`latest_version` does: one index probe per document, in one statement. For a batch
    of distinct documents (a document recorded twice would need the version its first check
    made)."""
    ids = sorted(document_ids)
    # the rows are loaded as they are locked: session.get() then finds each document in the session
    session.scalars(select(Document).where(Document.id.in_(ids)).order_by(Document.id).with_for_update()).all()
    newest = (select(Version.id).where(Version.document_id == Document.id)
              .order_by(Version.fetched_at.desc(), Version.id.desc()).limit(1).scalar_subquery())
    rows = session.scalars(
        select(Version).where(Version.id.in_(select(newest).where(Document.id.in_(ids))))
        .options(defer(Version.text, raiseload=False)))
    return Locked({v.document_id: v for v in rows})


def validators(session: Session) -> dict[str, tuple[str | None, str | None]]:
    """ETag and Last-Modified of each document's last successful check, for conditional requests.

    A 304 check without validators confirmed those of a check before it (see
    :func:`_validators_kept`): the last successful check that is not such a row gives them."""
    said = or_(Check.http_status.is_(None), Check.http_status != 304,
               Check.etag.is_not(None), Check.last_modified.is_not(None))
    last = (select(Check.document_id, func.max(Check.id).label("id"))
            .where(Check.outcome.in_(("new_version", "unchanged")), said)
            .group_by(Check.document_id).subquery())
    rows = session.execute(
        select(Document.slug, Check.etag, Check.last_modified)
        .join(Check, Check.document_id == Document.id)
        .join(last, last.c.id == Check.id))
    return {slug: (etag, modified) for slug, etag, modified in rows if etag or modified}


def _validators_kept(fetch: Fetch) -> dict[str, str | None]:
    """The validators a check row stores: none for a 304 that names those its request sent (an
    ETag and a date repeated on every unchanged check were 53 of its bytes, issue 13)."""
    sent = fetch.validators_sent
    if fetch.status == 304 and sent is not None and (fetch.etag, fetch.last_modified) == sent:
        return {"etag": None, "last_modified": None}
    return {"etag": fetch.etag, "last_modified": fetch.last_modified}


def make_snapshot(doc: Document, fetch: Fetch, body: bytes, body_sha256: str | None = None) -> Snapshot:
    return Snapshot(
        document_id=doc.id, fetched_at=fetch.started_at, url=fetch.final_url or fetch.url,
        status=fetch.status, headers=dict(fetch.headers), body=zlib.compress(body, 6),
        body_size=len(body), body_sha256=body_sha256 or sha256(body),
    )


def snapshot_body(snapshot: Snapshot) -> bytes:
    return zlib.decompress(snapshot.body)


def record_check(session: Session, doc: Document, fetch: Fetch, shrink_hold: float = 0.0,
                 round_key: str | None = None, summarise: bool = False,
                 locked: Locked | None = None) -> Recorded:
    """Record one fetch of ``doc``. Only a fetched text unlike the last version makes a version.

    A text that lost more than ``shrink_hold`` (a fraction; 0: never) of the last version's
    characters is held: the check is ``structural`` and no version is made, until the next
    fetch returns the same text (see :func:`_held`).

    The document's row is locked first (``SELECT ... FOR UPDATE`` where the database has row
    locks): concurrent recorders of one document take turns, so each sees the other's version.
    A second check of a document in the same ``round_key`` violates a unique constraint
    (IntegrityError at flush): a round checks each document once, whichever worker does it.

    With ``summarise``, an unchanged check that follows an unchanged check of the same version
    adds no row: the last row counts it (``repeats``, see :func:`_summarised`).

    ``locked``: the row is already locked and the newest version read (:func:`lock_documents`).
    """
    if locked is None:
        session.execute(select(Document.id).where(Document.id == doc.id).with_for_update())
    check = Check(round_key=round_key,
        document_id=doc.id, started_at=fetch.started_at, duration_ms=fetch.duration_ms,
        http_status=fetch.status, detail=fetch.detail or "", **_validators_kept(fetch),
        body_sha256=sha256(fetch.body) if fetch.body is not None else None,
        outcome=fetch.outcome,
    )
    recorded = Recorded(check=check)
    previous = None
    if fetch.outcome in ("not_modified", "fetched"):
        previous = latest_version(session, doc.id) if locked is None else locked.previous(doc.id)
    if fetch.outcome == "not_modified":
        if previous is None:  # nothing to be unchanged from: the server's 304 cannot be right
            check.outcome = "structural"
            check.detail = f"{fetch.detail or 'HTTP 304 Not Modified'}, but no version is stored yet"
        else:  # http_status 304 says it all: no detail (21 bytes of every such row, issue 13)
            check.outcome, check.version_id, check.detail = "unchanged", previous.id, ""
    elif fetch.outcome == "fetched":
        if not fetch.text or fetch.body is None:
            check.outcome, check.detail = "structural", fetch.detail or "empty text"
        else:
            recorded = _record_text(session, doc, fetch, check, shrink_hold, previous)
    elif fetch.outcome not in FAILURES:
        check.outcome, check.detail = "structural", f"unknown outcome {fetch.outcome!r}"
    kept = _summarised(session, check) if summarise and round_key is None and check.outcome == "unchanged" else None
    if kept is not None:
        recorded = Recorded(check=kept)
    else:
        session.add(check)
    if locked is None:  # a batch's checks are flushed together, by the caller
        session.flush()
    return recorded


def _summarised(session: Session, check: Check) -> Check | None:
    """The document's last check, now also standing for ``check``, when both are unchanged
    checks of the same version; None otherwise."""
    last = session.scalars(select(Check).where(Check.document_id == check.document_id)
                           .order_by(Check.id.desc()).limit(1)).first()
    if last is None or last.outcome != "unchanged" or last.version_id != check.version_id \
            or last.round_key is not None:
        return None
    last.first_started_at = last.first_started_at or last.started_at
    last.started_at, last.duration_ms, last.http_status = check.started_at, check.duration_ms, check.http_status
    last.detail = check.detail
    if check.etag is not None or check.last_modified is not None:
        last.etag, last.last_modified = check.etag, check.last_modified
    last.repeats += 1
    return last


def _record_text(session: Session, doc: Document, fetch: Fetch, check: Check,
                 shrink_hold: float, previous: Version | None) -> Recorded:
    assert fetch.text is not None and fetch.body is not None
    digest = check.text_sha256 = sha256(fetch.text)
    if previous is not None and previous.text_sha256 == digest:
        check.outcome = "unchanged"
        check.version_id = previous.id
        return Recorded(check=check)
    if previous is not None and _held(session, check, previous, fetch.text, shrink_hold):
        return Recorded(check=check)
    snap = make_snapshot(doc, fetch, fetch.body, check.body_sha256)
    session.add(snap)
    session.flush()
    version = Version(
        document_id=doc.id, snapshot_id=snap.id, previous_id=previous.id if previous else None,
        fetched_at=fetch.started_at, text=fetch.text, text_sha256=digest,
        extractor_version=fetch.extractor_version,
    )
    session.add(version)
    session.flush()
    check.outcome, check.version_id = "new_version", version.id
    return Recorded(check=check, version=version, previous=previous)


def _held(session: Session, check: Check, previous: Version, text: str, shrink_hold: float) -> bool:
    """Whether a text much shorter than the last version is held rather than made a version.

    A page cut short (a truncated response, a half-rendered page) must not become a version and
    alert as if the policy lost half its text. Such a text is recorded ``structural`` with the
    numbers; when the next check of the document returns the very same text, it is confirmed
    and becomes a version as usual.
    """
    old, new = len(previous.text), len(text)
    if shrink_hold <= 0 or new >= old * (1 - shrink_hold):
        return False
    session.add(check)
    session.flush()  # gives this check its id: the check before it is the one to compare
    before = session.scalars(
        select(Check).where(Check.document_id == check.document_id, Check.id < check.id)
        .order_by(Check.id.desc()).limit(1)).first()
    shrank = f"text shrank from {old} to {new} characters"
    if before is not None and before.outcome == "structural" and before.text_sha256 == check.text_sha256:
        check.detail = f"{check.detail}; {shrank}, confirmed by a second fetch"
        return False
    check.outcome, check.detail = "structural", f"{shrank}; held for confirmation"
    return True


def add_technical_version(
    session: Session, doc: Document, snapshot: Snapshot, text: str, extractor_version: str
) -> Version | None:
    """A re-extracted text of a stored snapshot, marked technical so it never alerts."""
    previous = latest_version(session, doc.id)
    digest = sha256(text)
    if previous is not None and previous.text_sha256 == digest:
        return None
    version = Version(
        document_id=doc.id, snapshot_id=snapshot.id, previous_id=previous.id if previous else None,
        fetched_at=utcnow(), text=text, text_sha256=digest,
        extractor_version=extractor_version, technical=True,
    )
    session.add(version)
    session.flush()
    return version


def save_change(
    session: Session, old: Version, new: Version, classifier_version: str, result: dict[str, Any]
) -> Change:
    """Store the classification of a version pair (once per classifier version)."""
    change = session.scalars(select(Change).where(
        Change.old_version_id == old.id, Change.new_version_id == new.id,
        Change.classifier_version == classifier_version)).first()
    if change is None:
        change = Change(
            document_id=new.document_id, old_version_id=old.id, new_version_id=new.id,
            classifier_version=classifier_version, material=bool(result.get("material")),
            severity=str(result.get("severity", "none")), labels=list(result.get("labels", [])),
            result=result,
        )
        session.add(change)
        session.flush()
    return change
