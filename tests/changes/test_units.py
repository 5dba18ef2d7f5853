"""Change units: sentence alignment, headings (section paths) and moves, from cases/units.toml,
and the September 2024 LinkedIn privacy-policy change read as units."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from changes import compare
from changes.structure import parse_blocks
from extract import extract_html
from tests.changes.conftest import ROOT, pair_rows, pair_texts, version_text

CASES = tomllib.loads((Path(__file__).parent / "cases" / "units.toml").read_text("utf-8"))


def _ids(kind: str) -> list[Any]:
    return [pytest.param(c, id=c["name"]) for c in CASES[kind]]


@pytest.mark.parametrize("case", _ids("units"))
def test_sentence_units(case: dict[str, Any]) -> None:
    got = [{"kind": h.kind, "old": h.old, "new": h.new} for h in compare(case["old"], case["new"]).changes]
    assert got == case["expect"]


def test_unit_edits_rebuild_both_sides() -> None:
    case = CASES["units"][0]
    h = compare(case["old"], case["new"]).changes[0]
    assert "".join(t for op, t in h.edits if op != "+") == h.old
    assert "".join(t for op, t in h.edits if op != "-") == h.new
    assert sum(op != "=" for op, _ in h.edits) >= 4  # four edits, one unit


def test_edits_rebuild_both_sides_on_every_dev_set_pair() -> None:
    wrong = []
    for rid, row in pair_rows().items():
        for h in compare(*pair_texts(row)).changes:
            old = "".join(t for op, t in h.edits if op != "+")
            new = "".join(t for op, t in h.edits if op != "-")
            if (old, new) != (h.old, h.new) and not (h.kind == "moved" and old == new == h.new):
                wrong.append((rid, h.kind, h.section))
    assert not wrong


@pytest.mark.parametrize("case", _ids("headings"))
def test_heading_paths(case: dict[str, Any]) -> None:
    block = next(b for b in parse_blocks(case["text"]) if b.text == case["line"])
    assert block.section == case["section"]


@pytest.mark.parametrize("case", _ids("moves"))
def test_moves(case: dict[str, Any]) -> None:
    (h,) = compare(case["old"], case["new"]).changes
    assert (h.kind, h.from_section, h.section, h.material) == (
        "moved", case["from_section"], case["section"], case["material"])
    assert any(op != "=" for op, _ in h.edits) == case["edited"]


def test_extracted_linkedin_headings_in_list_items() -> None:
    """LinkedIn's page, through the extractor, writes its section headings inside list items
    ("3. ## 2. How We Use Your Data") after a table of contents."""
    html = (ROOT / "fixtures" / "html" / "key-dates" / "2024-09-19-privacy-policy.html").read_bytes()
    blocks = parse_blocks(extract_html(html))
    ai = next(b for b in blocks if "develop and train artificial intelligence" in b.text)
    assert ai.section == "2. How We Use Your Data"
    assert not any(b.section.startswith("Table of Contents >") for b in blocks)


def test_september_2024_change_reads_as_units() -> None:
    result = compare(version_text("contrib/privacy-policy/2024-08-01"),
                     version_text("contrib/privacy-policy/2024-09-19"))
    material = result.material_changes
    assert 0 < len(material) <= 45  # was 60 hunks: one per changed sentence now
    ai = [h for h in material if "develop and train artificial intelligence" in h.new]
    assert len(ai) == 1 and "ai_training" in ai[0].labels
    assert ai[0].section == "2. How We Use Your Data"
    evidence = [tuple(v) for h in material for v in h.evidence.values()]
    assert len(evidence) == len(set(evidence))  # no two units repeat the same evidence
    assert not any("Table of Contents" in h.section for h in result.changes)


def test_september_2024_change_as_the_demo_serves_it() -> None:
    """`policywatch demo` renders the recorded Markdown to HTML and extracts it again: section
    headings come out flattened into list items ("8. 2. How We Use Your Data ------")."""
    from demo.pages import render

    old, new = (extract_html(render("Privacy Policy", version_text(f"contrib/privacy-policy/{day}")))
                for day in ("2024-08-01", "2024-09-19"))
    result = compare(old, new)
    ai = [h for h in result.material_changes if "ai_training" in h.labels]
    assert ai and {h.section for h in ai} == {"2. How We Use Your Data"}
    assert not any("Table of Contents" in h.section or "Affiliates" in h.section for h in result.changes)
