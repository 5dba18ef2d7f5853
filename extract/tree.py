"""The fast front end of HTML extraction: lxml parses, selects and cleans; BeautifulSoup holds
only the cleaned, selected content that markdownify converts.

It gives the same Markdown as the BeautifulSoup path of :mod:`extract.html` (tests compare the
two on every recorded page), at a fraction of its cost on a large page: the page is parsed by
lxml into C structures instead of Python objects per node, selectors run as compiled XPath
instead of a Python walk per selector, and the noise (page chrome, removed elements, empty
elements) never becomes Python objects at all.

The lxml tree is never changed: a removed element is marked, and skipped when the BeautifulSoup
tree is built, so the text around it stays in separate strings exactly as when BeautifulSoup
removes it. Where the two paths could differ, :class:`Unsupported` is raised and the caller takes
the BeautifulSoup path: selectors whose match depends on siblings or on soupsieve's extensions
(pseudo-classes, ``+``, ``~``, the case-insensitive ``type`` attribute), a selected element whose
conversion reads its surroundings (list items, table parts, preformatted text), ruby text, and
processing instructions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from bs4 import Comment, NavigableString, PageElement, Tag
from cssselect import HTMLTranslator, SelectorError
from lxml import etree

from extract.filters import Filter
from extract.links import clean_href
from extract.text import clean_chars

#: Elements kept even when they hold no text.
KEEP_EMPTY = frozenset({"br", "hr", "td", "th"})
#: Elements whose text keeps its source whitespace.
VERBATIM = ("pre", "code")
#: Source line-wrapping and indentation, which is markup outside ``VERBATIM`` elements.
SOURCE_WHITESPACE = re.compile(r"[ \t\r\n\f]+")

#: BeautifulSoup's whitespace (a string of only these becomes one space or newline).
_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"
#: Where BeautifulSoup keeps whitespace-only strings as they are.
_PRESERVE = frozenset({"pre", "textarea"})
#: Selected elements converted the same whatever surrounds them.
_FREE_ROOTS = frozenset({"body", "main", "section", "article", "div", "span", "p", "header", "footer",
                         "aside", "nav", "form", "blockquote", "figure", "details", "h1", "h2", "h3",
                         "h4", "h5", "h6"})
#: Strings BeautifulSoup files under another class (left out of ``get_text``).
_RUBY = frozenset({"rt", "rp"})
_CONTEXTUAL = re.compile(r"[:+~|\\]|\[\s*type\b", re.IGNORECASE)
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
_TRANSLATOR = HTMLTranslator()


class Unsupported(Exception):
    """This page or these selectors need the BeautifulSoup path (see the module doc)."""


@functools.lru_cache(maxsize=256)
def _xpath(selector: str, within: bool) -> etree.XPath:
    """``selector`` as compiled XPath: matching the context element too (a whole page) or only
    its descendants (``within``, as ``Tag.select``)."""
    if _CONTEXTUAL.search(_QUOTED.sub('""', selector)):
        raise Unsupported(selector)
    try:
        return etree.XPath(_TRANSLATOR.css_to_xpath(selector, "descendant::" if within else "descendant-or-self::"))
    except (SelectorError, etree.XPathError) as exc:  # soupsieve says why, on the other path
        raise Unsupported(selector) from exc


def parse(text: str) -> etree._Element:
    """The page's root element, parsed as BeautifulSoup's lxml builder parses it."""
    if text[:1] == "\ufeff":
        text = text[1:]
    parser = etree.HTMLParser(recover=True)
    try:
        parser.feed(text)
        root = parser.close()
    except etree.LxmlError as exc:
        raise Unsupported("lxml cannot parse this page") from exc
    if root is None:
        raise Unsupported("no root element")
    return root


def _is_element(node: etree._Element) -> bool:
    return isinstance(node.tag, str)


class Page:
    """A parsed page and what is dropped or unwrapped, without changing the lxml tree."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.dropped: set[etree._Element] = set()
        self.unwrapped: set[etree._Element] = set()

    def gone(self, el: etree._Element) -> bool:
        """Dropped, or inside a dropped element."""
        if not self.dropped:
            return False
        return el in self.dropped or any(a in self.dropped for a in el.iterancestors())

    def select(self, selectors: Iterable[str], context: etree._Element | None = None) -> list[etree._Element]:
        """Elements matching the selectors, selector by selector, each in document order; those
        dropped left out. Matches the whole page, or ``context``'s descendants."""
        found: list[etree._Element] = []
        for selector in selectors:
            xp = _xpath(selector, context is not None)
            found.extend(el for el in xp(self.root if context is None else context) if not self.gone(el))
        return found

    def drop_tags(self, names: Iterable[str]) -> None:
        self.dropped.update(self.root.iter(*names))

    def body(self) -> etree._Element:
        body = next(self.root.iter("body"), None)
        if body is None:
            raise Unsupported("no <body>")
        return body

    def apply(self, flt: Filter, root: etree._Element) -> None:
        """``flt``'s DOM actions on the selected element ``root``."""
        self.dropped.update(self.select(flt.remove, root))
        self.unwrapped.update(self.select(flt.unwrap, root))
        if flt.remove_text:
            self._drop_texts(root, {t.upper() for t in flt.remove_text})

    def _strings(self, el: etree._Element) -> Iterable[str]:
        """``el``'s strings as BeautifulSoup holds them (comments and dropped elements apart)."""
        if el.text is not None and _is_element(el):
            yield el.text
        for child in el:
            if _is_element(child) and child not in self.dropped:
                yield from self._strings(child)
            if child.tail is not None:
                yield child.tail

    def _drop_texts(self, root: etree._Element, texts: set[str]) -> None:
        """Drop the outermost descendants of ``root`` whose whole text is one of ``texts``.

        As BeautifulSoup's ``get_text(" ", strip=True)`` of each element in document order, but
        an element is only spelled out when its non-blank characters are few enough to match."""
        longest = max(len("".join(t.split())) for t in texts)
        counts: dict[etree._Element, int] = {}

        def count(el: etree._Element) -> int:
            n = len("".join(el.text.split())) if el.text else 0
            for child in el:
                if _is_element(child) and child not in self.dropped:
                    n += count(child)
                if child.tail:
                    n += len("".join(child.tail.split()))
            counts[el] = n
            return n

        count(root)

        def visit(el: etree._Element) -> None:
            for child in el:
                if not _is_element(child) or child in self.dropped:
                    continue
                if 0 < counts[child] <= longest:
                    text = " ".join(s.strip() for s in self._strings(child) if s.strip())
                    if text.upper() in texts:
                        self.dropped.add(child)
                        continue
                visit(child)

        visit(root)

    # --- the BeautifulSoup tree of the selected content -------------------------------

    def soup(self, root: etree._Element, base_url: str | None) -> Tag:
        """The selected element ``root`` as BeautifulSoup holds it after ``extract.html``'s
        normalisation: strings cleaned (source whitespace collapsed outside ``VERBATIM``
        elements), attributes dropped but cleaned link targets, empty elements removed."""
        if root.tag not in _FREE_ROOTS or any(a.tag in VERBATIM + tuple(_PRESERVE) for a in root.iterancestors()):
            raise Unsupported(f"selected <{root.tag}>")
        attrs = {k: (v.split() if k == "class" else v) for k, v in root.attrib.items()}
        tag = _Tag(name=root.tag, attrs=attrs)
        self._fill(root, tag, False, False, base_url)
        _chain(tag)
        return tag

    @staticmethod
    def _parsed(text: str, preserve: bool) -> str:
        """A string as BeautifulSoup holds it: outside ``_PRESERVE`` elements, one of only
        whitespace becomes one space or newline."""
        if not preserve and not text.strip(_ASCII_SPACES):
            return "\n" if "\n" in text else " "
        return text

    @staticmethod
    def _clean(text: str, verbatim: bool) -> str:
        cleaned = clean_chars(text)
        return cleaned if verbatim else SOURCE_WHITESPACE.sub(" ", cleaned)

    def _string(self, text: str, verbatim: bool, preserve: bool) -> str:
        return self._clean(self._parsed(text, preserve), verbatim)

    def _fill(self, el: etree._Element, tag: Tag, verbatim: bool, preserve: bool,
              base_url: str | None) -> tuple[bool, bool]:
        """Append ``el``'s content to ``tag``; whether it holds visible text, and an ``<hr>``."""
        preserve = preserve or el.tag in _PRESERVE
        visible = hr = False
        if el.text is not None:
            s = self._string(el.text, verbatim, preserve)
            _add(tag, NavigableString(s))
            visible = bool(s.strip())
        for child in el:
            name = child.tag
            if not isinstance(name, str):
                if name is not etree.Comment:
                    raise Unsupported("processing instruction or entity")
                visible = self._comment(child.text or "", tag, verbatim, preserve) or visible
            elif name in _RUBY:
                raise Unsupported("ruby text")
            elif child in self.dropped:
                pass
            else:
                href = child.get("href") if name == "a" else None
                target = clean_href(href, base_url) if href is not None else None
                if child in self.unwrapped or (href is not None and target is None):
                    v, h = self._fill(child, tag, verbatim, preserve, base_url)
                else:
                    sub = _Tag(name=name, attrs={"href": target} if target is not None else {})
                    v, h = self._fill(child, sub, verbatim or name in VERBATIM, preserve, base_url)
                    h = h or name == "hr"
                    if v or h or name in KEEP_EMPTY:
                        _add(tag, sub)
                    else:
                        v = h = False
                visible, hr = visible or v, hr or h
            if child.tail is not None:
                s = self._string(child.tail, verbatim, preserve)
                _add(tag, NavigableString(s))
                visible = visible or bool(s.strip())
        return visible, hr

    def _comment(self, text: str, tag: Tag, verbatim: bool, preserve: bool) -> bool:
        """A comment stays a comment (never converted) unless cleaning changes it: then the
        BeautifulSoup path replaces it by a plain string of its cleaned text. Whether that
        string is visible."""
        text = self._parsed(text, preserve)
        cleaned = self._clean(text, verbatim)
        if cleaned == text:
            _add(tag, Comment(text))
            return False
        _add(tag, NavigableString(cleaned))
        return bool(cleaned.strip())


