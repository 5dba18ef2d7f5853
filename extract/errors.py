"""Errors raised by the extract stage."""

from __future__ import annotations


class ExtractError(Exception):
    """The page cannot be reduced to a document text.

    Raised by :func:`extract.extract_html` when the ``select`` selectors match
    nothing, when the selected content is empty, or when the content type is not
    HTML. The crawler turns it into the outcome ``structural``.
    """


class SelectorMatchedNothing(ExtractError):
    """None of the ``select`` selectors matched an element of the page."""

    def __init__(self, selectors: tuple[str, ...]) -> None:
        self.selectors = selectors
        quoted = ", ".join(repr(s) for s in selectors)
        noun = "selector" if len(selectors) == 1 else "selectors"
        super().__init__(f"{noun} {quoted} matched nothing")


class EmptyContent(ExtractError):
    """The selected content holds no text once noise is removed."""


class UnsupportedContentType(ExtractError):
    """The body is not HTML (e.g. a PDF or a JSON document)."""


class UnknownFilter(ExtractError):
    """A declaration names a filter that is not in :data:`extract.filters.FILTERS`."""
