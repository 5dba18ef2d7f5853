"""The Flask app factory: read-only pages, Atom feeds and a JSON API over a PolicyWatch store.

``create_app(store, token=None)`` wires the blueprints (views, api, feeds), the per-request
read-only session, optional token auth, security headers and error pages. Every route is GET
(HEAD and OPTIONS come with it); other methods answer 405.
"""

from __future__ import annotations

import logging
from datetime import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from store import Store
from web import auth, cache, db, editions, hosts
from web.params import KNOWN, IdConverter
from web.reading import safe_href

log = logging.getLogger(__name__)

CSP = ("default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def create_app(store: Store, *, token: str | None = None,
               fetching: Mapping[str, Mapping[str, Any]] | None = None,
               allowed_hosts: Iterable[str] | None = None,
               public_url: str | None = None) -> Flask:
    """A WSGI app serving ``store`` read-only; when ``token`` is set every request needs it.

    It answers only to the host names ``allowed_hosts`` (default: the loopback names); absolute
    links (feeds) start with ``public_url`` when given, else with the request's checked host.
    ``fetching`` maps a document slug to how it is declared to be fetched (``robots``,
    ``robots_reason``, ``region``), shown on the document's page.
    """
    from web import activity_views, api, api_page, feeds, views

    app = Flask(__name__)
    app.config.update(JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=1024)
    app.config["POLICYWATCH_FETCHING"] = dict(fetching or {})
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.converters["id"] = IdConverter  # before the blueprints' routes use it
    app.jinja_env.autoescape = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters["when"] = _when
    app.jinja_env.filters["day"] = _day
    app.jinja_env.filters["label_name"] = editions.label_name
    app.jinja_env.filters["edition"] = editions.edition
    app.jinja_env.filters["lang_tag"] = editions.lang_tag
    app.jinja_env.filters["href"] = safe_href
    app.jinja_env.globals["url_with"] = _url_with
    db.init_app(app, store)
    cache.init_app(app)
    hosts.init_app(app, allowed_hosts, public_url)  # before the token: any Host is refused
    auth.init_app(app, token)
    app.register_blueprint(views.bp)
    app.register_blueprint(activity_views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api_page.bp)
    app.register_blueprint(feeds.bp)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    return app


def _security_headers(resp: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        resp.headers.setdefault(name, value)
    return resp


def _http_error(exc: HTTPException) -> Any:
    code = exc.code or 500
    if request.path.startswith("/api/"):
        resp = jsonify(error=exc.name, detail=exc.description)
        resp.status_code = code
        return resp
    if request.path.startswith("/feeds/"):
        return Response(f"{exc.name}: {exc.description}\n", code, mimetype="text/plain")
    resp = Response(render_template("error.html", error=exc), code)
    if code == 405 and exc.get_headers():
        resp.headers.update({k: v for k, v in exc.get_headers() if k.lower() == "allow"})
    return resp


def _when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt else "–"


def _day(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d") if dt else "–"


def _url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (None removes one); of the others it
    keeps only those the pages read (``params.KNOWN``), never unknown ones or ``token``."""
    from urllib.parse import urlencode

    args = {k: v for k, v in request.args.items() if k in KNOWN and k not in changes}
    args.update({k: v for k, v in changes.items() if v not in (None, "")})
    query = urlencode(sorted(args.items()))
    return request.path + ("?" + query if query else "")
