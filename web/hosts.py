"""The Host header check, and absolute links that never come from an unchecked Host header.

A page on any web site can point a name it controls at 127.0.0.1 (DNS rebinding) and have the
visitor's browser read this server as a same-origin site; that browser still sends the attacker's
name in ``Host``. So the server answers only to the host names it is configured for (400 to any
other) and absolute links (feeds) use the configured public base URL, or else the checked host.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request, url_for

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
PUBLIC_URL = "POLICYWATCH_PUBLIC_URL"


def host_name(value: str) -> str:
    """The name in a Host header or a host setting, lower case, without port, brackets or a
    final dot: ``LocalHost:8080`` -> ``localhost``, ``[::1]:8080`` -> ``::1``."""
    value = value.strip().lower()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    return value.rstrip(".")


def default_hosts(bind: str, public_url: str | None = None) -> list[str]:
    """The host names a server bound to ``bind`` answers to unless configured otherwise: the
    address itself, the loopback names, and the host of the public base URL."""
    public = urlsplit(public_url).hostname if public_url else None
    return [bind, *LOOPBACK_NAMES, *([public] if public else [])]


def init_app(app: Flask, allowed: Iterable[str] | None = None,
             public_url: str | None = None) -> None:
    """Answer 400 to a request whose Host is not one of ``allowed`` (default: the loopback
    names); build absolute links from ``public_url`` when it is given."""
    names = frozenset(host_name(h) for h in (LOOPBACK_NAMES if allowed is None else allowed))
    app.config[PUBLIC_URL] = public_url.rstrip("/") if public_url else None

    @app.before_request
    def _check_host() -> None:
        given = request.environ.get("HTTP_HOST")  # absent in HTTP/1.0: the server's own name
        if given is not None and host_name(given) not in names:
            abort(400, f"this server does not answer to the host {given!r} "
                       "(setting allowed_hosts, env POLICYWATCH_ALLOWED_HOSTS)")


def external(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint``: under the public base URL when one is configured, else
    on the (checked) host of this request."""
    public = current_app.config.get(PUBLIC_URL)
    if public:
        return str(public) + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
