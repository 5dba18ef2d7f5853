"""The JSON contract of `policywatch classify --format json` and ChangeResult round trips."""

from __future__ import annotations

import json

from changes import CLASSIFIER_VERSION, ChangeResult, compare
from tests.changes.conftest import pair_rows, pair_texts

CONTRACT = {"ai_training", "regions", "opt_out"}
HUNK_KEYS = {"section", "kind", "old", "new", "labels", "evidence", "entities", "material"}


def _result() -> ChangeResult:
    return compare(*pair_texts(pair_rows()["pga/privacy-policy/2025-11-04"]))


def test_contract_shape() -> None:
    d = _result().to_dict()
    assert {"material", "labels", "severity", "changes"} <= set(d)
    assert isinstance(d["material"], bool)
    assert d["labels"] == sorted(d["labels"]) and set(d["labels"]) <= CONTRACT
    assert d["severity"] in {"none", "low", "medium", "high"}
    assert d["classifier_version"] == CLASSIFIER_VERSION
    for h in d["changes"]:
        assert HUNK_KEYS <= set(h)
        assert h["kind"] in {"added", "removed", "modified", "moved"}
        assert isinstance(h["section"], str) and isinstance(h["old"], str) and isinstance(h["new"], str)
        assert h["labels"] == sorted(h["labels"])
        assert set(h["evidence"]) == set(h["labels"])
        assert all(isinstance(x, str) for v in h["evidence"].values() for x in v)
        assert all(isinstance(v, list) for v in h["entities"].values())
        if not h["material"]:
            assert h["labels"] == []
    json.dumps(d)


def test_round_trip_and_determinism() -> None:
    a, b = _result(), _result()
    assert json.dumps(a.to_dict(), sort_keys=True) == json.dumps(b.to_dict(), sort_keys=True)
    again = ChangeResult.from_dict(json.loads(json.dumps(a.to_dict())))
    assert again.to_dict() == a.to_dict()


def test_identical_texts() -> None:
    r = compare("Same text.", "Same text.")
    assert r.to_dict()["changes"] == [] and not r.material and r.severity == "none"


def test_empty_inputs() -> None:
    assert not compare("", "").material
    assert compare("", "We train AI models on your posts.").labels == ["ai_training"]
