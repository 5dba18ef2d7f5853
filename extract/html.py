"""HTML -> normalised Markdown: lxml parses, selects and cleans (:mod:`extract.tree`), markdownify
converts; BeautifulSoup (with soupsieve's selectors) does all of it where the lxml front end
cannot be sure to give the same text."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from bs4 import BeautifulSoup, Tag
from markdownify import MarkdownConverter
from soupsieve import SelectorSyntaxError

from extract.decode import decode_html
from extract.errors import EmptyContent, ExtractError, SelectorMatchedNothing, UnsupportedContentType
from extract import tree
from extract.filters import Filter, get_filters
from extract.links import clean_href
from extract.text import clean_chars, is_blank, tidy_markdown
from extract.tree import KEEP_EMPTY, SOURCE_WHITESPACE, VERBATIM

logger = logging.getLogger(__name__)

#: Bump when a change here can change the text extracted from the same HTML.
_RULES_VERSION = "2"  # 2: line breaks inside table cells kept as <br>


def _dep_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


#: Stored with every extracted text; a new value marks a re-extraction, not a change.
EXTRACTOR_VERSION = f"policywatch-extract/{_RULES_VERSION} markdownify/{_dep_version('markdownify')}"

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_SNIFFABLE_TYPES = frozenset({"application/octet-stream", "text/plain", "binary/octet-stream"})

#: Never content: dropped before ``remove`` and ``select`` are applied.
ALWAYS_REMOVE = ("script", "style", "noscript", "template", "svg", "iframe", "object",
                 "link", "meta", "img", "picture", "video", "audio", "input", "select",
                 "textarea", "canvas")

_TRAILING_BREAK = re.compile(r"\\[ \t]*(?=\n[ \t]*\n|\s*\Z)")

_CELL_BREAK = "\ue000"  # private use: a paragraph boundary inside a table cell, until the cell is built
_CELL_BREAKS = re.compile(f"\\s*{_CELL_BREAK}[\\s{_CELL_BREAK}]*")
_CELLS = frozenset({"td", "th"})


class _Converter(MarkdownConverter):
    """markdownify, but line breaks inside table cells survive as ``<br>`` (a Markdown table
    cell is one line): ``<br>`` stays ``<br>``, a paragraph boundary becomes ``<br><br>``, as
    Open Terms Archive renders them. markdownify alone turns both into spaces."""

    def convert_br(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if parent_tags & _CELLS:
            return "<br>"
        return str(super().convert_br(el, text, parent_tags))  # type: ignore[misc]  # not in the stubs

    def convert_p(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if parent_tags & _CELLS:
            return _cell_block(text)
        return str(super().convert_p(el, text, parent_tags))  # type: ignore[misc]  # not in the stubs

    def convert_div(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if parent_tags & _CELLS:
            return _cell_block(text)
        return str(super().convert_div(el, text, parent_tags))  # type: ignore[misc]

    def convert_td(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return str(super().convert_td(el, _cell_text(text), parent_tags))  # type: ignore[misc]

    def convert_th(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return str(super().convert_th(el, _cell_text(text), parent_tags))  # type: ignore[misc]


def _cell_block(text: str) -> str:
    return _CELL_BREAK + text.strip() + _CELL_BREAK


def _cell_text(text: str) -> str:
    return _CELL_BREAKS.sub("<br><br>", text.strip().strip(_CELL_BREAK + " \t\r\n"))


_CONVERTER = _Converter(
    heading_style="atx",
    bullets="-",
    strong_em_symbol="*",
    newline_style="backslash",
    table_infer_header=True,
    escape_misc=False,
    autolinks=True,
)


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:1024].lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in head


def _check_type(content_type: str | None, text: str) -> None:
    mime = _mime(content_type)
    if not mime or mime in HTML_TYPES:  # a missing Content-Type is taken as HTML
        return
    if mime in _SNIFFABLE_TYPES and _looks_like_html(text):
        return
    raise UnsupportedContentType(f"content type {mime!r} is not HTML")


def _select(soup: Tag, selectors: Sequence[str], what: str) -> list[Tag]:
    found: list[Tag] = []
    for selector in selectors:
        try:
            found.extend(soup.select(selector))
        except SelectorSyntaxError as exc:
            raise ExtractError(f"invalid {what} selector {selector!r}: {exc}") from exc
    return found


def _outermost(elements: list[Tag]) -> list[Tag]:
    """Keep selection order, drop duplicates and elements nested in another match."""
    chosen = {id(e) for e in elements}
    result: list[Tag] = []
    seen: set[int] = set()
    for el in elements:
        if id(el) in seen or any(id(p) in chosen for p in el.parents):
            continue
        seen.add(id(el))
        result.append(el)
    return result


def _verbatim_strings(root: Tag) -> set[int] | None:
    """The text nodes of ``root`` inside ``<pre>`` or ``<code>`` (by id); None when all are.

    One pass over the pre/code elements instead of a walk up the tree from every text node
    (that walk was a quarter of the extraction time on a large page)."""
    if root.name in VERBATIM or root.find_parent(VERBATIM) is not None:
        return None
    return {id(s) for el in root.find_all(VERBATIM) for s in el.find_all(string=True)}


def _normalise_tree(root: Tag, base_url: str | None) -> None:
    """Clean text nodes and links, drop attributes and empty elements, in place."""
    verbatim = _verbatim_strings(root)
    for node in root.find_all(string=True):
        cleaned = clean_chars(str(node))
        if verbatim is not None and id(node) not in verbatim:
            cleaned = SOURCE_WHITESPACE.sub(" ", cleaned)  # source line-wrapping is markup
        if cleaned != node:
            node.replace_with(cleaned)
    for el in root.find_all(True):
        href = el.get("href") if el.name == "a" else None
        el.attrs = {}
        if isinstance(href, str):
            target = clean_href(href, base_url)
            if target is None:
                el.unwrap()
            else:
                el.attrs = {"href": target}
    for el in reversed(root.find_all(True)):
        if el.name not in KEEP_EMPTY and is_blank(el.get_text()) and not el.find("hr"):
            el.decompose()


def extract_html(
    html: str | bytes,
    *,
    select: Sequence[str] = (),
    remove: Sequence[str] = (),
    base_url: str | None = None,
    content_type: str | None = None,
    filters: Sequence[str] = (),
) -> str:
    """Reduce an HTML page to normalised Markdown.

    ``remove`` selectors are dropped from the whole page, then the elements matched by
    ``select`` (all of them, in selector order; the ``<body>`` if none given) are
    cleaned and converted with markdownify. ``filters`` name entries of
    :data:`extract.filters.FILTERS`. Bytes are decoded with :func:`decode_html`.

    Raises :class:`ExtractError` (or a subclass) when the content type is not HTML,
    the selectors match nothing or the result is empty.
    """
    named = get_filters(filters)
    text = decode_html(html, content_type)
    _check_type(content_type, text)
    try:
        parts = _convert_lxml(text, select, remove, named, base_url)
    except tree.Unsupported as why:
        logger.debug("extracting with BeautifulSoup: %s", why)
        parts = _convert_soup(text, select, remove, named, base_url)
    markdown = "\n\n".join(parts)
    for flt in named:
        if flt.text is not None:
            markdown = flt.text(markdown)
    markdown = tidy_markdown(_TRAILING_BREAK.sub("", markdown))
    if not markdown.strip():
        raise EmptyContent("selected content is empty")
    return markdown


def _convert_lxml(text: str, select: Sequence[str], remove: Sequence[str], named: Sequence[Filter],
                  base_url: str | None) -> list[str]:
    """The Markdown of each selected element, by the lxml front end; raises
    :class:`tree.Unsupported` before converting anything where it could differ."""
    page = tree.Page(tree.parse(text))
    page.drop_tags(ALWAYS_REMOVE)
    page.dropped.update(page.select(remove))
    if select:
        roots = tree.outermost(page.select(select))
        if not roots:
            raise SelectorMatchedNothing(tuple(select))
    else:
        roots = [page.body()]
    for flt in named:
        for root in roots:
            page.apply(flt, root)
    soups = [page.soup(root, base_url) for root in roots]
    return [_CONVERTER.convert_soup(soup) for soup in soups]


def _convert_soup(text: str, select: Sequence[str], remove: Sequence[str], named: Sequence[Filter],
                  base_url: str | None) -> list[str]:
    """The Markdown of each selected element, by BeautifulSoup and soupsieve."""
    soup = BeautifulSoup(text, "lxml")
    for el in soup.find_all(ALWAYS_REMOVE):
        el.decompose()
    _decompose(_select(soup, remove, "remove"))
    if select:
        roots = _outermost(_select(soup, select, "select"))
        if not roots:
            raise SelectorMatchedNothing(tuple(select))
    else:
        roots = [soup.body or soup]
    for flt in named:
        for root in roots:
            _apply(flt, root)
    parts = []
    for root in roots:
        _normalise_tree(root, base_url)
        if not root.decomposed:
            parts.append(_CONVERTER.convert_soup(root))
    return parts


def _decompose(elements: Sequence[Tag]) -> None:
    for el in elements:
        if not el.decomposed:
            el.decompose()


def _apply(flt: Filter, root: Tag) -> None:
    """``flt``'s DOM actions on the selected element ``root``."""
    _decompose(_select(root, flt.remove, "filter"))
    for el in _select(root, flt.unwrap, "filter"):
        el.unwrap()
    if flt.remove_text:
        texts = {t.upper() for t in flt.remove_text}
        for el in root.find_all(True):
            if not el.decomposed and el.get_text(" ", strip=True).upper() in texts:
                el.decompose()
