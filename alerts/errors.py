"""Typed errors of the alerts stage, and the scrubbing that keeps secrets out of them."""

from __future__ import annotations

from collections.abc import Iterable

from config import ConfigError


class AlertConfigError(ConfigError):
    """Raised by alerts.config when the ``[alerts]`` table is invalid or a secret is missing.

    A ``ConfigError``, so the CLI reports it as a one-line message.
    """


class ChannelError(Exception):
    """Raised by a channel's ``send`` when a delivery failed; the message never holds a secret.

    ``transient`` is False when retrying cannot help (e.g. a 4xx the receiver will always
    answer, an SMTP 5xx): the dispatcher marks the row ``dead`` at once, without retrying.
    """

    def __init__(self, message: str, *, transient: bool = True) -> None:
        super().__init__(message)
        self.transient = transient


RETRYABLE_HTTP = frozenset({401, 403, 404, 408, 409, 425, 429})
"""4xx answers that a retry can cure: the channel's configuration (fixed by its operator), a
conflict, rate limiting. Other 4xx refuse the message itself and are not retried."""


def http_transient(status: int) -> bool:
    """Whether a delivery answered with HTTP ``status`` is worth retrying."""
    return status >= 500 or status in RETRYABLE_HTTP


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and its URL path, for webhook URLs) replaced by ``***``."""
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, "***")
        if "://" in secret:
            rest = secret.split("://", 1)[1]
            path = rest[rest.find("/"):] if "/" in rest else ""
            if len(path) > 1:
                text = text.replace(path, "/***")
    return text
