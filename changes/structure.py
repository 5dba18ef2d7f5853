"""Split a Markdown (or plain-text) document into blocks, each with its section path.

A block is one non-blank line with whitespace collapsed. Setext underlines and table separator rows
are layout, not blocks. The section path comes from ATX (``#``) and setext headings, also when they are
written inside list items (``3. ## 2. How We Use Your Data``, ``- ## Title``, an item underlined
with dashes, or one flattened with its underline: ``8. 2. How We Use Your Data ------``), with a list
number before the heading's own number dropped, and the item's marker dropped from a heading
underlined inside its item (``1. Introduction`` over an indented ``----`` is "Introduction"). A line that is
all bold, numbered or not (``121. **US STATE LAW PRIVACY ADDENDUM**``), is a heading one level below any
ATX or setext heading, unless it is a bold link or a date line. A lone level-1 heading
(the document's title) is left out of the paths, and so is a table of contents: it is never
the parent of the headings after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from changes.text import clean, to_display

_ATX = re.compile(r"^\s{0,12}(#{1,6})\s+(.*?)\s*#*\s*$")
_ATX_ITEM = re.compile(r"^\s{0,12}(?:[-*+]|\d{1,3}[.)])\s+(#{1,6})\s+(.*?)\s*#*\s*$")
_TOC_TITLE = re.compile(r"^(?:table of contents|contents|in this (?:policy|document|article|page))$", re.I)
_FLAT_SETEXT = re.compile(r"^\s{0,12}(?:(?:[-*+]|\d{1,3}[.)])\s+)?([^\s-].*?)\s+(-{3,}|={3,})\s*$")
_ITEM_FIRST = set("-*+0123456789")  # first characters of a list item
_LINK_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+\[[^\]\n]+\]\([^()\s]*\)\s*$")
_SETEXT = re.compile(r"^\s*(=+|-{3,})\s*$")
_LAYOUT = re.compile(r"^\s*(?:\|?\s*:?-{3,}:?\s*)+\|?\s*$|^\s*(?:[*_-]\s*){3,}$|^[\s|]*$")
_WS = re.compile(r"[ \t]+")
_LIST_NUM = re.compile(r"^\d+\.\s+(?=\d)")
_ITEM_MARK = re.compile(r"^\s{0,12}(?:[-*+]|\d{1,3}[.)])\s+")
_ROW_LABEL = re.compile(r"^\|\s*\*\*(.+?)\*\*")
# A line that is all bold, numbered or not ("121. **US STATE LAW PRIVACY ADDENDUM**", "**1.3 Information
# we receive from third parties.**"): a heading written as emphasis, below any ATX or setext level.
_BOLD_LINE = re.compile(r"^\s{0,12}(?:(?:[-*+]|\d{1,3}[.)])\s+)?\*\*(?!\*)([^*\n]{2,120}?)\*\*\s*:?\s*$")
# Not a heading: a bold link ("**[Learn how to update your settings](...)**", a summary's pointer) or a
# bold date line ("**Effective: March 13, 2024**").
_BOLD_NOT_HEADING = re.compile(r"^\s*\[[^\]]*\]\([^)]*\)\W*$|^\W*(?:effective|last (?:updated|modified|revised)|updated|date|dated|version)\b", re.I)
BOLD_LEVEL = 7
BOLD_MAX_WORDS = 12


@dataclass(frozen=True)
class Block:
    """One line of the document."""

    text: str
    section: str
    heading: bool = False


def _heading_text(raw: str) -> str:
    text = to_display(raw).replace("*", "").replace("_", " ").replace("\\", "")
    text = _WS.sub(" ", text).strip(" :")
    return _LIST_NUM.sub("", text)


def parse_blocks(text: str) -> list[Block]:
    """Blocks of a document in order, with section paths."""
    lines = clean(text).split("\n")
    heads: list[tuple[int, int, str]] = []  # (line index, level, title)
    underline = [False] * len(lines)
    for i, line in enumerate(lines):
        first = line.lstrip()[:1]
        m = _ATX.match(line) if first == "#" else None
        if m is None and first in _ITEM_FIRST and "#" in line:
            m = _ATX_ITEM.match(line)
        if m and m.group(2).strip():
            heads.append((i, len(m.group(1)), _heading_text(m.group(2))))
        elif line.endswith(("---", "===")) and (f := _flat_setext(line)) is not None:
            heads.append((i, *f))
        elif "**" in line and (bold := _bold_heading(line, lines[i + 1] if i + 1 < len(lines) else "")):
            heads.append((i, BOLD_LEVEL, bold))
        elif first in ("=", "-") and _SETEXT.match(line):
            underline[i] = True
            if i > 0 and lines[i - 1].strip() and not _LAYOUT.match(lines[i - 1]):
                title = lines[i - 1]
                if line[:1].isspace():  # underlined inside a list item: the item's marker is not the title's
                    title = _ITEM_MARK.sub("", title, count=1)
                heads.append((i - 1, 1 if "=" in line else 2, _heading_text(title)))
    level1 = [h for h in heads if h[1] == 1]
    title_line = level1[0][0] if len(level1) == 1 else -1  # a lone level-1 heading: the title
    by_line = {h[0]: h for h in heads}
    toc = _tocs(lines, heads)
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []
    section = ""  # " > ".join of the stack's titles, kept in step with the stack
    for i, line in enumerate(lines):
        head = by_line.get(i)
        if head is not None and i != title_line:
            _, level, title = head
            while stack and (stack[-1][0] >= level or stack[-1][0] < 0):
                stack.pop()
            if title:
                stack.append((-level if i in toc else level, title))  # negative: a table of contents
            section = " > ".join(t for _, t in stack)
        if "\t" in line:
            stripped = _WS.sub(" ", line).strip()
        elif "  " in line:  # the same as _WS.sub(" ", line).strip() when there is no tab
            stripped = " ".join(filter(None, line.split(" "))).strip()
        else:
            stripped = line.strip()
        if not stripped or underline[i] or (stripped[0] in "|-*_:" and _LAYOUT.match(stripped)):
            continue
        blocks.append(Block(stripped, section, head is not None))
    return blocks


def _bold_heading(line: str, next_line: str) -> str:
    """The title of an all-bold line read as a heading ("121. **US STATE LAW PRIVACY ADDENDUM**"), or
    '' (too long, a bold link or date line, or a setext heading's text underlined on the next line)."""
    b = _BOLD_LINE.match(line)
    if b is None or len(b.group(1).split()) > BOLD_MAX_WORDS or _BOLD_NOT_HEADING.match(b.group(1)) \
            or _SETEXT.match(next_line):
        return ""
    return _heading_text(b.group(1))


def _flat_setext(line: str) -> tuple[int, str] | None:
    """(level, title) of a setext heading flattened onto one line with its underline, as HTML
    rendered from Markdown list items gives it ("8. 2. How We Use Your Data ------"), or None."""
    m = _FLAT_SETEXT.match(line)
    if m is None or len(m.group(2)) < len(m.group(1)) // 2:
        return None
    return (1 if m.group(2)[0] == "=" else 2), _heading_text(m.group(1))


def _tocs(lines: list[str], heads: list[tuple[int, int, str]]) -> set[int]:
    """Lines of the headings that open a table of contents: titled so, or followed by nothing but
    list items that are links (at least two)."""
    out: set[int] = set()
    for n, (i, _, title) in enumerate(heads):
        if _TOC_TITLE.match(title):
            out.add(i)
            continue
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        body = [x for x in lines[i + 1:end] if x.strip() and not _SETEXT.match(x)]
        if len(body) >= 2 and all(_LINK_ITEM.match(x) for x in body):
            out.add(i)
    return out


def row_label(block_text: str) -> str:
    """The bold first cell of a table row (e.g. a purpose in a legal-basis table), or ''."""
    m = _ROW_LABEL.match(block_text)
    return _heading_text(m.group(1)) if m else ""
