"""The date a policy states about itself, from the heads of recorded texts and hostile ones."""

from __future__ import annotations

from datetime import date

import pytest

from demo.pages import recorded_versions
from extract.effective_date import stated_date

CASES = [
    ("_[Effective September 18, 2024](https://www.linkedin.com/help/x)_", ("effective", date(2024, 9, 18))),
    ("[_Effective August 11, 2020_](https://x)", ("effective", date(2020, 8, 11))),
    ("Effective date: 1 March 2024. <img src=x onerror=alert(2)>", ("effective", date(2024, 3, 1))),
    ("Effective on 2022-06-03", ("effective", date(2022, 6, 3))),
    ("Introduction Last revised on December 13th, 2022.", ("last revised", date(2022, 12, 13))),
    ("Last updated: January 5, 2021", ("last revised", date(2021, 1, 5))),
    ("Last revised on June 16, 2011 ... _Effective May 8, 2018_", ("effective", date(2018, 5, 8))),
    ("Last updated: 5 months ago", None),
    ("Effective February 30, 2024", None),                          # no such day
    ("x" * 3000 + " Effective May 8, 2018", None),                  # deep in the body: not the head
    ("Ivermectin is effective in 2020", None),
    ("", None),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_stated_date(text: str, expected: tuple[str, date] | None) -> None:
    found = stated_date(text)
    assert (found and (found.kind, found.day)) == expected or (found is None and expected is None)


@pytest.mark.parametrize("day,expected", [("2021-10-07", date(2020, 8, 11)),
                                          ("2024-09-19", date(2024, 9, 18)),
                                          ("2025-11-03", date(2025, 11, 3))])
def test_recorded_linkedin_privacy_policy(day: str, expected: date) -> None:
    text = next(r.text() for r in recorded_versions("contrib", "privacy-policy") if r.name == day)
    found = stated_date(text)
    assert found is not None and found.day == expected and found.kind == "effective"
    assert found.written == f"{expected:%B} {expected.day}, {expected.year}"   # as the text writes it
