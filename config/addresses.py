"""Which network addresses PolicyWatch may connect to: public ones, unless allowed.

Fetching a declared document or delivering an alert to an address that is not public -- loopback,
private networks (10/8, 172.16/12, 192.168/16), link-local (169.254/16: the cloud metadata service
169.254.169.254), unique-local IPv6 (fc00::/7), shared, reserved or multicast ranges -- is refused
unless the ``allow_private_targets`` setting is on. The crawler (``crawler.middlewares``) and the
alert channels (``alerts.channels.connect``) apply this policy where they connect.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

import config

HINT = "set allow_private_targets = true (POLICYWATCH_ALLOW_PRIVATE_TARGETS=1) to allow it"
WEB_SCHEMES = ("http", "https")


class PrivateAddressError(ValueError):
    """A host is, or resolves to, an address that is not public and private targets are not
    allowed. Raised by :func:`check_literal` and :func:`check_resolved`; the crawler reports it
    as a ``structural`` fetch, the alert channels as a failed delivery that retrying cannot fix."""


def allowed() -> bool:
    """Whether private targets are allowed (the ``allow_private_targets`` setting)."""
    return bool(config.get("allow_private_targets"))


def is_public(address: str) -> bool:
    """Whether an IP address (v4 or v6, an IPv4-mapped v6 judged as its v4) is globally routable."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def numeric_address(host: str) -> str | None:
    """The address a host names without any DNS lookup, in canonical form: every IPv4 spelling
    the C library accepts (``2852039166``, ``0xa9fea9fe``, ``0251.0376.0251.0376``, ``127.1``)
    or an IPv6 address (with or without brackets); None for a name."""
    try:
        info = socket.getaddrinfo(host.strip("[]"), None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return str(info[0][4][0])


def _loopback_name(host: str) -> bool:
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def check_literal(host: str) -> None:
    """Refuse a host whose address is known without DNS: ``localhost`` names and addresses in
    any notation. Names are judged by :func:`check_resolved` once resolved."""
    if _loopback_name(host):
        raise PrivateAddressError(f"{host} is a loopback name, not a public address; {HINT}")
    address = numeric_address(host)
    if address is not None and not is_public(address):
        shown = host if address == host.strip("[]") else f"{host} ({address})"
        raise PrivateAddressError(f"{shown} is not a public address; {HINT}")


def check_resolved(host: str, addresses: Iterable[str]) -> None:
    """Refuse ``host`` when any address it resolved to is not public."""
    check_literal(host)
    bad = sorted({a for a in addresses if not is_public(a)})
    if bad:
        raise PrivateAddressError(f"{host} resolves to {', '.join(bad)}, not a public address; {HINT}")
