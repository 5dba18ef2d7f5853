"""Query-string parsing shared by pages, API and feeds: pages, filters, dates, documents."""

from __future__ import annotations

import re
from datetime import datetime, time, timezone

from flask import abort, request
from werkzeug.routing import IntegerConverter, Map

from store import query
from store.models import Document
from web.db import db
from web.queries import SEVERITIES, Filters

LABEL = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
DIGITS = re.compile(r"[0-9]+")
MAX_PER_PAGE = 200
# the query parameters the pages read; links built from the current URL keep only these
KNOWN = ("label", "severity", "since", "until", "material", "page", "per_page", "channel",
         "status", "q", "doc", "view", "all")
MAX_PAGE = 1_000_000
MAX_ID = 2**63 - 1  # the largest id a database integer holds


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route: a database id (1..2**63-1); a larger number matches no route,
    so it is 404 rather than an integer the database cannot hold."""

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=MAX_ID)


def ident(digits: str) -> int | None:
    """The database id written in ``digits`` (ASCII digits, see ``DIGITS``), or None when no id
    can be that large (or 0)."""
    number = int(digits) if len(digits) <= 19 else 0
    return number if 1 <= number <= MAX_ID else None


def page_args(default_per_page: int = 50) -> tuple[int, int]:
    """``page`` (1..1,000,000) and ``per_page`` (1..200) from the query string; 400 when
    malformed or out of range."""
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", default_per_page))
    except ValueError:
        abort(400, "page and per_page must be integers")
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
        abort(400, f"page must be between 1 and {MAX_PAGE:,} and per_page between 1 and "
                   f"{MAX_PER_PAGE}")
    return page, per_page


def label(value: str | None) -> str | None:
    """A label name (lower-case identifier) or None; 400 when malformed."""
    if not value:
        return None
    if not LABEL.match(value):
        abort(400, f"bad label {value!r}: expected a name like ai_training")
    return value


def date(value: str | None, *, end_of_day: bool = False) -> datetime | None:
    """An ISO date or datetime (UTC when naive); a bare date may mean the end of that day."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        abort(400, f"bad date {value!r}: expected YYYY-MM-DD or an ISO datetime")
    if len(value) == 10 and end_of_day:
        dt = datetime.combine(dt.date(), time.max)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def filters() -> Filters:
    """Filters from ``label``, ``severity`` (at least), ``since``, ``until``, ``material``."""
    severity = request.args.get("severity") or None
    if severity is not None and severity not in SEVERITIES:
        abort(400, f"bad severity {severity!r}: one of {', '.join(SEVERITIES)}")
    return Filters(label=label(request.args.get("label")), severity=severity,
                   since=date(request.args.get("since")),
                   until=date(request.args.get("until"), end_of_day=True),
                   material=request.args.get("material") in ("1", "true", "yes", "on"))


def document(slug: str) -> Document:
    """The document with this slug, or 404."""
    try:
        return query.document(db(), slug)
    except query.NotFound:
        abort(404, f"no document {slug!r}")
