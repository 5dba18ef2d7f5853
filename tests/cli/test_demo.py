"""`policywatch demo`: recorded LinkedIn history through the loopback server and the real spider."""

from __future__ import annotations

import json

from store import Store
from store import query
from tests.cli.test_check import policywatch
from demo.pages import SOURCES

#: Recording dates of noise in the corpus README's catalogue (contrib privacy policy).
NOISE_DATES = {"2021-10-20", "2021-10-25", "2022-05-25", "2022-06-09", "2022-09-20",
               "2022-11-04", "2022-12-15", "2023-01-04", "2024-05-09", "2024-07-19",
               "2025-04-01", "2025-07-12", "2025-07-18", "2025-07-25", "2025-09-23",
               "2025-12-06", "2026-02-20"}


def test_demo_builds_one_version_per_wording_change(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "demo.db"
    # the demo serves on loopback and allows that itself, whatever allow_private_targets says
    done = policywatch("demo", "--db", str(db), "--format", "json",
                       env={"POLICYWATCH_ALLOW_PRIVATE_TARGETS": "0"})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    docs = report["documents"]
    assert set(docs) == {s.target_id for s in SOURCES}
    assert all(set(counts) <= {"new_version", "unchanged"} for counts in docs.values()), docs

    # raw snapshots whose markup differs but whose text does not: one version, not three
    assert docs["linkedin/privacy-policy@in"]["new_version"] == 1
    # every round re-fetches every page with fresh volatile markup; only new wording counts
    pp = docs["linkedin/privacy-policy"]
    recorded = len(SOURCES[0].files())
    assert pp["new_version"] + pp["unchanged"] == report["crawls"]
    assert 20 <= pp["new_version"] <= recorded

    material = {(c["date"][:10], c["document"]): c for c in report["material_changes"]}
    sept = material[("2024-09-19", "linkedin/privacy-policy")]
    assert sept["severity"] == "high" and "ai_training" in sept["labels"]
    assert "ai_training" in material[("2024-11-21", "linkedin/user-agreement")]["labels"]
    noisy = {d for d, doc in material if doc == "linkedin/privacy-policy"} & NOISE_DATES
    assert not noisy, f"noise reported as material: {sorted(noisy)}"

    store = Store(f"sqlite:///{db}")
    with store.session() as s:
        versions = query.history(s, query.document(s, "linkedin/privacy-policy"))
        assert len(versions) == pp["new_version"]
        assert [v.fetched_at for v in versions] == sorted(v.fetched_at for v in versions)
        # a flap back to an earlier wording is a new version; a repeat of the last one is not
        assert all(a.text_sha256 != b.text_sha256 for a, b in zip(versions, versions[1:]))
