"""Where alerts may be sent: the one place alert channels validate the addresses they contact.

Channels call :func:`check_url` for a URL they POST to (webhook, Slack webhook, Slack Web API) and
:func:`check_host` for the host of an Apprise URL of a self-hosted service. Both raise
:class:`AlertConfigError`, so a channel with a bad address is skipped with one clear line and its
alerts wait. A host written as an address that is not public is refused here unless
``allow_private_targets``; names are resolved and judged when the connection opens
(:mod:`alerts.channels.connect`), on every redirect hop.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from alerts.errors import AlertConfigError
from config.addresses import PrivateAddressError, allowed, check_literal

HTTP_SCHEMES = frozenset({"http", "https"})
SELF_HOSTED_APPRISE = frozenset({
    "json", "jsons", "form", "forms", "xml", "xmls", "mmost", "mmosts", "ntfy", "ntfys", "matrix",
    "matrixs", "gotify", "gotifys", "rocket", "rockets", "apprise", "apprises"})
"""Apprise schemes whose host part is the server contacted (others name a fixed public service)."""


def check_host(host: str, what: str) -> None:
    """Refuse a host alerts must not be sent to."""
    if not host:
        raise AlertConfigError(f"{what}: no host")
    if not allowed():
        try:
            check_literal(host)  # a host written as an address; names are judged when connecting
        except PrivateAddressError as exc:
            raise AlertConfigError(f"{what}: {exc}") from None


def check_url(url: str, what: str) -> None:
    """Refuse a URL that is not http(s) to a host allowed by :func:`check_host`."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in HTTP_SCHEMES:
        raise AlertConfigError(f"{what}: only http and https URLs are allowed, not {parts.scheme or 'none'!r}")
    check_host(parts.hostname or "", what)


def check_apprise(scheme: str, host: str | None, mode: str | None, what: str) -> None:
    """The host of an Apprise URL of a self-hosted service (ntfy's public cloud mode excepted)."""
    if scheme.lower() in SELF_HOSTED_APPRISE and mode != "cloud":
        check_host(host or "", what)
