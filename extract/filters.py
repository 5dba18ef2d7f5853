"""Named filters: special cases as data, looked up in an explicit registry.

A declaration lists filters by name (``filters = ["remove-relative-timestamps"]``).
A filter may act on the selected DOM (before conversion) and/or on the Markdown
(after conversion). Its DOM actions are data (selectors and texts), applied by the extractor
in this order: ``remove``, ``unwrap``, ``remove_text``. Register new ones with :func:`register`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from extract.errors import UnknownFilter

TextFilter = Callable[[str], str]


@dataclass(frozen=True)
class Filter:
    """A named, documented filter.

    ``remove``: CSS selectors of elements dropped from the selected content; ``unwrap``: CSS
    selectors of elements replaced by their content; ``remove_text``: an element whose whole
    text (its strings stripped and joined by spaces) is one of these, in any case, is dropped;
    ``text``: a function of the Markdown.
    """

    name: str
    help: str
    remove: tuple[str, ...] = ()
    unwrap: tuple[str, ...] = ()
    remove_text: tuple[str, ...] = ()
    text: TextFilter | None = None


FILTERS: dict[str, Filter] = {}


def register(flt: Filter) -> Filter:
    """Add ``flt`` to :data:`FILTERS` (names are unique)."""
    if flt.name in FILTERS:
        raise ValueError(f"filter {flt.name!r} already registered")
    FILTERS[flt.name] = flt
    return flt


def get_filters(names: Iterable[str]) -> list[Filter]:
    """Look filters up by name; :class:`UnknownFilter` names the first unknown one."""
    found = []
    for name in names:
        if name not in FILTERS:
            raise UnknownFilter(f"unknown filter {name!r} (known: {', '.join(sorted(FILTERS))})")
        found.append(FILTERS[name])
    return found


# --- remove-relative-timestamps -------------------------------------------------------

RELATIVE_TIME_SELECTORS = ('[data-test-selector*="relativeTime"]', "time[datetime]")
_UNITS = r"(?:second|minute|hour|day|week|month|year)s?"
_RELATIVE_LINE = re.compile(
    rf"^[ \t]*(?:_|\*)?(?:last\s+)?(?:updated|modified|edited)?:?\s*"
    rf"(?:\d+|an?|one)\s+{_UNITS}\s+ago(?:_|\*)?[ \t]*\n?",
    re.IGNORECASE | re.MULTILINE,
)


register(
    Filter(
        "remove-relative-timestamps",
        "Drop 'Last updated: 3 months ago' elements and lines (help-centre answers).",
        remove=RELATIVE_TIME_SELECTORS,
        text=lambda md: _RELATIVE_LINE.sub("", md),
    )
)

# --- remove-links ---------------------------------------------------------------------

register(Filter("remove-links", "Keep link text, drop every link target.", unwrap=("a",)))

# --- normalize-quotes -----------------------------------------------------------------

_QUOTES = {"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
           "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
           "\u2032": "'", "\u2033": '"'}
#: One pass of a compiled character class: str.translate would look up every character.
_QUOTE = re.compile(f"[{''.join(_QUOTES)}]")

register(
    Filter(
        "normalize-quotes",
        "Typographic quotes and apostrophes become ASCII (curly-quote flapping).",
        text=lambda md: _QUOTE.sub(lambda m: _QUOTES[m.group()], md),
    )
)

# --- remove-cms-placeholders ----------------------------------------------------------

CMS_PLACEHOLDERS = ("ENTER A SUMMARY", "ENTER SUMMARY", "Lorem ipsum")


register(
    Filter(
        "remove-cms-placeholders",
        "Drop elements that only hold a CMS placeholder such as 'ENTER A SUMMARY'.",
        remove_text=CMS_PLACEHOLDERS,
    )
)
