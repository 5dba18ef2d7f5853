"""Character-level and whitespace normalisation of extracted text."""

from __future__ import annotations

import re
import unicodedata

#: Invisible characters removed everywhere (zero-width, BOM, soft hyphen, bidi marks).
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u180e"

#: Space variants turned into an ordinary space (no-break, narrow, thin, figure, ...).
SPACES = "\u00a0\u202f\u2007\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008\u205f\u3000"

_TRANSLATE = {ord(c): None for c in INVISIBLE} | {ord(c): " " for c in SPACES}
_TRANSLATED = re.compile(f"[{INVISIBLE}{SPACES}]")
_INNER_SPACES = re.compile(r"(?<=\S)[ \t]{2,}")
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"[ \t]+$", re.MULTILINE)


def clean_chars(text: str) -> str:
    """NFC-normalise, drop invisible characters and unify space variants."""
    text = unicodedata.normalize("NFC", text)
    # str.translate with a mapping costs a dict look-up per character; most strings need none.
    return text.translate(_TRANSLATE) if _TRANSLATED.search(text) else text


def is_blank(text: str) -> bool:
    """True if ``text`` has nothing visible once invisible characters are removed."""
    return not clean_chars(text).strip()


def tidy_markdown(markdown: str) -> str:
    """Collapse whitespace noise in Markdown while keeping its structure.

    Line indentation (list nesting, code blocks) is kept; runs of spaces inside a line
    become one; trailing spaces and runs of blank lines go; the text ends with one
    newline.
    """
    text = clean_chars(markdown).replace("\r\n", "\n").replace("\r", "\n")
    # Each substitution runs only when the text holds what it needs to match (a plain substring
    # search, ~100x faster than the regex's scan); markdownify's output rarely needs any.
    if " \n" in text or "\t\n" in text or text.endswith((" ", "\t")):
        text = _TRAILING.sub("", text)
    if "  " in text or "\t" in text:
        text = _INNER_SPACES.sub(" ", text)
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    text = text.strip("\n")
    return text + "\n" if text else ""
