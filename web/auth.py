"""Optional token auth for when ``policywatch serve`` is bound beyond loopback.

A request is let in with ``Authorization: Bearer <token>`` (``Bearer`` in any case), a
``pw_token`` cookie, or a ``?token=`` query parameter (for feed readers and a first visit in a
browser). A browser that arrives with ``?token=`` gets the cookie (HttpOnly, SameSite=Strict) and
is redirected to the same URL without the token, so it does not linger in history or Referer
headers.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from werkzeug.wrappers import Response

COOKIE = "pw_token"
MIN_LENGTH = 16


class TokenError(ValueError):
    """Raised by :func:`checked` (from ``create_app``, so at ``serve``'s startup) when a token
    could not guard anything: blank, with whitespace, or shorter than 16 characters."""


def checked(token: str | None) -> str | None:
    """``token`` if it is usable, None when there is none (unset or empty); else TokenError."""
    if not token:
        return None
    if not token.strip():
        raise TokenError(f"the token is blank: use at least {MIN_LENGTH} characters, no whitespace")
    if any(c.isspace() for c in token):
        raise TokenError("the token must not contain whitespace")
    if len(token) < MIN_LENGTH:
        raise TokenError(f"the token must be at least {MIN_LENGTH} characters long")
    return token


def _bearer(header: str) -> str | None:
    """The credentials of an ``Authorization: Bearer <token>`` header (the scheme is
    case-insensitive, RFC 7235), or None."""
    scheme, _, credentials = header.strip().partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


def _matches(given: str | None, token: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given).encode(), token.encode())


def init_app(app: Flask, token: str | None) -> None:
    """Require ``token`` on every request when it is set (static files included); TokenError
    when it is not usable."""
    token = checked(token)
    if token is None:
        return

    @app.before_request
    def _require_token() -> Response | None:
        if _matches(_bearer(request.headers.get("Authorization", "")), token):
            return None
        if _matches(request.cookies.get(COOKIE), token):
            return None
        if _matches(request.args.get("token"), token):
            wants_html = request.accept_mimetypes.accept_html and not request.path.startswith(
                ("/api/", "/feeds/"))
            if not wants_html:
                return None
            rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
            target = request.path + ("?" + urlencode(rest) if rest else "")
            resp = redirect(target, code=303)
            resp.set_cookie(COOKIE, token, httponly=True, samesite="Strict",
                            secure=request.is_secure)
            return resp
        resp = jsonify(error="unauthorized",
                       detail="a token is required: Authorization: Bearer <token> or ?token=")
        resp.status_code = 401
        resp.headers["WWW-Authenticate"] = 'Bearer realm="policywatch"'
        return resp
