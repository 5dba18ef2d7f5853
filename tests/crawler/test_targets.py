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
    "linkedin/us-state-privacy-notice": "https://www.linkedin.com/legal/privacy/usa",
    "linkedin/genai-faq": "https://www.linkedin.com/help/linkedin/answer/a5538339",
    "linkedin/genai-data-setting": "https://www.linkedin.com/help/linkedin/answer/a6278444",
    "linkedin/objection-form": "https://www.linkedin.com/help/linkedin/ask/TS-DPRO",
    "linkedin/terms-update-explainer":
        "https://www.linkedin.com/help/linkedin/answer/a1341216/updates-to-user-agreement-and-privacy-policy",
    "linkedin/terms-update-2025-11": "https://www.linkedin.com/help/linkedin/answer/a8059228",
    "linkedin/hiring-assistant-ai": "https://www.linkedin.com/help/linkedin/answer/a7437598",
    "linkedin/ai-powered-insights": "https://www.linkedin.com/help/linkedin/answer/a1728404",
    "linkedin/responsible-ai-principles":
        "https://www.linkedin.com/blog/member/trust-and-safety/responsible-ai-principles",
    "linkedin/service-terms": "https://www.linkedin.com/legal/l/service-terms",
    "linkedin/eula": "https://www.linkedin.com/legal/eula",
}

#: Documents whose selectors were checked on a real recorded copy (fixtures/html or the corpus).
VERIFIED = {"linkedin/privacy-policy", "linkedin/privacy-policy@eu", "linkedin/privacy-policy@in",
            "linkedin/eu-privacy-notice", "linkedin/user-agreement", "linkedin/cookie-policy",
            "linkedin/service-terms", "linkedin/professional-community-policies"}

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
    assert (eu.region, eu.url, eu.egress) == ("eu", targets["linkedin/privacy-policy"].url, "eu")
    assert eu.language != targets["linkedin/privacy-policy"].language
    faq = targets["linkedin/genai-faq"]
    assert faq.select == [".article-details-page"]
    assert "remove-relative-timestamps" in faq.filters
    assert any("relativeTime" in r for r in faq.remove)
    assert targets["linkedin/user-agreement"].select == ["main"]
    assert {t.id for t in targets.values() if t.selectors_verified} == VERIFIED


def test_linkedin_robots_policy_is_declared_with_its_reason() -> None:
    for target in load_targets():
        assert target.robots == "ignore", target.id
        assert target.robots_reason and "public legal and help pages" in target.robots_reason
        assert "\n" not in target.robots_reason


def test_logged_in_settings_page_is_documented_not_declared() -> None:
    from crawler.targets import PACKAGED_DECLARATIONS

    assert not any("mypreferences" in t.url for t in load_targets())
    text = (PACKAGED_DECLARATIONS / "linkedin.toml").read_text(encoding="utf-8")
    assert "mypreferences/d/settings/data-for-ai-improvement" in text  # the comment saying why


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
        (MINIMAL + 'robots = "ignore"\n', "documents.terms: robots = \"ignore\" needs a robots_reason"),
        (MINIMAL + 'robots = "sometimes"\n', "documents.terms.robots"),
        (MINIMAL + 'egress = "EU west"\n', "documents.terms.egress"),
    ],
    ids=["unknown-key", "missing-url", "unknown-platform-key", "bad-selector", "unknown-filter",
         "bad-schedule", "relative-url", "toml-syntax", "ignore-without-reason", "bad-robots",
         "bad-egress"],
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


def test_robots_policy_is_inherited_with_its_reason(tmp_path: Path) -> None:
    text = MINIMAL.replace('name = "Example"', 'name = "Example"\nrobots = "ignore"\nrobots_reason = "public page"')
    text += '\n[documents.faq]\nname = "FAQ"\nurl = "https://example.com/faq"\nrobots = "obey"\n'
    terms, faq = load_targets(_write(tmp_path, text))
    assert (terms.robots, terms.robots_reason) == ("ignore", "public page")
    assert faq.robots == "obey"
    assert load_targets(_write(tmp_path, MINIMAL, "plain.toml"))[0].robots == "obey"  # the default


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