class _Tag(Tag):
    """A Tag whose ``find_parent(name)`` is a plain walk up: markdownify asks it of every
    element it converts, and BeautifulSoup builds a matcher object per call."""

    def find_parent(self, name: Any = None, attrs: Any = None, **kwargs: Any) -> Any:
        if not isinstance(name, str) or attrs or kwargs:
            return super().find_parent(name, attrs, **kwargs)
        parent = self.parent
        while parent is not None and parent.name != name:
            parent = parent.parent
        return parent


def _add(tag: Tag, node: PageElement) -> None:
    """``tag.append(node)`` for a node that is new and last: parent and sibling links only
    (``Tag.append`` also finds each node's place in the document order; :func:`_chain` sets
    that once for the whole tree)."""
    contents = tag.contents
    node.parent = tag
    node.previous_sibling = contents[-1] if contents else None
    if contents:
        contents[-1].next_sibling = node
    node.next_sibling = None
    contents.append(node)


def _chain(root: Tag) -> None:
    """Link every node of ``root`` to the next in document order (``next_element``,
    ``previous_element``), as ``Tag.append`` would have."""
    previous: PageElement | None = None
    stack: list[PageElement] = [root]
    while stack:
        node = stack.pop()
        node.previous_element = previous
        if previous is not None:
            previous.next_element = node
        previous = node
        if isinstance(node, Tag):
            stack.extend(reversed(node.contents))
    if previous is not None:
        previous.next_element = None


def outermost(elements: Sequence[etree._Element]) -> list[etree._Element]:
    """Keep selection order, drop duplicates and elements nested in another match."""
    chosen = set(elements)
    result: list[etree._Element] = []
    seen: set[etree._Element] = set()
    for el in elements:
        if el in seen or any(a in chosen for a in el.iterancestors()):
            continue
        seen.add(el)
        result.append(el)
    return result
