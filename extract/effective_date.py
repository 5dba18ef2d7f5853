"""The date a policy text gives itself ("Effective September 18, 2024", "Last revised on ...").

Pure: a text in, a :class:`StatedDate` or None out. Only the head of the text is read (a date
deep in the body, "the LMS terms effective October 1, 2020", is about something else), and
Markdown emphasis and link brackets are ignored. An "effective" statement wins over a
"last revised/updated" one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

HEAD_CHARS = 2500
MONTHS = {m: i + 1 for i, m in enumerate((
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december"))}
MONTHS |= {m[:3]: n for m, n in MONTHS.items()} | {"sept": 9}  # "Aug 21, 2026", "Nov. 3, 2025"
_MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
_DATE = (rf"(?P<date>{_MONTH}\s+{_DAY},?\s+{_YEAR}|{_DAY}\s+{_MONTH},?\s+{_YEAR}"
         r"|(?:19|20)\d\d-\d\d-\d\d)")
_PARTS = re.compile(r"\d+|[a-z]+", re.IGNORECASE)
# (kind, what leads to the date); the first kind found in this order wins
STATEMENTS = (
    ("effective", r"\beffective(?:\s+date)?(?:\s+(?:on|as\s+of|from))?\s*:?\s*"),
    ("last revised", r"\blast\s+(?:revised|updated|modified)(?:\s+on)?\s*:?\s*"),
)
_MARKUP = re.compile(r"[_*\[\]]+")


@dataclass(frozen=True)
class StatedDate:
    """A date the text states about itself: ``kind`` is "effective" or "last revised"; ``written``
    the date as the text writes it ("September 18, 2024"), ``phrase`` the whole statement."""

    kind: str
    day: date
    phrase: str
    written: str


def _parse(written: str) -> date | None:
    """A date written as "September 18, 2024", "1 March 2024", "December 13th, 2022" or ISO."""
    parts = _PARTS.findall(written)
    try:
        if "-" in written:
            return date.fromisoformat(written)
        month = next(MONTHS[p.lower()] for p in parts if p.lower() in MONTHS)
        day, year = (int(p) for p in parts if p.isdigit())
        return date(year, month, day)
    except ValueError:
        return None


def stated_date(text: str) -> StatedDate | None:
    """The effective (else last-revised) date stated in the head of ``text``, if any."""
    head = _MARKUP.sub("", text[:HEAD_CHARS])
    for kind, lead in STATEMENTS:
        for m in re.finditer(lead + _DATE, head, re.IGNORECASE):
            day = _parse(m.group("date"))
            if day is not None:
                return StatedDate(kind, day, " ".join(m.group(0).split()),
                                  " ".join(m.group("date").split()))
    return None
