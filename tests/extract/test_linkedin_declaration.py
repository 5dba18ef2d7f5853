"""The shipped LinkedIn declaration on real pages: no UI labels leak, table cells keep their breaks.

Pages: fixtures/html/key-dates (Open Terms Archive, see fixtures/html/PROVENANCE.md).
"""

from __future__ import annotations

from pathlib import Path

from crawler.targets import Target, load_targets
from extract import extract_html

HTML = Path(__file__).resolve().parents[2] / "fixtures" / "html"
GLOBAL_2024 = HTML / "key-dates" / "2024-09-19-privacy-policy.html"
EU_2025 = HTML / "key-dates" / "2025-11-04-privacy-policy.html"
OTA_EU_2025 = HTML / "expected" / "pga-privacy-policy-2025-11-04.md"


def _declared(target_id: str) -> Target:
    return {t.id: t for t in load_targets()}[target_id]


def _extract(page: Path, target: Target, **override: list[str]) -> str:
    options = {"select": target.select, "remove": target.remove, "filters": target.filters, **override}
    return extract_html(page.read_bytes(), content_type="text/html; charset=utf-8", **options)


def test_key_terms_toggle_does_not_leak_into_the_privacy_policy() -> None:
    target = _declared("linkedin/privacy-policy")
    text = _extract(GLOBAL_2024, target)
    assert "Key Terms" not in text
    for term in ("#### Affiliates", "#### Social Action", "#### Consent"):  # the terms stay
        assert term in text
    # OTA's rule alone misses the button: the label came through four times.
    old_rule = [r for r in target.remove if r != ".expandable-section__header-button"]
    assert _extract(GLOBAL_2024, target, remove=old_rule).count("Key Terms") == 4


def test_eu_notice_table_cells_keep_their_line_breaks() -> None:
    text = _extract(EU_2025, _declared("linkedin/eu-privacy-notice"))
    assert ("| To allow Members to make and accept new connections. | Connect functionality on Member "
            "profiles<br><br>Contact information (email, telephone, etc.) |") in text
    # As many breaks as Open Terms Archive recorded for the same snapshot.
    assert text.count("<br>") == OTA_EU_2025.read_text(encoding="utf-8").count("<br>") > 400
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows and all(line.endswith("|") for line in rows)  # every row still one line
