"""Reading order and inline text of change units (changes/reading.py)."""

from __future__ import annotations

import pytest

from changes import compare
from changes.reading import around_changes, inline, pieces, reading, reading_order, with_reading
from tests.changes.conftest import version_text


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


def _h(section: str, labels: tuple[str, ...] = (), severity: str = "low", material: bool = True,
       kind: str = "modified", from_section: str = "") -> dict[str, object]:
    return {"section": section, "labels": list(labels), "severity": severity, "material": material,
            "kind": kind, "from_section": from_section}


def test_reading_groups_consecutive_units_of_a_subsection() -> None:
    """Consecutive units whose sections agree to the subsection are one unit (a unit without
    meaning between them does not separate them); a moved block stays on its own; labelled units
    open, most severe first; the others folded, counted by edit and top-level section."""
    changes = [_h("1. Intro"),                                            # 0 minor
               _h("2. Use"), _h("2. Use", ("ai_training",), "high"),      # 1, 2 one unit
               _h("2. Use > 2.1 Ads", ("opt_out",), "medium"),            # 3 another subsection
               _h("2. Use > 2.1 Ads", material=False, severity="none"),   # 4 noise
               _h("2. Use > 2.1 Ads > Choices"),                          # 5 with 3
               _h("2. Use > 2.1 Ads", kind="moved", from_section="1. Intro"),  # 6 alone
               _h("3. Share > 3.1 Others"), _h("3. Share > 3.1 Others > Pages")]  # 7, 8 minor, one unit
    r = reading(changes)
    assert [(u.section, u.parts, u.labels, u.severity) for u in r.open] == [
        ("2. Use", (1, 2), ("ai_training",), "high"),
        ("2. Use > 2.1 Ads", (3, 5), ("opt_out",), "medium")]
    assert [(u.section, u.parts) for u in r.minor] == [
        ("1. Intro", (0,)), ("2. Use > 2.1 Ads", (6,)), ("3. Share > 3.1 Others", (7, 8))]
    assert [u.parts for u in r.noise] == [(4,)]
    assert r.minor_summary() == "4 minor edits in sections 1. Intro, 2. Use, 3. Share"
    assert reading([changes[0]]).minor_summary() == "1 minor edit in section 1. Intro"


def test_september_2024_change_reads_as_a_handful_of_units() -> None:
    """LinkedIn's September 2024 privacy-policy change: a handful of open units, the AI-training
    sentence first under "2. How We Use Your Data", every other material unit folded; the JSON
    adds the grouping beside the unchanged contract."""
    result = compare(version_text("contrib/privacy-policy/2024-08-01"),
                     version_text("contrib/privacy-policy/2024-09-19"))
    d = result.to_dict()
    r = reading(d["changes"])
    assert 0 < len(r.open) <= 10
    first = r.open[0]
    assert first.section == "2. How We Use Your Data" and "ai_training" in first.labels
    assert "develop and train artificial intelligence" in d["changes"][first.first]["new"]
    parts = [i for u in r.open + r.minor for i in u.parts]
    assert sorted(parts) == [i for i, h in enumerate(d["changes"]) if h["material"]]
    assert all(not u.labels for u in r.minor) and r.minor_edits() > 10
    out = with_reading(d)
    assert {k: v for k, v in out.items() if k != "reading"} == d
    assert out["reading"]["open"][0]["changes"] == list(first.parts)
    assert out["reading"]["minor_summary"] == r.minor_summary()
