"""Generalisation: hand-written (synthetic) snippets in other platforms' style."""

from __future__ import annotations

import pytest

from changes import compare
from tests.changes.conftest import CLASSIFY, load_jsonl

CASES = load_jsonl(CLASSIFY / "other_platforms.jsonl")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_snippet(case: dict) -> None:
    result = compare(case["old"], case["new"])
    assert result.material == case["material"]
    assert result.labels == sorted(case["labels"]), [h.evidence for h in result.changes]
    assert result.severity == case["severity"], result.severity_reason


def test_moved_paragraph_is_one_moved_hunk() -> None:
    case = next(c for c in CASES if c["id"] == "noise-moved-paragraph")
    result = compare(case["old"], case["new"])
    moved = [h for h in result.changes if h.kind == "moved"]
    assert len(moved) == 1 and not moved[0].material
    assert not [h for h in result.changes if h.kind == "removed"]
