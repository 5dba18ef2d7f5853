"""PDF -> the same normalised, Markdown-ish text as HTML pages: paragraphs separated by blank
lines, running headers, footers and page numbers dropped.

pypdf reads the text in its layout mode, which keeps the page's vertical gaps as blank lines:
those are the paragraph breaks. A line is a running header or footer when it stands among the
first or last lines of most pages (digits aside: "Page 3 of 7"), or is a bare page number there.
A paragraph cut by a page break (it ends without punctuation and the next page goes on in lower
case) is joined again, so a change that moves page breaks does not show as a change.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from io import BytesIO

from extract.errors import EmptyContent, ExtractError
from extract.filters import get_filters
from extract.text import clean_chars, tidy_markdown

logger = logging.getLogger(__name__)
logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged file logs a warning per object

#: Bump when a change here can change the text extracted from the same PDF.
_RULES_VERSION = "1"

try:
    _PYPDF = version("pypdf")
except PackageNotFoundError:  # pragma: no cover
    _PYPDF = "unknown"

#: Stored with every text extracted from a PDF (at most 50 characters).
PDF_EXTRACTOR_VERSION = f"policywatch-pdf/{_RULES_VERSION} pypdf/{_PYPDF}"

PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})
_EDGE_LINES = 2  # how many lines at the top and at the bottom of a page may be running
_PAGE_NUMBER = re.compile(r"^(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$|^[-–]\s*\d{1,4}\s*[-–]$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")
_TERMINAL = tuple(".!?:;)]\"”’")


class BrokenPdf(ExtractError):
    """The body is not a readable PDF (truncated, corrupt, or encrypted with a password)."""


def is_pdf(body: bytes, content_type: str | None, declared: str | None = None) -> bool:
    """Whether to read a response as a PDF: declared so (``content_type = "pdf"``), served as
    ``application/pdf``, or an undeclared body that starts like one."""
    if declared is not None:
        return declared == "pdf"
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return mime in PDF_TYPES or body[:1024].lstrip().startswith(b"%PDF-")


def _page_lines(body: bytes) -> list[list[str]]:
    from pypdf import PdfReader

    if b"%%EOF" not in body[-1024:]:  # pypdf would recover what precedes the cut
        raise BrokenPdf("PDF appears truncated (no %%EOF marker at its end)")
    try:
        reader = PdfReader(BytesIO(body), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise BrokenPdf("PDF is encrypted with a password")
        pages = [page.extract_text(extraction_mode="layout") for page in reader.pages]
    except BrokenPdf:
        raise
    except Exception as exc:  # pypdf raises many types on damaged files
        reason = (str(exc).strip().splitlines() or [""])[0]
        raise BrokenPdf(f"PDF cannot be read: {type(exc).__name__}: {reason}") from exc
    if not pages:
        raise BrokenPdf("PDF has no pages")
    return [[_SPACES.sub(" ", clean_chars(line)).strip() for line in text.splitlines()] for text in pages]


def _edges(lines: list[str]) -> list[int]:
    """Indexes of the first and last few non-blank lines of a page."""
    filled = [i for i, line in enumerate(lines) if line]
    return sorted(set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]))


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    def key(line: str) -> str:
        return _DIGITS.sub("#", line.lower())

    seen = Counter(k for page in pages for k in {key(page[i]) for i in _edges(page)})
    quorum = max(2, (len(pages) + 1) // 2)
    out = []
    for page in pages:
        drop = {i for i in _edges(page) if seen[key(page[i])] >= quorum or _PAGE_NUMBER.match(page[i])}
        out.append(["" if i in drop else line for i, line in enumerate(page)])
    return out


def _paragraphs(lines: Sequence[str]) -> list[str]:
    paragraphs: list[str] = []
    current = ""
    for line in [*lines, ""]:
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
        elif current.endswith("-") and current[-2:-1].isalpha():
            current += line  # a word broken at the line end ("opt-" / "out")
        else:
            current = f"{current} {line}" if current else line
    return paragraphs


def extract_pdf(body: bytes, *, filters: Sequence[str] = ()) -> str:
    """A PDF's text as paragraphs separated by blank lines, ending with one newline.

    ``filters`` name entries of :data:`extract.filters.FILTERS` (their text part applies).
    Raises :class:`BrokenPdf` for an unreadable file and :class:`EmptyContent` for a PDF
    without text (e.g. scanned images).
    """
    named = get_filters(filters)
    paragraphs: list[str] = []
    for page in _drop_running_lines(_page_lines(body)):
        found = _paragraphs(page)
        if found and paragraphs and not paragraphs[-1].endswith(_TERMINAL) and found[0][:1].islower():
            paragraphs[-1] += " " + found.pop(0)  # a paragraph cut by the page break
        paragraphs.extend(found)
    text = "\n\n".join(paragraphs)
    for flt in named:
        if flt.text is not None:
            text = flt.text(text)
    text = tidy_markdown(text)
    if not text.strip():
        raise EmptyContent("PDF has no text (scanned images?)")
    return text
