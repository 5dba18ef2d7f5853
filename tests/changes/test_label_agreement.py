"""bench/label_agreement.py: agreement and Cohen's kappa between two labellers, and labeller h's rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.changes.conftest import ROOT, load_jsonl
from tests.changes.test_labelled_set import BLIND

SCRIPT = ROOT / "bench" / "label_agreement.py"
sys.path.insert(0, str(ROOT / "bench"))

from label_agreement import kappa  # noqa: E402

LABELS = ("ai_training", "regions", "opt_out")


def _row(rid: str, material: bool, labels: list[str], **extra: object) -> dict:
    return {"id": rid, "material": material, "labels": labels, "evidence": {k: "q" for k in labels},
            "why": "w", "archive_change": False, **extra}


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _figures(out: str) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(set title, field) -> (agree, rate, kappa) from the printed tables."""
    figures, title = {}, ""
    for line in out.splitlines():
        if line.startswith("== "):
            title = line[3:].split(":")[0]
        elif line.split() and line.split()[0] in ("material", *LABELS):
            field, agree, rate, k = line.split()[:4]
            figures[(title, field)] = (agree, rate, k)
    return figures


def test_kappa_by_hand() -> None:
    # 10 pairs: both yes 4, both no 3, only a 2, only b 1. p_o = 0.7; p_a = 0.6, p_b = 0.5;
    # p_e = 0.6 * 0.5 + 0.4 * 0.5 = 0.5; kappa = (0.7 - 0.5) / 0.5 = 0.4.
    calls = [(True, True)] * 4 + [(False, False)] * 3 + [(True, False)] * 2 + [(False, True)]
    assert kappa(calls) == pytest.approx(0.4)
    assert kappa([(True, True), (False, False)]) == pytest.approx(1.0)
    assert kappa([(True, False), (False, True)]) == pytest.approx(-1.0)
    assert kappa([(False, False)] * 3) is None  # chance agreement 1: kappa undefined


def test_compare_on_synthetic_files(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    # shared: material first T T F F, second T F F F -> 3/4, p_e = 0.5*0.25 + 0.5*0.75 = 0.5, kappa 0.5;
    # opt_out first and second on s1 only -> 4/4, kappa 1; ai_training never -> n/a.
    _write(shared / "pairs.jsonl", [_row("s1", True, ["opt_out"]), _row("s2", True, ["regions"]),
                                    _row("s3", False, []), _row("s4", False, [])])
    # held out: material first T F, second F T -> 0/2, kappa -1.
    _write(tmp_path / "own.jsonl", [_row("h1", True, [], split="held_out"),
                                    _row("h2", False, [], split="held_out"),
                                    _row("t1", True, [], split="tuning")])
    second = [_row("s1", True, ["opt_out"], set="shared"), _row("s2", False, [], set="shared"),
              _row("s3", False, [], set="shared"), _row("s4", False, [], set="shared"),
              _row("h1", False, [], set="held_out"), _row("h2", True, [], set="held_out")]
    _write(tmp_path / "second.jsonl", second)
    cmd = [sys.executable, str(SCRIPT), "--compare", str(tmp_path / "second.jsonl"), "--shared", str(shared),
           "--own", str(tmp_path / "own.jsonl")]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    got = _figures(out)
    assert got[("shared set", "material")] == ("3/4", "0.750", "0.500")
    assert got[("shared set", "opt_out")] == ("4/4", "1.000", "1.000")
    assert got[("shared set", "ai_training")] == ("4/4", "1.000", "n/a")
    # regions: first yes on s2 only, second never -> 3/4, p_e = 0.75, kappa 0.
    assert got[("shared set", "regions")] == ("3/4", "0.750", "0.000")
    assert got[("own held-out set", "material")] == ("0/2", "0.000", "-1.000")
    # overall material: first T T F F T F, second T F F F F T -> 3/6; p_e = 0.5*1/3 + 0.5*2/3 = 0.5; kappa 0.
    assert got[("overall", "material")] == ("3/6", "0.500", "0.000")
    assert not any(rid in out for rid in ("s1", "s2", "h1", "h2"))  # aggregates only
    verbose = subprocess.run([*cmd, "--verbose"], capture_output=True, text=True, check=True).stdout
    assert "h1 material: True -> False" in verbose


def test_second_opinion_rows_are_valid() -> None:
    rows = load_jsonl(ROOT / "fixtures" / "labelled" / "second_opinion.jsonl")
    assert len({r["id"] for r in rows}) == len(rows) == 80
    held = {r["id"] for r in load_jsonl(ROOT / "fixtures" / "labelled" / "pairs.jsonl") if r["split"] == "held_out"}
    assert sum(r["set"] == "shared" for r in rows) == sum(r["set"] == "held_out" for r in rows) == 40
    for r in rows:
        assert set(r) == {"id", "set", "material", "labels", "evidence", "why", "archive_change", "labeller"}
        assert r["labeller"] == "h" and r["set"] in ("shared", "held_out"), r["id"]
        assert isinstance(r["material"], bool) and isinstance(r["archive_change"], bool), r["id"]
        assert set(r["labels"]) <= set(LABELS) and len(set(r["labels"])) == len(r["labels"]), r["id"]
        assert r["material"] or not r["labels"], r["id"]
        assert not (r["archive_change"] and r["material"]), r["id"]
        assert set(r["evidence"]) == set(r["labels"]) and all(q.strip() for q in r["evidence"].values()), r["id"]
        assert r["why"].strip(), r["id"]
        if r["set"] == "held_out":
            assert r["id"] in held and not BLIND.search(r["id"]), r["id"]
