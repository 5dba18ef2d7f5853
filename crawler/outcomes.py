"""Classify a response into an outcome. Pure functions.

What counts as a block (status codes, login-wall URLs, wall/captcha markers) is data,
read from the ``POLICYWATCH_BLOCK_*`` settings, so a new platform's wall is a
settings change, not a code change. Failed downloads: :mod:`crawler.failures`.

This module runs in the CPU worker processes (``workers.pool``): it imports neither Scrapy nor
Twisted, which would cost each worker a second of start-up.
"""

from __future__ import annotations

import html as htmllib
import logging
import re
from re import _constants as sre_constants, _parser as sre_parser  # type: ignore[attr-defined]
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from bs4 import BeautifulSoup

from crawler.items import BLOCKED, FETCHED, NOT_MODIFIED, STRUCTURAL, TRANSIENT
from crawler.targets import Target
from extract import EXTRACTOR_VERSION, ExtractError, decode_html, extract_html
from extract.pdf import PDF_EXTRACTOR_VERSION, extract_pdf, is_pdf

logger = logging.getLogger(__name__)

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_OPEN = re.compile(rb"<html[\s>]", re.IGNORECASE)
_HTML_CLOSE = re.compile(rb"</html\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class BlockRules:
    """Data-driven block detection, built from settings by :meth:`from_settings`."""

    statuses: frozenset[int]
    url_patterns: tuple[re.Pattern[str], ...]
    title_patterns: tuple[re.Pattern[str], ...]
    html_patterns: tuple[re.Pattern[str], ...]
    text_markers: tuple[str, ...]
    require_html_end: bool = True
    #: Per html pattern, a lower-case string that ``text.lower()`` holds wherever the pattern
    #: matches (see :func:`gate`), or None: a page without it needs no regex scan.
    html_gates: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        if len(self.html_gates) != len(self.html_patterns):
            object.__setattr__(self, "html_gates", tuple(gate(p) for p in self.html_patterns))

    @classmethod
    def from_settings(cls, settings: Any) -> BlockRules:
        """Read ``POLICYWATCH_BLOCK_*`` from a Scrapy ``Settings`` (or a dict)."""
        get = settings.get

        def rx(name: str) -> tuple[re.Pattern[str], ...]:
            return tuple(re.compile(p, re.IGNORECASE) for p in get(name, ()) or ())

        return cls(
            statuses=frozenset(int(s) for s in get("POLICYWATCH_BLOCK_STATUSES", ()) or ()),
            url_patterns=rx("POLICYWATCH_BLOCK_URL_PATTERNS"),
            title_patterns=rx("POLICYWATCH_BLOCK_TITLE_PATTERNS"),
            html_patterns=rx("POLICYWATCH_BLOCK_HTML_PATTERNS"),
            text_markers=tuple(m.lower() for m in get("POLICYWATCH_BLOCK_TEXT_MARKERS", ()) or ()),
            require_html_end=bool(get("POLICYWATCH_REQUIRE_HTML_END", True)),
        )


@dataclass(frozen=True)
class Verdict:
    """An outcome with its human-readable reason (and the text when fetched)."""

    outcome: str
    detail: str
    text: str | None = None
    extractor: str = EXTRACTOR_VERSION


def status_text(status: int) -> str:
    """``"HTTP 403 Forbidden"``, ``"HTTP 999 (LinkedIn crawler block)"``."""
    if status == 999:
        return "HTTP 999 (LinkedIn crawler block)"
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def login_redirect(urls: Sequence[str], rules: BlockRules) -> str | None:
    """The first URL of the chain that is a login, auth or sign-up wall, if any."""
    for url in urls:
        if any(p.search(url) for p in rules.url_patterns):
            return url
    return None


#: ASCII characters that match only ASCII characters under re.IGNORECASE (i, k and s also
#: match "ı", "İ", "K" (Kelvin) and "ſ"), so that ``str.lower`` keeps them where they match.
_GATE_CHARS = frozenset(chr(c) for c in range(32, 127)) - set("iIkKsS")


def gate(pattern: re.Pattern[str]) -> str | None:
    """The longest run of literal characters (of ``_GATE_CHARS``) that every match of
    ``pattern`` contains, lower-cased, or None: a text whose ``lower()`` lacks it cannot match,
    with or without re.IGNORECASE. Only the pattern's top-level sequence is read (each of its
    literals is part of every match); anything else ends a run."""
    try:
        parsed = sre_parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # a pattern re compiled but this parser reads otherwise: no gate
        return None
    best, run = "", ""
    for op, arg in list(parsed) + [(None, None)]:
        if op is sre_constants.LITERAL and chr(arg) in _GATE_CHARS:
            run += chr(arg)
            continue
        best, run = max(best, run, key=len), ""
    return best.lower() or None


def _strong_wall(text: str, rules: BlockRules) -> str | None:
    match = _TITLE.search(text[:200_000])
    title = " ".join(htmllib.unescape(match.group(1)).split()) if match else ""
    for pattern in rules.title_patterns:
        if title and pattern.search(title):
            return f"page title {title!r} looks like a login, sign-up or captcha page"
    lowered = None  # a case-insensitive regex scans a page ~10x slower than str.lower() and `in`
    for pattern, needed in zip(rules.html_patterns, rules.html_gates):
        if needed is not None:
            lowered = text.lower() if lowered is None else lowered
            if needed not in lowered:
                continue
        if pattern.search(text):
            return f"page matches wall marker {pattern.pattern!r}"
    return None


def _weak_wall(text: str, rules: BlockRules) -> str | None:
    if not rules.text_markers:
        return None
    visible = " ".join(BeautifulSoup(text, "lxml").get_text(" ").split()).lower()
    for marker in rules.text_markers:
        if marker in visible:
            return f"sign-up wall or captcha page (marker {marker!r})"
    return None


def looks_truncated(body: bytes) -> bool:
    """An HTML document that opens ``<html>`` but never closes it was cut short."""
    return bool(_HTML_OPEN.search(body[:4096])) and not _HTML_CLOSE.search(body[-65536:])


def classify_response(
    target: Target,
    status: int,
    urls: Sequence[str],
    headers: dict[str, str],
    body: bytes,
    rules: BlockRules,
    conditional: bool = False,
) -> Verdict:
    """Decide the outcome of a response (after redirects and retries).

    ``conditional`` says whether the request sent validators (If-None-Match or
    If-Modified-Since): only then does a 304 mean the document is unchanged.
    """
    if status == 304:
        if not conditional:
            return Verdict(STRUCTURAL, "304 Not Modified to a request without validators")
        return Verdict(NOT_MODIFIED, "HTTP 304 Not Modified")
    wall = login_redirect(urls, rules)
    if wall:
        return Verdict(BLOCKED, f"redirected to a login or auth wall: {wall}")
    if status == 429:  # rate limited: slow down and come back, not a block
        retry_after = headers.get("retry-after")
        suffix = f", Retry-After: {retry_after}" if retry_after else ""
        return Verdict(TRANSIENT, f"{status_text(status)} (rate limited{suffix})")
    if status in rules.statuses:
        return Verdict(BLOCKED, status_text(status))
    if status >= 500 or status == 408:
        return Verdict(TRANSIENT, status_text(status))
    if not 200 <= status < 300:
        return Verdict(STRUCTURAL, status_text(status))
    content_type = headers.get("content-type")
    if is_pdf(body, content_type, target.content_type):
        return classify_pdf(target, status, body)
    text = decode_html(body, content_type)
    reason = _strong_wall(text, rules)
    if reason:
        return Verdict(BLOCKED, reason)
    if rules.require_html_end and looks_truncated(body):
        return Verdict(STRUCTURAL, "HTML document appears truncated (no closing </html>)")
    try:
        markdown = extract_html(text, select=target.select, remove=target.remove,
                                filters=target.filters, base_url=urls[-1] if urls else target.url,
                                content_type=content_type)
    except ExtractError as exc:
        reason = _weak_wall(text, rules)
        return Verdict(BLOCKED, reason) if reason else Verdict(STRUCTURAL, str(exc))
    except Exception as exc:  # a bug or pathological input must not stop the run
        logger.exception("extraction of %s failed", target.id)
        return Verdict(STRUCTURAL, f"extraction failed: {type(exc).__name__}: {exc}")
    if len(markdown) < target.min_length:
        reason = _weak_wall(text, rules)
        if reason:
            return Verdict(BLOCKED, reason)
        return Verdict(STRUCTURAL, f"text implausibly short ({len(markdown)} < {target.min_length} characters)")
    return Verdict(FETCHED, f"{status_text(status)}, {len(markdown)} characters", markdown)


def verdict_for_response(target: Target, status: int, urls: Sequence[str], headers: dict[str, str],
                         body: bytes, rules: BlockRules, conditional: bool = False) -> Verdict:
    """:func:`classify_response` that never raises (a bug or pathological page is ``structural``);
    module-level and pure, so the CPU worker pool can run it."""
    try:
        return classify_response(target, status, urls, headers, body, rules, conditional=conditional)
    except Exception as exc:  # never let one page stop the run
        logger.exception("classifying %s failed", target.id)
        return Verdict(STRUCTURAL, f"classification failed: {type(exc).__name__}: {exc}")


def classify_pdf(target: Target, status: int, body: bytes) -> Verdict:
    """The outcome of a PDF served with a 2xx status: its text, or why there is none."""
    try:
        markdown = extract_pdf(body, filters=target.filters)
    except ExtractError as exc:
        return Verdict(STRUCTURAL, str(exc))
    if len(markdown) < target.min_length:
        return Verdict(STRUCTURAL, f"PDF text implausibly short ({len(markdown)} < {target.min_length} characters)")
    return Verdict(FETCHED, f"{status_text(status)}, PDF, {len(markdown)} characters", markdown,
                   PDF_EXTRACTOR_VERSION)
