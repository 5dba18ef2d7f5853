"""Every pair in the corpus README's noise catalogue is not material, and noise has no labels."""

from __future__ import annotations

import pytest

from changes import compare
from tests.changes.conftest import DEVSET, load_jsonl, version_text

CASES = [(row["pattern"], a, b) for row in load_jsonl(DEVSET / "noise_catalogue.jsonl") for a, b in row["pairs"]]


@pytest.mark.parametrize("pattern,old,new", CASES, ids=[f"{a}->{b.rsplit('/', 1)[1]}" for _, a, b in CASES])
def test_catalogue_pair_not_material(pattern: str, old: str, new: str) -> None:
    result = compare(version_text(old), version_text(new))
    loud = [(h.kind, h.old[:80], h.new[:80]) for h in result.changes if h.material]
    assert not result.material, (pattern, loud[:3])
    assert result.labels == [] and result.severity == "none"


def test_noise_hunks_are_reported_not_hidden() -> None:
    """Tracking-parameter changes appear as hunks marked not material, with a reason."""
    result = compare(version_text("contrib/privacy-policy/2022-09-20"), version_text("contrib/privacy-policy/2022-11-04"))
    assert result.changes and all(not h.material and h.note for h in result.changes)


def test_bold_numbered_contents_entries_are_list_markers() -> None:
    """SHEIN (fr, 2026): contents entries lose the bold around their numbers and point at in-page
    anchors instead of stray chatgpt.com addresses: the same text (classifier 1.4)."""
    from changes.rules import load_rules
    from changes.text import norm

    noise = load_rules().noise
    old = ('[**1\\. Comment Nous Traitons Vos Données Personnelles >**](https://chatgpt.com/c/6a7e#ps-1 '
           '"https://chatgpt.com/c/6a7e#ps-1")')
    new = "[1\\. Comment Nous Traitons Vos Données Personnelles >](linkto:#ps-1)"
    assert norm(old, noise) == norm(new, noise)
    assert norm("**1\\. Données**", noise) != norm("**1\\. Cookies**", noise)
