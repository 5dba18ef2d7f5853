"""Our own hand-labelled set (fixtures/labelled) is well formed and keeps the blind set's platforms out."""

from __future__ import annotations

import re

from tests.changes.conftest import ROOT, load_jsonl

ROWS = load_jsonl(ROOT / "fixtures" / "labelled" / "pairs.jsonl")
# ../shared/labelled/README.md: the blind set's platforms and their sister products, never labelled here.
BLIND = re.compile(r"amazon|alexa|audible|twitch|apple|icloud|discord|facebook|meta\b|instagram|whatsapp|messenger|"
                   r"threads|oculus|github|grammarly|microsoft|bing|skype|xbox|copilot|linkedin|pinterest|quora|"
                   r"snapchat|spotify|stack ?overflow|stack ?exchange|substack|tiktok|tumblr|wordpress|automattic",
                   re.IGNORECASE)


def test_rows_are_well_formed() -> None:
    assert len(ROWS) >= 300
    assert len({r["id"] for r in ROWS}) == len(ROWS)
    for r in ROWS:
        assert set(r["labels"]) <= {"ai_training", "regions", "opt_out"}, r["id"]
        assert r["material"] or not r["labels"], r["id"]
        assert set(r["evidence"]) == set(r["labels"]), r["id"]
        assert r["split"] in ("tuning", "held_out")
        src = r["source"]
        assert src["repo"].startswith("OpenTermsArchive/") and src["path"].endswith(".md")
        assert re.fullmatch(r"[0-9a-f]{40}", src["old_commit"]) and re.fullmatch(r"[0-9a-f]{40}", src["new_commit"])


def test_no_blind_platform_is_labelled() -> None:
    assert not [r["id"] for r in ROWS if BLIND.search(r["service"])]


def test_held_out_and_tuning_services_do_not_overlap() -> None:
    tuning = {r["service"] for r in ROWS if r["split"] == "tuning"}
    held = {r["service"] for r in ROWS if r["split"] == "held_out"}
    assert not tuning & held
