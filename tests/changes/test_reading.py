"""Reading order and inline text of change units (changes/reading.py)."""

from __future__ import annotations

import pytest

from changes.reading import around_changes, inline, pieces, reading_order


@pytest.mark.parametrize(("edits", "text"), [
    ([["=", "our Services, "], ["-", "including"], ["+", "and gain insights"], ["=", " with"]],
     "our Services, [-including-] {+and gain insights+} with"),
    ([["-", "keep"], ["+", "drop"], ["=", " it"]], "[-keep-] {+drop+} it"),
    ([["=", "We "], ["-", "use "], ["+", "may use "], ["=", "data"]], "We [-use -]{+may use +}data"),
    ([["=", "data"], ["+", ","], ["=", " and"]], "data{+,+} and"),
])
def test_inline_never_glues_words(edits: list[list[str]], text: str) -> None:
    assert inline(edits) == text


def test_pieces_and_shortening() -> None:
    edits = [["=", "a " * 200], ["-", "old"], ["+", "new"], ["=", " b" * 200]]
    assert (pieces(edits, "-"), pieces(edits, "+")) == ("old", "new")
    short = around_changes(edits, keep=10)
    assert short[0][1].startswith("…") and short[-1][1].endswith("…") and len(inline(short)) < 60


def test_reading_order_most_severe_labelled_first() -> None:
    changes = [{"labels": [], "severity": "low"}, {"labels": ["regions"], "severity": "medium"},
               {"labels": ["ai_training"], "severity": "high"}, {"labels": ["opt_out"], "severity": "high"},
               {"labels": ["opt_out"], "severity": "high", "material": False}]
    assert reading_order(changes) == [2, 3, 1, 0, 4]
