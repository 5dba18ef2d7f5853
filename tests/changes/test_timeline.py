"""The real AI / regional / opt-out changes of the corpus timeline come out right."""

from __future__ import annotations

import pytest

from changes import compare
from tests.changes.conftest import DEVSET, load_jsonl, pair_rows, pair_texts

EXPECTATIONS = load_jsonl(DEVSET / "expectations.jsonl")


@pytest.mark.parametrize("exp", EXPECTATIONS, ids=[e["id"] for e in EXPECTATIONS])
def test_timeline_change(exp: dict) -> None:
    result = compare(*pair_texts(pair_rows()[exp["id"]]))
    assert result.material, exp["why"]
    assert set(exp.get("labels_include", [])) <= set(result.labels), (exp["why"], result.labels)
    assert not set(exp.get("labels_exclude", [])) & set(result.labels), (exp["why"], result.labels)
    if exp.get("severity"):
        assert result.severity == exp["severity"], (exp["why"], result.severity_reason)


def test_eu_notice_entities() -> None:
    """The 3 Nov 2025 EU notice names the affiliate and the regions users act on; its banner turning
    from "we are updating" to "we updated" is material but no new statement about AI training."""
    result = compare(*pair_texts(pair_rows()["pga/privacy-policy/2025-11-04"]))
    assert "Microsoft" in result.entities.get("affiliates", [])
    assert {"UK"} <= set(result.entities.get("regions", []))
    banner = [h for h in result.changes if "we updated this notice" in h.new]
    assert banner and banner[0].material and banner[0].labels == []


def test_ai_hunk_has_section_and_evidence() -> None:
    result = compare(*pair_texts(pair_rows()["contrib/privacy-policy/2024-09-19"]))
    ai = [h for h in result.changes if "ai_training" in h.labels]
    assert ai, "no hunk labelled ai_training"
    assert any("How We Use Your Data" in h.section for h in ai)
    for h in ai:
        assert h.evidence["ai_training"], h
        assert all(" — " in item for item in h.evidence["ai_training"])
