"""The channels' connections: to public addresses only, unless ``allow_private_targets``.

The check is made on the addresses a connection is opened to, after DNS resolution and for each
connection (so for every redirect hop of a webhook): a host is resolved once, every address it
resolves to must be public, and the socket connects to those very addresses (no second lookup,
no DNS-rebinding window). ``check_url`` judges what is known before sending (scheme, a host
written as an address). A request through a proxy (``http_proxy`` in the environment) connects
to the proxy, which resolves the name; the URL's host is still judged as written.
"""

from __future__ import annotations

import http.client
import smtplib
import socket
import ssl
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from config.addresses import WEB_SCHEMES, allowed, check_literal, check_resolved


def open_socket(address: tuple[str, int], timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
                source_address: Any = None) -> socket.socket:
    """``socket.create_connection`` that refuses a host with any address that is not public
    (:class:`~config.addresses.PrivateAddressError`) unless private targets are allowed."""
    if allowed():
        return socket.create_connection(address, timeout, source_address)
    host, port = address
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    check_resolved(host, [str(info[4][0]) for info in infos])
    error: OSError | None = None
    for *_, sockaddr in infos:
        try:
            return socket.create_connection((str(sockaddr[0]), port), timeout, source_address)
        except OSError as exc:
            error = exc
    raise error or OSError(f"no address for {host}")


def check_url(url: str) -> None:
    """Refuse a URL that is not http(s) (ValueError) or whose host is written as an address that
    is not public (:class:`~config.addresses.PrivateAddressError`, unless allowed)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.hostname:
        raise ValueError(f"must be an http:// or https:// URL, not {parts.scheme or 'no'} scheme")
    if not allowed():
        check_literal(parts.hostname)


class _PublicHTTP(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = open_socket  # type: ignore[assignment]


class _PublicHTTPS(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = open_socket  # type: ignore[assignment]


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(http.client.HTTPConnection if req.has_proxy() else _PublicHTTP, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> Any:
        connection = http.client.HTTPSConnection if req.has_proxy() else _PublicHTTPS
        return self.do_open(connection, req, context=self._context)  # type: ignore[attr-defined]


def opener(context: ssl.SSLContext | None = None) -> urllib.request.OpenerDirector:
    """A urllib opener for http(s) only (a redirect elsewhere fails), its connections checked."""
    director = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.UnknownHandler(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPRedirectHandler(),
                    urllib.request.HTTPErrorProcessor(), _HTTPHandler(), _HTTPSHandler(context=context)):
        director.add_handler(handler)
    return director


class PublicSMTP(smtplib.SMTP):
    """``smtplib.SMTP`` connecting through :func:`open_socket`."""

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return open_socket((host, port), timeout, self.source_address)


class PublicSMTPSSL(smtplib.SMTP_SSL, PublicSMTP):
    """``smtplib.SMTP_SSL`` connecting through :func:`open_socket` (then wrapped in TLS)."""
