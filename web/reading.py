"""A version's Markdown as HTML for the reading view: raw HTML never passes through.

markdown-it-py with ``html`` off: tags written in a policy text come out as text (escaped),
and its link check drops ``javascript:``, ``vbscript:``, ``file:`` and ``data:`` links.
Images are not rendered (a policy must not make the reader's browser fetch anything).
Headings move one level down so the page keeps its own single ``<h1>``; ``<br>`` that the
extractor writes inside table cells is the only tag restored, as a fixed string.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_MD.enable("table").enable("strikethrough").disable("image")
_ESCAPED_BR = "&lt;br&gt;"
ALLOWED_SCHEMES = ("http://", "https://")


def _adjust(tokens: list[Token]) -> None:
    for t in tokens:
        if t.type in ("heading_open", "heading_close"):
            t.tag = f"h{min(6, int(t.tag[1]) + 1)}"
        elif t.type == "table_open":  # scrolls sideways on a phone: keyboard users must reach it
            t.attrSet("tabindex", "0")
        for child in t.children or []:
            if child.type == "link_open":
                child.attrSet("rel", "nofollow noreferrer")


def markdown_html(text: str) -> Markup:
    """``text`` (Markdown, untrusted) rendered as safe HTML for a page whose <h1> is its own."""
    tokens = _MD.parse(text)
    _adjust(tokens)
    html = _MD.renderer.render(tokens, _MD.options, {})
    return Markup(html.replace(_ESCAPED_BR, "<br>"))


def safe_href(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL a page may link to, else None (shown as text)."""
    if url and url.strip().lower().startswith(ALLOWED_SCHEMES):
        return url.strip()
    return None
