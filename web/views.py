"""HTML pages about documents: dashboard, timeline, version text and diffs.

URLs are a contract (alerts link to them; see docs/web.md): ``/d/<slug>``,
``/d/<slug>/v/<id>``, ``/d/<slug>/diff/<old>..<new>``. Slugs contain '/' and '@'.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from changes.model import CONTRACT_LABELS
from changes.reading import reading
from extract.effective_date import stated_date
from store.models import Change, Document, Version
from web import diffs, editions, overview, params, queries
from web.db import db
from web.queries import SEVERITIES
from web.reading import markdown_html
from web.render import labelled_nav, reading_view

bp = Blueprint("views", __name__)

TIMELINE_PER_PAGE = 50


@bp.get("/")
def dashboard() -> str:
    """What changed about each contract label, and when, across documents; then every document
    led by its latest notable change, with its last check and open incidents."""
    rows = queries.dashboard(db())
    summaries = overview.summaries(db(), {r.document.id: r.latest_material for r in rows})
    return render_template("dashboard.html", rows=rows, summaries=summaries,
                           latest=overview.latest_per_label(summaries), labels=CONTRACT_LABELS,
                           docs={r.document.id: r.document for r in rows},
                           shared=editions.shared_names(r.document for r in rows),
                           grid=overview.label_grid(db()))


@bp.get("/d/<path:slug>")
def timeline(slug: str) -> str | Response:
    """A document's versions, newest first, filterable and paginated; ``?at=`` jumps to a date."""
    doc = params.document(slug)
    at = params.date(request.args.get("at"), end_of_day=True)
    if at is not None:
        found = queries.version_at(db(), doc, at)
        if found is None:
            abort(404, f"{doc.slug} has no version on or before {request.args['at']}")
        return redirect(url_for("views.version", slug=doc.slug, version_id=found), code=303)
    f = params.filters()
    page_no, per_page = params.page_args(TIMELINE_PER_PAGE)
    page = queries.timeline(db(), doc, f, page_no, per_page)
    return render_template("timeline.html", doc=doc, page=page, filters=f,
                           grid=overview.label_grid(db(), doc.id),
                           labels=CONTRACT_LABELS, severities=SEVERITIES,
                           fetching=current_app.config["POLICYWATCH_FETCHING"].get(doc.slug))


@bp.get("/d/<path:slug>/v/<id:version_id>")
def version(slug: str, version_id: int) -> str:
    """A version as it was: rendered for reading (``?view=source``: the Markdown as recorded),
    with when and where it was fetched and the effective date the text states."""
    doc, v = _version(slug, version_id)
    view = request.args.get("view", "read")
    if view not in ("read", "source"):
        abort(400, "view is read or source")
    older, newer = queries.neighbours(db(), v)
    return render_template("version.html", doc=doc, v=v, older=older, newer=newer, view=view,
                           html=markdown_html(v.text) if view == "read" else None,
                           stated=stated_date(v.text),
                           snapshot=queries.snapshot(db(), v.snapshot_id))


@bp.get("/d/<path:slug>/v/<id:version_id>.md")
def version_markdown(slug: str, version_id: int) -> Response:
    """The version's text as recorded, downloaded as a Markdown file."""
    doc, v = _version(slug, version_id)
    name = re.sub(r"[^\w.-]+", "-", f"{doc.slug}-{v.fetched_at:%Y-%m-%d}-v{v.id}") + ".md"
    return Response(v.text, mimetype="text/markdown",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _version(slug: str, version_id: int) -> tuple[Document, Version]:
    doc = params.document(slug)
    v = queries.version(db(), doc, version_id)
    if v is None:
        abort(404, f"{doc.slug} has no version {version_id}")
    return doc, v


@bp.get("/d/<path:slug>/diff/<id:old_id>..<id:new_id>")
def diff(slug: str, old_id: int, new_id: int) -> str:
    """The diff of two versions: hunks with labels, evidence and section; side by side or inline."""
    doc = params.document(slug)
    d = diffs.load(doc, old_id, new_id)
    view = request.args.get("view", "side")
    if view not in ("side", "inline"):
        abort(400, "view is side or inline")
    show_all = request.args.get("all") in ("1", "true", "yes", "on")
    changes = d.result.get("changes", [])
    r = reading_view(reading(changes), changes, noise=show_all)
    labelled = [u for u in r.open if u.labels and u.material]
    hidden = sum(1 for h in changes if not h.get("material", True))
    return render_template("diff.html", doc=doc, d=d, units=r, view=view, show_all=show_all,
                           hidden=0 if show_all else hidden, total=len(changes), labelled=labelled,
                           nav=labelled_nav(labelled), restores=diffs.restores(d))


@bp.get("/d/<path:slug>/compare")
def compare(slug: str) -> Response:
    """The timeline's "compare" form: redirects to the diff URL of the two chosen versions."""
    doc = params.document(slug)
    chosen = [request.args.get("old", ""), request.args.get("new", "")]
    if not all(params.DIGITS.fullmatch(v) for v in chosen):
        abort(400, "choose two versions: old and new")
    a, b = (params.ident(v) for v in chosen)
    if a is None or b is None:
        abort(404, f"{doc.slug} has no such version")
    old, new = sorted((a, b))
    return redirect(url_for("views.diff", slug=doc.slug, old_id=old, new_id=new), code=303)


@bp.get("/changes/<id:change_id>")
def change(change_id: int) -> Response:
    """Permalink of a stored change: redirects to its diff page."""
    c = db().get(Change, change_id)
    doc = db().get(Document, c.document_id) if c is not None else None
    if c is None or doc is None:
        abort(404, f"no change {change_id}")
    return redirect(url_for("views.diff", slug=doc.slug, old_id=c.old_version_id,
                            new_id=c.new_version_id), code=302)


@bp.get("/documents/<path:slug>")
def document(slug: str) -> Response:
    """Alias of the timeline URL, for links written as /documents/<slug>."""
    return redirect(url_for("views.timeline", slug=params.document(slug).slug), code=302)
