"""Classify a request that produced no usable response (robots, timeouts, resets, size cap,
redirect loops) into an outcome. Pure functions; runs in the crawler process only."""

from __future__ import annotations

import re
from collections.abc import Sequence

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from twisted.internet import error as txerror

from crawler.errors import BrowserError, PrivateTargetRefused, RobotsDisallowed, RobotsUnavailable
from crawler.items import BLOCKED, ROBOTS_DISALLOWED, STRUCTURAL, TRANSIENT
from crawler.outcomes import BlockRules, Verdict, login_redirect

_CONNECTION_ERRORS = (DownloadFailedError, ResponseDataLossError, txerror.ConnectionLost,
                      txerror.ConnectionDone, txerror.ConnectError, ConnectionError)
_FAILURE_REPR = re.compile(r"<twisted\.python\.failure\.Failure ([\w.]+):[^>]*>")


def _mb(maxsize: int) -> str:
    return f" ({maxsize // (1024 * 1024)} MB)" if maxsize else ""


def _decompressed_too_large(exc: IgnoreRequest) -> bool:
    """Scrapy's HttpCompressionMiddleware ignores a response whose body unpacks past
    DOWNLOAD_MAXSIZE (a gzip bomb); it says so only in its message and the exception's cause."""
    return (type(exc.__cause__).__name__ == "_DecompressionMaxSizeExceeded"
            or "during decompression" in str(exc))


def classify_failure(exc: BaseException, urls: Sequence[str], rules: BlockRules, maxsize: int = 0) -> Verdict:
    """Decide the outcome of a request that produced no usable response."""
    if isinstance(exc, RobotsDisallowed):
        return Verdict(ROBOTS_DISALLOWED, str(exc))
    if isinstance(exc, PrivateTargetRefused):
        return Verdict(STRUCTURAL, str(exc))
    if isinstance(exc, (RobotsUnavailable, BrowserError)):
        return Verdict(TRANSIENT, str(exc))
    if isinstance(exc, IgnoreRequest) and _decompressed_too_large(exc):
        return Verdict(STRUCTURAL, f"page too large: over the download size cap{_mb(maxsize)} once "
                                   "decompressed (Content-Encoding)")
    if isinstance(exc, IgnoreRequest):
        wall = login_redirect(urls, rules)
        if wall:
            return Verdict(BLOCKED, f"redirected to a login or auth wall: {wall}")
        if "redirect" in str(exc).lower():
            return Verdict(TRANSIENT, f"redirect loop: {exc} after {len(urls) - 1} redirects")
        return Verdict(TRANSIENT, f"request ignored: {exc}")
    if isinstance(exc, DownloadCancelledError) and (not str(exc) or "max size" in str(exc)):
        # Scrapy cancels a download only for DOWNLOAD_MAXSIZE (announced or streamed).
        return Verdict(STRUCTURAL, f"page too large: over the download size cap{_mb(maxsize)}")
    if isinstance(exc, (DownloadTimeoutError, txerror.TimeoutError, TimeoutError)):
        return Verdict(TRANSIENT, f"timeout: {exc}")
    if isinstance(exc, (CannotResolveHostError, txerror.DNSLookupError)):
        said = str(exc)  # Twisted's own message already starts "DNS lookup failed: address ..."
        return Verdict(TRANSIENT, said if said.startswith("DNS lookup failed") else f"DNS lookup failed: {said}")
    if isinstance(exc, (DownloadConnectionRefusedError, txerror.ConnectionRefusedError)):
        return Verdict(TRANSIENT, f"connection refused: {exc}")
    if isinstance(exc, ResponseDataLossError):
        return Verdict(TRANSIENT, "connection closed before the whole body arrived (data loss)")
    if isinstance(exc, _CONNECTION_ERRORS):
        message = _FAILURE_REPR.sub(lambda m: m.group(1).rsplit(".", 1)[-1], str(exc))
        return Verdict(TRANSIENT, f"connection lost or reset: {message or type(exc).__name__}")
    return Verdict(TRANSIENT, f"{type(exc).__name__}: {exc}")
