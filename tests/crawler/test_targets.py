"""Declarations: the shipped LinkedIn file, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.targets import DeclarationError, Target, load_targets

REQUIRED = {
    "linkedin/privacy-policy": "https://www.linkedin.com/legal/privacy-policy",
    "linkedin/eu-privacy-notice": "https://www.linkedin.com/legal/privacy/eu",
    "linkedin/user-agreement": "https://www.linkedin.com/legal/user-agreement",
    "linkedin/cookie-policy": "https://www.linkedin.com/legal/cookie-policy",
    "linkedin/california-privacy-disclosure": "https://www.linkedin.com/legal/california-privacy-disclosure",
    "linkedin/us-state-privacy-notice": "https://www.linkedin.com/legal/privacy/us-state-privacy-laws",
    "linkedin/genai-faq": "https://www.linkedin.com/help/linkedin/answer/a5538339",
    "linkedin/genai-data-setting": "https://www.linkedin.com/help/linkedin/answer/a6278444",
}

MINIMAL = """
[platform]
name = "Example"

[documents.terms]
name = "Terms"
url = "https://example.com/terms"
"""


def _write(tmp_path: Path, text: str, name: str = "example.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_packaged_linkedin_declarations() -> None:
    targets = {t.id: t for t in load_targets()}
    for target_id, url in REQUIRED.items():
        assert targets[target_id].url == url
    assert all(isinstance(t, Target) and t.select for t in targets.values())
    eu = targets["linkedin/privacy-policy@eu"]
    assert (eu.region, eu.url) == ("eu", targets["linkedin/privacy-policy"].url)
    assert eu.language != targets["linkedin/privacy-policy"].language
    faq = targets["linkedin/genai-faq"]
    assert faq.select == [".article-details-page"]
    assert "remove-relative-timestamps" in faq.filters
    assert any("relativeTime" in r for r in faq.remove)
    assert targets["linkedin/user-agreement"].select == ["main"]


def test_platform_defaults_and_variants(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL.replace('name = "Example"', 'name = "Example"\nselect = ["main"]\nmin_length = 5')
                  + '\n[documents.terms.variants.eu]\nlanguage = "de-DE"\nproxy = "http://127.0.0.1:9"\n')
    base, eu = load_targets(path)
    assert (base.id, base.platform, base.select, base.min_length) == ("example/terms", "example", ["main"], 5)
    assert (eu.id, eu.region, eu.language, eu.proxy, eu.select) == ("example/terms@eu", "eu", "de-DE",
                                                                     "http://127.0.0.1:9", ["main"])
    assert load_targets(tmp_path) == [base, eu]  # a folder of *.toml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MINIMAL.replace('url = "https://example.com/terms"', 'url = "https://example.com/terms"\nselectt = ["x"]'),
         "documents.terms.selectt"),
        (MINIMAL.replace('url = "https://example.com/terms"', ""), "documents.terms.url"),
        (MINIMAL.replace('name = "Example"', 'name = "Example"\ncolour = "red"'), "platform.colour"),
        (MINIMAL + 'select = ["div[["]\n', "documents.terms.select"),
        (MINIMAL + 'filters = ["nope"]\n', "unknown filter 'nope'"),
        (MINIMAL + 'schedule = "sometimes"\n', "documents.terms.schedule"),
        (MINIMAL.replace("https://example.com/terms", "example.com/terms"), "documents.terms.url"),
        ("[platform\nname=", "invalid TOML"),
    ],
    ids=["unknown-key", "missing-url", "unknown-platform-key", "bad-selector", "unknown-filter",
         "bad-schedule", "relative-url", "toml-syntax"],
)
def test_bad_declaration_names_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(DeclarationError) as info:
        load_targets(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_duplicate_target_ids_across_files(tmp_path: Path) -> None:
    _write(tmp_path, MINIMAL.replace('name = "Example"', 'name = "Example"\nid = "ex"'), "a.toml")
    _write(tmp_path, MINIMAL.replace('name = "Example"', 'name = "Example"\nid = "ex"'), "b.toml")
    with pytest.raises(DeclarationError, match="already declared"):
        load_targets(tmp_path)


def test_missing_path() -> None:
    with pytest.raises(DeclarationError, match="no such"):
        load_targets(Path("/nonexistent/declarations"))


def test_fetch_mode_and_content_type(tmp_path: Path) -> None:
    """`fetch` defaults to "http", a platform default applies to every document, a document
    overrides it; `content_type` is unset (taken from the response) unless declared."""
    assert load_targets(_write(tmp_path, MINIMAL))[0].fetch == "http"
    text = (MINIMAL.replace('name = "Example"', 'name = "Example"\nfetch = "browser"')
            + '\n[documents.report]\nname = "Report"\nurl = "https://example.com/r.pdf"\n'
              'fetch = "http"\ncontent_type = "pdf"\n')
    terms, report = load_targets(_write(tmp_path, text))
    assert (terms.fetch, terms.content_type) == ("browser", None)
    assert (report.fetch, report.content_type) == ("http", "pdf")


@pytest.mark.parametrize(("field", "value"), [("fetch", "chrome"), ("content_type", "docx")])
def test_fetch_mode_and_content_type_are_checked(tmp_path: Path, field: str, value: str) -> None:
    path = _write(tmp_path, MINIMAL + f'{field} = "{value}"\n')
    with pytest.raises(DeclarationError, match=f"documents.terms.{field}"):
        load_targets(path)
