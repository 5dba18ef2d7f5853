"""The JSON API: documents, versions, diffs and changes; described by ``/api/openapi.json``.

Lists are pages: ``{"items": [...], "page", "per_page", "total", "pages"}``. Dates are ISO 8601
UTC. Errors are ``{"error", "detail"}`` with the HTTP status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request, url_for
from sqlalchemy import select

from changes.reading import with_reading
from store.models import Change, Document, Version
from web import diffs, params, queries
from web.db import db
from web.openapi import openapi_document
from web.queries import ChangeRow, Page

bp = Blueprint("api", __name__, url_prefix="/api")


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _page(page: Page[Any], items: list[Any]) -> dict[str, Any]:
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total,
            "pages": page.pages}


def _document(doc: Document) -> dict[str, Any]:
    return {"slug": doc.slug, "name": doc.name, "platform": doc.platform, "url": doc.url,
            "region": doc.region, "language": doc.language,
            "links": {"self": url_for("api.document", slug=doc.slug),
                      "versions": url_for("api.versions", slug=doc.slug),
                      "html": url_for("views.timeline", slug=doc.slug)}}


def _change(row: ChangeRow, *, result: bool = False) -> dict[str, Any]:
    c = row.change
    out: dict[str, Any] = {
        "id": c.id, "document": row.slug, "old_version_id": c.old_version_id,
        "new_version_id": c.new_version_id, "fetched_at": _iso(row.fetched_at),
        "material": c.material, "severity": c.severity, "labels": list(c.labels),
        "severity_reason": c.result.get("severity_reason", ""),
        "classifier_version": c.classifier_version,
        "links": {"self": url_for("api.change", change_id=c.id),
                  "diff": url_for("api.diff", slug=row.slug, old_id=c.old_version_id,
                                  new_id=c.new_version_id),
                  "html": url_for("views.diff", slug=row.slug, old_id=c.old_version_id,
                                  new_id=c.new_version_id)}}
    if result:
        out["result"] = with_reading(c.result)
    return out


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())


@bp.get("/documents")
def documents() -> Response:
    """Every document with its version count, latest version and last check."""
    items = []
    for r in queries.dashboard(db()):
        item = _document(r.document)
        item.update(versions=r.versions, latest_version_id=r.latest_id,
                    latest_fetched_at=_iso(r.latest_at), open_incidents=r.open_incidents,
                    last_check=r.last_check and {"at": _iso(r.last_check.started_at),
                                                 "outcome": r.last_check.outcome,
                                                 "detail": r.last_check.detail},
                    latest_material_change=r.latest_material and _change(r.latest_material))
        items.append(item)
    return jsonify(items=items, total=len(items))


@bp.get("/d/<path:slug>")
def document(slug: str) -> Response:
    """One document."""
    return jsonify(_document(params.document(slug)))


@bp.get("/d/<path:slug>/versions")
def versions(slug: str) -> Response:
    """A page of a document's versions, newest first, with their change's classification."""
    doc = params.document(slug)
    page_no, per_page = params.page_args(50)
    page = queries.timeline(db(), doc, params.filters(), page_no, per_page)
    items = [{"id": r.id, "fetched_at": _iso(r.fetched_at), "previous_id": r.previous_id,
              "technical": r.technical, "chars": r.chars, "origin": r.origin,
              "change": None if r.change_id is None else {
                  "id": r.change_id, "material": r.material, "severity": r.severity,
                  "labels": r.labels},
              "links": {"self": url_for("api.version", slug=doc.slug, version_id=r.id)}}
             for r in page.items]
    return jsonify(_page(page, items))


@bp.get("/d/<path:slug>/versions/<id:version_id>")
def version(slug: str, version_id: int) -> Response:
    """One version with its text (``?text=0`` leaves the text out)."""
    doc = params.document(slug)
    v = queries.version(db(), doc, version_id)
    if v is None:
        abort(404, f"{doc.slug} has no version {version_id}")
    snap = queries.snapshot(db(), v.snapshot_id)
    out: dict[str, Any] = {
        "id": v.id, "document": doc.slug, "fetched_at": _iso(v.fetched_at),
        "previous_id": v.previous_id, "technical": v.technical, "sha256": v.text_sha256,
        "extractor_version": v.extractor_version, "chars": len(v.text),
        "origin": v.origin, "archive_url": v.archive_url,
        "source": snap and {"url": snap.url, "status": snap.status,
                            "fetched_at": _iso(snap.fetched_at), "body_size": snap.body_size,
                            "body_sha256": snap.body_sha256},
        "links": {"html": url_for("views.version", slug=doc.slug, version_id=v.id)}}
    if request.args.get("text", "1") not in ("0", "false", "no"):
        out["text"] = v.text
    return jsonify(out)


@bp.get("/d/<path:slug>/diff/<id:old_id>..<id:new_id>")
def diff(slug: str, old_id: int, new_id: int) -> Response:
    """The diff and classification of any two versions (stored if classified, else computed)."""
    d = diffs.load(params.document(slug), old_id, new_id)
    return jsonify(document=slug, old_version_id=d.old.id, new_version_id=d.new.id,
                   old_fetched_at=_iso(d.old.fetched_at), new_fetched_at=_iso(d.new.fetched_at),
                   change_id=d.change_id, stored=d.stored,
                   classifier_version=d.classifier_version, result=with_reading(d.result),
                   links={"html": url_for("views.diff", slug=slug, old_id=old_id,
                                          new_id=new_id)})


@bp.get("/changes")
def changes() -> Response:
    """Stored changes between consecutive versions, newest first, filtered."""
    page_no, per_page = params.page_args(50)
    slug = request.args.get("document")
    doc_id = params.document(slug).id if slug else None
    page = queries.changes(db(), params.filters(), page_no, per_page, doc_id)
    return jsonify(_page(page, [_change(r) for r in page.items]))


@bp.get("/changes/<id:change_id>")
def change(change_id: int) -> Response:
    """One stored change with its full result (hunks, labels, evidence)."""
    row = db().execute(select(Change, Document.slug, Document.name, Version.fetched_at)
                       .join(Document, Document.id == Change.document_id)
                       .join(Version, Version.id == Change.new_version_id)
                       .where(Change.id == change_id)).first()
    if row is None:
        abort(404, f"no change {change_id}")
    return jsonify(_change(ChangeRow(*row), result=True))
