"""Extract stage: turn a fetched HTML page or PDF (:mod:`extract.pdf`) into normalised Markdown.

Public interface: :func:`extract_html`, :class:`ExtractError`, :data:`EXTRACTOR_VERSION`,
:func:`decode_html`, and the named-filter registry :data:`FILTERS`.
"""

from extract.decode import decode_html
from extract.errors import (
    EmptyContent,
    ExtractError,
    SelectorMatchedNothing,
    UnknownFilter,
    UnsupportedContentType,
)
from extract.filters import FILTERS, Filter, register
from extract.html import EXTRACTOR_VERSION, extract_html

__all__ = [
    "EXTRACTOR_VERSION",
    "FILTERS",
    "EmptyContent",
    "ExtractError",
    "Filter",
    "SelectorMatchedNothing",
    "UnknownFilter",
    "UnsupportedContentType",
    "decode_html",
    "extract_html",
    "register",
]
