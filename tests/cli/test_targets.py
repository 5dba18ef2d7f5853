"""`policywatch targets`: the declarations a user edits are validated with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli

REQUIRED = {
    "https://www.linkedin.com/legal/privacy-policy",
    "https://www.linkedin.com/legal/privacy/eu",
    "https://www.linkedin.com/legal/user-agreement",
    "https://www.linkedin.com/legal/cookie-policy",
    "https://www.linkedin.com/legal/california-privacy-disclosure",
    "https://www.linkedin.com/legal/privacy/usa",
    "https://www.linkedin.com/help/linkedin/ask/TS-DPRO",
    "https://www.linkedin.com/help/linkedin/answer/a5538339",
    "https://www.linkedin.com/help/linkedin/answer/a6278444",
}


def test_shipped_declarations_cover_linkedins_documents() -> None:
    result = CliRunner().invoke(cli, ["targets", "--format", "json"])
    assert result.exit_code == 0, result.output
    declared = json.loads(result.output)
    assert REQUIRED <= {t["url"] for t in declared}
    eu = [t for t in declared if t["id"] == "linkedin/privacy-policy@eu"]
    assert eu and eu[0]["language"].startswith("en-GB"), "same page as from the EU: a document"
    assert all(t["fetch_mode"] == "http" and t["robots"] in ("obey", "ignore") for t in declared)
    assert eu[0]["where"] == "eu (egress eu not configured)" and eu[0]["configured"] is False


def test_text_listing_shows_mode_robots_region_and_unverified_selectors() -> None:
    result = CliRunner().invoke(cli, ["targets"])
    assert result.exit_code == 0, result.output
    header, *rows = result.output.splitlines()
    assert header.split()[:6] == ["DOCUMENT", "MODE", "ROBOTS", "REGION", "SELECTORS", "URL"]
    row = {line.split()[0]: line for line in rows if line.startswith("linkedin/")}
    assert row["linkedin/eula"].split()[1:3] == ["http", "ignore"] and "UNVERIFIED" in row["linkedin/eula"]
    assert "UNVERIFIED" not in row["linkedin/privacy-policy"]
    assert "eu (egress eu not configured)" in row["linkedin/privacy-policy@eu"]
    assert "robots.txt ignored for 20 document(s): public legal and help pages" in result.output


def test_a_bad_declaration_names_the_file_and_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "acme.toml"
    bad.write_text('[platform]\nid = "acme"\nname = "Acme"\n'
                   '[documents.privacy]\nname = "Privacy"\nurll = "https://acme.example/p"\n')
    result = CliRunner().invoke(cli, ["targets", "--targets", str(bad)])
    assert result.exit_code == 1
    assert str(bad) in result.output
    assert "documents.privacy.url" in result.output and "documents.privacy.urll" in result.output


def test_targets_lists_each_documents_fetch_mode(tmp_path: Path) -> None:
    decl = tmp_path / "acme.toml"
    decl.write_text('[platform]\nid = "acme"\nname = "Acme"\n'
                    '[documents.privacy]\nname = "Privacy"\nurl = "https://acme.example/p"\nfetch = "browser"\n'
                    '[documents.terms]\nname = "Terms"\nurl = "https://acme.example/t.pdf"\ncontent_type = "pdf"\n')
    result = CliRunner().invoke(cli, ["targets", "--targets", str(decl)])
    assert result.exit_code == 0, result.output
    lines = {line.split(None, 1)[0]: line.split()[1:] for line in result.output.splitlines() if line.strip()}
    assert lines["acme/privacy"][0] == "browser"
    assert lines["acme/terms"][:2] == ["http", "pdf"]
    listed = CliRunner().invoke(cli, ["targets", "--targets", str(decl), "--format", "json"])
    modes = {t["id"]: (t["fetch_mode"], t["content_type"]) for t in json.loads(listed.output)}
    assert modes == {"acme/privacy": ("browser", None), "acme/terms": ("http", "pdf")}
