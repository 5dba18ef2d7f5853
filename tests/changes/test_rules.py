"""Rules are data: validated on load, and a new label is a new rules entry."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources

import pytest

from changes import compare
from changes.rules import RulesError, build_rules, load_rules


def _docs() -> dict[str, dict]:
    base = resources.files("changes").joinpath("rules")
    return {n: tomllib.loads(base.joinpath(f"{n}.toml").read_text()) for n in ("labels", "entities", "severity", "noise")}


def test_packaged_rules_load() -> None:
    rules = load_rules()
    assert {lab.name for lab in rules.labels} >= {"ai_training", "regions", "opt_out"}
    assert rules.severity[-1].level == "low"


def test_unknown_key_rejected() -> None:
    docs = _docs()
    docs["labels"]["labels"]["regions"]["threshhold"] = 1
    with pytest.raises(RulesError, match="unknown key"):
        build_rules(docs["labels"], docs["entities"], docs["severity"], docs["noise"])


def test_bad_regex_rejected() -> None:
    docs = _docs()
    docs["labels"]["labels"]["opt_out"]["patterns"].append({"id": "bad", "regex": "(", "weight": 1.0})
    with pytest.raises(RulesError, match="bad regex"):
        build_rules(docs["labels"], docs["entities"], docs["severity"], docs["noise"])


def test_severity_rule_with_unknown_label_rejected() -> None:
    docs = _docs()
    docs["severity"]["rules"].insert(0, {"level": "high", "reason": "x", "labels_all": ["nope"]})
    with pytest.raises(RulesError, match="unknown label"):
        build_rules(docs["labels"], docs["entities"], docs["severity"], docs["noise"])


def test_new_label_is_a_rules_entry() -> None:
    docs = copy.deepcopy(_docs())
    docs["labels"]["labels"]["data_sharing"] = {
        "threshold": 1.0, "contract": False,
        "patterns": [{"id": "affiliates", "regex": r"\baffiliates?\b", "weight": 1.0}],
    }
    rules = build_rules(docs["labels"], docs["entities"], docs["severity"], docs["noise"])
    r = compare("We share data with vendors.", "We share data with vendors and our affiliates.", rules=rules)
    assert r.extra_labels == ["data_sharing"]
    assert r.labels == []  # the contract's top-level labels stay within the three
    assert r.changes[0].labels == ["data_sharing"]
