"""Data-driven extraction tests: cases.toml (inline) and cases/*.toml (snapshot files)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from extract import ExtractError, extract_html

HERE = Path(__file__).parent
REPO = HERE.parent.parent
INLINE = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]
SNAPSHOTS = sorted((HERE / "cases").glob("*.toml"))
OPTIONS = ("select", "remove", "filters", "base_url", "content_type")


def _options(case: dict[str, Any]) -> dict[str, Any]:
    """The case's options; ``target = "<id>"`` takes select, remove and filters from the
    shipped declaration of that target, so the golden text follows the declaration."""
    options = {k: case[k] for k in OPTIONS if k in case}
    if "target" in case:
        from crawler.targets import load_targets

        declared = {t.id: t for t in load_targets()}[case["target"]]
        options.update(select=declared.select, remove=declared.remove, filters=declared.filters)
    return options


@pytest.mark.parametrize("case", INLINE, ids=[c["name"] for c in INLINE])
def test_inline_case(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(ExtractError, match=None) as info:
            extract_html(case["html"], **_options(case))
        assert case["error"] in str(info.value)
    else:
        assert extract_html(case["html"], **_options(case)) == case["expected"]


@pytest.mark.parametrize("spec", SNAPSHOTS, ids=[p.stem for p in SNAPSHOTS])
def test_snapshot_case(spec: Path) -> None:
    """<name>.toml names an HTML file (repo-relative) and options; <name>.md is expected.

    Set POLICYWATCH_UPDATE_GOLDEN=1 to rewrite the .md files after a deliberate change
    (and bump extract.html._RULES_VERSION).
    """
    case = tomllib.loads(spec.read_text(encoding="utf-8"))
    html = (REPO / case["html_file"]).read_bytes()
    got = extract_html(html, **_options(case))
    golden = spec.with_suffix(".md")
    if os.environ.get("POLICYWATCH_UPDATE_GOLDEN") == "1":
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")
