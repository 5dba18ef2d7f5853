"""Real LinkedIn snapshots: markup-only noise never changes the text, and the text
matches what Open Terms Archive recorded for the same day."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from extract import extract_html

REPO = Path(__file__).resolve().parents[2]
HTML = REPO / "fixtures" / "html"
CORPUS_BURSTS = Path("/work/shared/corpus/linkedin/html/bursts")

LEGAL = {"select": ["#component-container"],
         "remove": [".callout > svg", ".expandable-section__header", ".banner__image-container"]}
HELP = {"select": [".article-details-page"],
        "remove": [".helpfulness", ".helpfulness-rating", '[data-test-id*="article-page-subtext"]',
                   ".answer-footer > p", '[data-test-selector*="relativeTime-container"]'],
        "filters": ["remove-relative-timestamps"]}
TERMS = {"select": ["main"], "remove": [".banner__image-container"]}
COMMUNITY = {"select": ["main"], "remove": [".banner__image-container", ".component-standaloneImage"]}


def _declaration_for(burst_dir: Path) -> dict[str, list[str]]:
    """The OTA declaration (selectors) for a burst folder, by document and source."""
    parts = burst_dir.parts
    if any(p.startswith(("help-linkedin-answer", "help-answer")) for p in parts):
        return HELP
    if "legal-professional-community-policies" in parts or "community-guidelines" in parts:
        return COMMUNITY
    if "terms-of-service" in parts:
        return TERMS
    return LEGAL


def _burst_dirs(root: Path) -> list[Path]:
    return sorted({p.parent for p in root.rglob("*.html")}) if root.exists() else []


def _assert_identical(burst_dir: Path) -> None:
    files = sorted(burst_dir.glob("*.html"))
    assert len(files) >= 2
    options = _declaration_for(burst_dir)
    texts = {f.name: extract_html(f.read_bytes(), content_type="text/html; charset=utf-8", **options)
             for f in files}
    first = texts[files[0].name]
    assert len(first) > 500
    for name, text in texts.items():
        assert text == first, f"{name} differs from {files[0].name} (markup-only burst)"


FIXTURE_BURSTS = _burst_dirs(HTML / "bursts")


@pytest.mark.parametrize("burst_dir", FIXTURE_BURSTS, ids=[str(p.relative_to(HTML)) for p in FIXTURE_BURSTS])
def test_fixture_burst_extracts_identically(burst_dir: Path) -> None:
    _assert_identical(burst_dir)


CORPUS = _burst_dirs(CORPUS_BURSTS)


@pytest.mark.skipif(not CORPUS, reason="shared corpus not available")
@pytest.mark.parametrize("burst_dir", CORPUS, ids=[str(p.relative_to(CORPUS_BURSTS)) for p in CORPUS])
def test_corpus_burst_extracts_identically(burst_dir: Path) -> None:
    _assert_identical(burst_dir)


def _words(markdown: str) -> list[str]:
    """Words of a Markdown text, ignoring link targets, markup and heading style."""
    text = re.sub(r"<br\s*/?>", " ", markdown)  # OTA keeps <br> inside table cells
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"^\s*(\d+)\.\s", r"\1 ", text, flags=re.MULTILINE)
    text = re.sub(r"[#*_\[\]>|\\=`-]+", " ", text).replace("\ufeff", "")
    return re.sub(r"(\d)\.", r"\1", text).split()


@pytest.mark.parametrize(
    ("html_file", "markdown_file", "url"),
    [
        ("key-dates/2024-09-19-privacy-policy.html", "expected/contrib-privacy-policy-2024-09-19.md",
         "https://www.linkedin.com/legal/privacy-policy"),
        ("key-dates/2025-11-04-privacy-policy.html", "expected/pga-privacy-policy-2025-11-04.md",
         "https://www.linkedin.com/legal/privacy/eu"),
    ],
)
def test_key_date_matches_open_terms_archive(html_file: str, markdown_file: str, url: str) -> None:
    ours = extract_html((HTML / html_file).read_bytes(), base_url=url, **LEGAL)
    theirs = (HTML / markdown_file).read_text(encoding="utf-8")
    a, b = _words(ours), _words(theirs)
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    assert ratio > 0.99, f"word-level similarity {ratio:.4f}"
    assert "develop and train artificial intelligence" in ours or "AI" in ours
    assert "?trk=" not in ours
