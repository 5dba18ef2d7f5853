"""Decode an HTML body to text with the right character set.

Order: a byte-order mark; then UTF-8 when the bytes are valid UTF-8 with non-ASCII
characters (a UTF-8 page mislabelled ``latin-1`` is far more common than Latin-1 text
that happens to be valid UTF-8); then the charset of the HTTP ``Content-Type``
header; then the ``<meta>`` declaration; then a multi-byte (CJK) encoding if charset-normalizer
detects one, else Windows-1252; then Windows-1252 with replacement. A declared charset is only used if the bytes decode
with it strictly, so a Latin-1 page labelled ``utf-8`` still decodes correctly.
Header and meta parsing are w3lib's.
"""

from __future__ import annotations

import codecs
import logging

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

logger = logging.getLogger(__name__)

_UTF8 = "utf-8"
_FALLBACK = "cp1252"
_MULTIBYTE = ("shift_jis", "euc", "gb", "big5", "iso2022", "cp932", "cp936", "cp949", "cp950",
              "hz", "johab", "utf_16", "utf_32")


def _is_multibyte(encoding: str | None) -> bool:
    """True for CJK and UTF-16/32 encodings, which detection tells apart reliably."""
    if not encoding:
        return False
    try:
        name = codecs.lookup(encoding).name.replace("-", "_")
    except LookupError:
        return False
    return name.startswith(_MULTIBYTE)


def _strict(body: bytes, encoding: str | None) -> str | None:
    """Decode ``body`` strictly with ``encoding``; ``None`` if that fails."""
    if not encoding:
        return None
    codec = resolve_encoding(encoding)
    if codec is None:
        return None
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(body: bytes) -> str | None:
    """Guess the encoding with charset-normalizer (a Scrapy/requests dependency)."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset-normalizer ships with the venv
        return None
    best = from_bytes(body[:200_000]).best()
    return best.encoding if best is not None else None


def decode_html(body: bytes | str, content_type: str | None = None) -> str:
    """Return ``body`` as text, choosing the charset as described in the module doc."""
    if isinstance(body, str):
        return body
    encoding, bom = read_bom(body)
    if encoding is not None and bom is not None:
        return body[len(bom):].decode(encoding, errors="replace")
    as_utf8 = _strict(body, _UTF8)
    if as_utf8 is not None:
        return as_utf8
    header = http_content_type_encoding(content_type) if content_type else None
    detected = _detect(body)
    # Detection is unreliable between single-byte code pages on short texts; for those,
    # Windows-1252 (what browsers use for "latin-1" and for mislabelled pages) wins.
    guesses = [detected, _FALLBACK] if _is_multibyte(detected) else [_FALLBACK, detected]
    for label in (header, html_body_declared_encoding(body[:8192]), *guesses):
        if label and (resolve_encoding(label) or "").replace("_", "-") in ("utf-8", "utf8"):
            continue  # already known not to be valid UTF-8
        text = _strict(body, label)
        if text is not None:
            logger.debug("decoded body as %s", label)
            return text
    return body.decode(_FALLBACK, errors="replace")
