"""The browser's guard proxy on its own: what it refuses, and that it relays what it allows."""

from __future__ import annotations

import asyncio

import pytest

from crawler.guardproxy import GuardProxy


async def _ask(proxy_url: str, head: str) -> bytes:
    host, port = proxy_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(head.encode())
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer


async def _through_guard(*heads: str) -> tuple[list[bytes], list[tuple[str, str]]]:
    proxy = GuardProxy()
    url = await proxy.start()
    try:
        answers = [await _ask(url, head) for head in heads]
    finally:
        await proxy.close()
    return answers, proxy.refused


@pytest.mark.parametrize(("head", "refused"), [
    ("CONNECT 169.254.169.254:443 HTTP/1.1\r\nHost: 169.254.169.254:443\r\n\r\n",
     "https://169.254.169.254:443"),
    ("CONNECT 2852039166:443 HTTP/1.1\r\n\r\n", "https://2852039166:443"),
    ("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n", "https://[::1]:8443"),
    ("GET http://localhost:9/x HTTP/1.1\r\nHost: localhost:9\r\n\r\n", "http://localhost:9/x"),
    ("GET http://10.0.0.1/ HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n", "http://10.0.0.1/"),
])
def test_connections_to_addresses_that_are_not_public_are_refused(head: str, refused: str) -> None:
    """The guard exists only while private targets are not allowed, so it always judges;
    relaying to a public address is tested in a namespace (test_private_targets.py)."""
    answers, seen = asyncio.run(_through_guard(head))
    assert answers[0].startswith(b"HTTP/1.1 403 ")
    assert [url for url, _ in seen] == [refused]
    assert "not a public address" in seen[0][1] or "loopback name" in seen[0][1]


def test_other_schemes_are_not_relayed() -> None:
    answers, seen = asyncio.run(_through_guard("GET ftp://example.org/x HTTP/1.1\r\n\r\n"))
    assert answers[0].startswith(b"HTTP/1.1 501 ") and seen == []
