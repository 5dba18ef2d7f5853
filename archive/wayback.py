"""The Wayback Machine's CDX API: which captures of a URL exist, and where each original is.

Only the listing is asked of the CDX API here; the captures themselves are fetched by the
crawler's spider (archive/backfill.py), through the ``id_`` form of their URL, which returns the
page as it was captured rather than the archive's rewritten copy.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone

log = logging.getLogger(__name__)

#: Fields asked of the CDX API, in this order.
FIELDS = ("timestamp", "original", "statuscode", "digest", "mimetype")


class ArchiveError(Exception):
    """The archive's capture listing could not be had or read. Raised by :func:`list_captures`."""


@dataclass(frozen=True)
class WaybackCapture:
    """One capture as the CDX API lists it."""

    timestamp: str
    original: str
    statuscode: str
    digest: str
    mimetype: str = ""

    @property
    def captured_at(self) -> datetime:
        return datetime.strptime(self.timestamp[:14].ljust(14, "0"), "%Y%m%d%H%M%S").replace(
            tzinfo=timezone.utc)

    @property
    def key(self) -> str:
        """Names the capture among a document's captures (the store's ``captures.key``)."""
        return f"{self.timestamp}:{self.digest}"

    def replay_url(self, base_url: str) -> str:
        """The URL of the original capture, byte for byte (``id_``: no archive banner or rewriting)."""
        return f"{base_url.rstrip('/')}/web/{self.timestamp}id_/{self.original}"


def cdx_url(base_url: str, url: str, since: date | None = None, until: date | None = None) -> str:
    """The CDX query listing the captures of ``url``: JSON, collapsed by digest, 200s only."""
    params = [("url", url), ("output", "json"), ("fl", ",".join(FIELDS)),
              ("collapse", "digest"), ("filter", "statuscode:200")]
    if since:
        params.append(("from", since.strftime("%Y%m%d")))
    if until:
        params.append(("to", until.strftime("%Y%m%d")))
    return f"{base_url.rstrip('/')}/cdx/search/cdx?{urllib.parse.urlencode(params)}"


def parse_cdx(body: bytes) -> list[WaybackCapture]:
    """Rows of a JSON CDX answer (a header row of field names, then one row per capture)."""
    if not body.strip():
        return []
    try:
        rows = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"the CDX answer is not JSON: {exc}") from exc
    if not isinstance(rows, list) or not rows:
        return []
    header = rows[0]
    if not isinstance(header, list) or not {"timestamp", "original", "statuscode", "digest"} <= set(header):
        raise ArchiveError(f"the CDX answer has no header row naming {', '.join(FIELDS)}: {header!r}")
    index = {name: header.index(name) for name in header}
    out = []
    for row in rows[1:]:
        values = {name: str(row[i]) if i < len(row) else "" for name, i in index.items()}
        out.append(WaybackCapture(**{f: values.get(f, "") for f in FIELDS}))
    return out


def usable(captures: Iterable[WaybackCapture]) -> list[WaybackCapture]:
    """Captures worth fetching, oldest first: status 200 only (no redirects, errors or revisit
    records), and of consecutive captures with the same digest only the first."""
    out: list[WaybackCapture] = []
    for capture in sorted(captures, key=lambda c: c.timestamp):
        if capture.statuscode != "200" or capture.mimetype == "warc/revisit":
            continue
        if out and out[-1].digest == capture.digest:
            continue
        out.append(capture)
    return out


def within(captures: Sequence[WaybackCapture], since: date | None,
           until: date | None) -> list[WaybackCapture]:
    """Captures from ``since`` to ``until`` inclusive (the CDX API is asked so too)."""
    return [c for c in captures
            if (since is None or c.captured_at.date() >= since)
            and (until is None or c.captured_at.date() <= until)]


def list_captures(base_url: str, url: str, since: date | None = None, until: date | None = None,
                  user_agent: str = "PolicyWatch", timeout: float = 60.0) -> list[WaybackCapture]:
    """The usable captures of ``url``, oldest first; :class:`ArchiveError` says why there are none."""
    query = cdx_url(base_url, url, since, until)
    request = urllib.request.Request(query, headers={"User-Agent": user_agent})
    log.info("listing captures: %s", query)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) URL from settings
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise ArchiveError(f"the CDX API answered HTTP {exc.code} to {query}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ArchiveError(f"cannot reach the CDX API at {query}: {exc}") from exc
    return within(usable(parse_cdx(body)), since, until)
