"""A forward proxy on loopback that connects only to public addresses: the guard of a browser fetch.

Chromium follows redirects, loads sub-resources and runs scripts by itself, with its own DNS
lookups, out of reach of :class:`~crawler.middlewares.PublicAddressMiddleware`. So a browser
fetch (with private targets not allowed and no egress proxy) gets a context whose proxy is a
:class:`GuardProxy` of its own: every connection Chromium makes -- the page, each redirect hop,
each sub-resource, fetch/XHR, WebSockets (CONNECT) -- goes through it (Playwright makes Chromium
proxy loopback too, ``<-loopback>``). The proxy resolves each host once, judges every address
with :mod:`config.addresses`, and connects to an address it judged, so a DNS answer that changes
(rebinding) cannot slip past. HTTPS goes through a CONNECT tunnel, so TLS stays Chromium's own.

A refused connection gets a 403 (Chromium sees a failed request); the proxy remembers it in
:attr:`GuardProxy.refused`, and the browser middleware turns the fetch into a
:class:`~crawler.errors.PrivateTargetRefused` (outcome ``structural``): never a new version.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from urllib.parse import urlsplit

from config.addresses import PrivateAddressError, check_literal, check_resolved, numeric_address

logger = logging.getLogger(__name__)

_HEAD_LIMIT = 64 * 1024
_HOP_HEADERS = (b"proxy-connection", b"proxy-authorization", b"connection", b"keep-alive")


class GuardProxy:
    """One browser fetch's proxy: ``url = await proxy.start()``, ... , ``await proxy.close()``."""

    def __init__(self) -> None:
        self.refused: list[tuple[str, str]] = []
        """``(url, reason)`` for each connection refused, in order."""
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        """Listen on an ephemeral loopback port; returns the proxy's URL."""
        self._server = await asyncio.start_server(self._accepted, "127.0.0.1", 0,
                                                  limit=_HEAD_LIMIT)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        """Stop listening and drop every connection still open."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.ensure_future(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target, version = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                url, first = f"https://{target}", b""
            else:
                parts = urlsplit(target)
                if parts.scheme != "http" or not parts.hostname:
                    return await _answer(writer, b"501 Not Implemented")
                host, port = parts.hostname, str(parts.port or 80)
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                url, first = target, _origin_form(head, method, path, version)
            upstream = await self._open(url, host.strip("[]"), int(port), writer)
            if upstream is None:
                return None
            up_reader, up_writer = upstream
            if method == "CONNECT":
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            else:
                up_writer.write(first)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, OSError):
            pass
        finally:
            writer.close()
        return None

    async def _open(self, url: str, host: str, port: int, writer: asyncio.StreamWriter
                    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """Connect to a judged address of ``host``; None (after answering) when refused or down."""
        try:
            addresses = await _public_addresses(host, port)
        except PrivateAddressError as exc:
            self.refused.append((url, str(exc)))
            logger.info("browser request refused: %s: %s", url, exc)
            await _answer(writer, b"403 Forbidden")
            return None
        except OSError:
            await _answer(writer, b"502 Bad Gateway")
            return None
        for address in addresses:
            with contextlib.suppress(OSError):
                return await asyncio.open_connection(address, port)
        await _answer(writer, b"502 Bad Gateway")
        return None


async def _public_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` stands for, each judged public (:class:`PrivateAddressError`)."""
    literal = numeric_address(host)
    if literal is not None:
        check_literal(host)
        return [literal]
    check_literal(host)  # localhost names
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    check_resolved(host, addresses)
    return addresses


def _origin_form(head: bytes, method: str, path: str, version: str) -> bytes:
    """The request head for the origin server: its path only, one request per connection."""
    lines = [f"{method} {path} {version}".encode("latin-1")]
    for line in head.split(b"\r\n")[1:]:
        name = line.split(b":", 1)[0].strip().lower()
        if line and name not in _HOP_HEADERS:
            lines.append(line)
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


async def _answer(writer: asyncio.StreamWriter, status: bytes) -> None:
    writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    with contextlib.suppress(OSError):
        await writer.drain()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()
