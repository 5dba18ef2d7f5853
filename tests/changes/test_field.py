"""Generalisation on real wording: passages of other platforms' policy changes (fixtures/field)."""

from __future__ import annotations

import pytest

from changes import compare
from tests.changes.conftest import ROOT, load_jsonl

FIELD = ROOT / "fixtures" / "field"
CASES = load_jsonl(FIELD / "pairs.jsonl")
# Known misses, kept visible (strict: the test fails once they are fixed, so the list stays true).
KNOWN_MISSES = {
    "openai-model-sources-link": "link text 'this article' -> 'this help center article' beside AI words "
                                 "is judged a real edit; gold treats it as a link-only change",
}


def test_rows_are_well_formed() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    for c in CASES:
        assert {"id", "platform", "source", "date", "old", "new", "material", "labels", "why"} <= set(c)
        assert set(c["labels"]) <= {"ai_training", "regions", "opt_out"}
        assert c["material"] or not c["labels"], "a pair with material=false has no labels"


@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.xfail(reason=KNOWN_MISSES[c["id"]], strict=True))
    if c["id"] in KNOWN_MISSES else c
    for c in CASES], ids=[c["id"] for c in CASES])
def test_field_pair(case: dict) -> None:
    result = compare(case["old"], case["new"])
    assert result.material == case["material"], case["why"]
    assert result.labels == sorted(case["labels"]), [h.evidence for h in result.changes]
