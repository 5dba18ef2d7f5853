"""HTML pages across documents: changes by label, the alert log with incidents, and search."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from changes.model import CONTRACT_LABELS
from web import activity, overview, params, phrases, queries
from web.db import db

bp = Blueprint("activity", __name__)

MAX_QUERY = 200


@bp.get("/changes")
def changes() -> str:
    """Material changes across documents, newest first, filterable (e.g. only ai_training)."""
    f = params.filters()
    f.material = True
    page_no, per_page = params.page_args(50)
    return render_template("changes.html", page=queries.changes(db(), f, page_no, per_page),
                           filters=f, labels=CONTRACT_LABELS, severities=queries.SEVERITIES,
                           grid=overview.label_grid(db()))


@bp.get("/alerts")
def alerts() -> str:
    """The alert outbox with delivery status per channel, and monitoring incidents."""
    page_no, per_page = params.page_args(50)
    channel = request.args.get("channel") or None
    status = request.args.get("status") or None
    if status is not None and status not in activity.ALERT_STATUSES:
        abort(400, f"status is one of {', '.join(activity.ALERT_STATUSES)}")
    return render_template(
        "alerts.html", page=activity.alerts(db(), page_no, per_page, channel, status),
        summary=activity.delivery_summary(db()), incidents=activity.incidents(db()),
        channel=channel, status=status, statuses=activity.ALERT_STATUSES)


@bp.get("/search")
def search() -> str:
    """Per document whose text holds ``q`` (optionally only ``doc``): when the phrase first
    appeared and was last seen, linking to the changes that brought it in and took it out."""
    q = (request.args.get("q") or "").strip()
    if len(q) > MAX_QUERY:
        abort(400, f"the query is limited to {MAX_QUERY} characters")
    slug = request.args.get("doc") or None
    page_no, per_page = params.page_args(20)
    page = None
    if q:
        found = phrases.phrase_histories(db(), q, slug)
        start = (page_no - 1) * per_page
        page = queries.Page(found[start:start + per_page], page_no, per_page, len(found))
    return render_template("search.html", q=q, doc=slug, page=page)
