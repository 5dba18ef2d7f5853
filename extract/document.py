"""One entry point for a stored body of either kind: PDF or HTML."""

from __future__ import annotations

from collections.abc import Sequence

from extract.html import EXTRACTOR_VERSION, extract_html
from extract.pdf import PDF_EXTRACTOR_VERSION, extract_pdf, is_pdf


def extract_document(body: bytes, *, content_type: str | None, declared: str | None = None,
                     select: Sequence[str] = (), remove: Sequence[str] = (),
                     filters: Sequence[str] = (), base_url: str | None = None) -> tuple[str, str]:
    """The text of a PDF or HTML body and the extractor version that made it.

    ``declared`` is the document's declared ``content_type`` ("pdf", "html" or None: as the
    response says, see :func:`extract.pdf.is_pdf`). Raises :class:`~extract.ExtractError`.
    """
    if is_pdf(body, content_type, declared):
        return extract_pdf(body, filters=filters), PDF_EXTRACTOR_VERSION
    html_type = "text/html" if declared == "html" else content_type
    return (extract_html(body, select=select, remove=remove, filters=filters, base_url=base_url,
                         content_type=html_type), EXTRACTOR_VERSION)
