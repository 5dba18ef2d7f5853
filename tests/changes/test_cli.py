"""`classify` command: JSON contract, coloured text, errors, HTML input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.classify import classify

OLD = "# Privacy\n\n## Use\n\nWe use data to provide the service.\n"
NEW = "# Privacy\n\n## Use\n\nWe use data to provide the service and to train our AI models. You can opt out in Settings.\n"


@pytest.fixture()
def files(tmp_path: Path) -> tuple[str, str]:
    a, b = tmp_path / "old.md", tmp_path / "new.txt"
    a.write_text(OLD)
    b.write_text(NEW)
    return str(a), str(b)


def test_json(files: tuple[str, str]) -> None:
    res = CliRunner().invoke(classify, [*files, "--format", "json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["material"] is True and d["labels"] == ["ai_training", "opt_out"] and d["severity"] == "high"
    assert d["changes"][0]["section"] == "Use"


def test_text_colour_switch(files: tuple[str, str]) -> None:
    plain = CliRunner().invoke(classify, [*files, "--no-color"])
    assert plain.exit_code == 0 and "\x1b[" not in plain.output and "[ai_training]" in plain.output
    coloured = CliRunner().invoke(classify, [*files, "--color"])
    assert "\x1b[" in coloured.output


def test_missing_file_exit_2(tmp_path: Path, files: tuple[str, str]) -> None:
    res = CliRunner().invoke(classify, [str(tmp_path / "nope.md"), files[1]])
    assert res.exit_code == 2 and "nope.md" in res.output


def test_html_input(tmp_path: Path) -> None:
    extract = pytest.importorskip("extract")
    if not hasattr(extract, "extract_html"):
        pytest.skip("extract.extract_html not written yet (another engineer's module)")
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    a.write_text("<html><body><nav>Menu</nav><main><h2>Use</h2><p>We use data.</p></main></body></html>")
    b.write_text("<html><body><nav>Menu</nav><main><h2>Use</h2><p>We use data to train AI models.</p></main></body></html>")
    res = CliRunner().invoke(classify, [str(a), str(b), "--format", "json", "--select", "main"])
    assert res.exit_code == 0, res.output
    assert "ai_training" in json.loads(res.output)["labels"]


def test_text_shows_units_with_edits_inline(tmp_path: Path) -> None:
    """Each unit is its sentence with the edits inline, and a moved block says from where to where."""
    para = "We collect your name and the email address you give us when you sign up for an account."
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text(f"## A\n\n{para}\n\nWe keep logs for thirty days.\n\n## B\n\nWe use your name.\n")
    b.write_text(f"## A\n\nWe keep logs for ninety days.\n\n## B\n\nWe use your name.\n\n{para}\n")
    out = CliRunner().invoke(classify, [str(a), str(b), "--no-color", "--all"]).output
    assert "We keep logs for [-thirty-] {+ninety+} days." in out
    assert "> moved    moved from A -> to B" in out and "(moved unchanged) We collect your name" in out


def test_json_units_have_edits_and_from_section(files: tuple[str, str]) -> None:
    d = json.loads(CliRunner().invoke(classify, [*files, "--format", "json"]).output)
    (h,) = d["changes"]
    assert h["from_section"] == "" and h["edits"] == [
        ["=", "We use data to provide the service"],
        ["+", " and to train our AI models. You can opt out in Settings"], ["=", "."]]
    assert h["old"] == "We use data to provide the service." and h["new"].startswith("We use data to provide")


def test_september_2024_text_reads_as_the_json_groups_it(tmp_path: Path) -> None:
    """The text output shows the units the JSON's ``reading`` lists open, in its order, one header
    each, then the minor edits under their one-line summary (the web page and alerts use it too)."""
    from tests.changes.conftest import version_text

    files = []
    for day in ("2024-08-01", "2024-09-19"):
        f = tmp_path / f"{day}.md"
        f.write_text(version_text(f"contrib/privacy-policy/{day}"), "utf-8")
        files.append(str(f))
    d = json.loads(CliRunner().invoke(classify, [*files, "--format", "json"]).output)
    out = CliRunner().invoke(classify, [*files, "--no-color"]).output
    heads = [line for line in out.splitlines() if line[:2] in ("~ ", "+ ", "- ", "> ")]
    assert len(heads) == len(d["reading"]["open"]) <= 10
    assert "2. How We Use Your Data  [ai_training]  high" in heads[0]
    for head, unit in zip(heads, d["reading"]["open"]):
        assert head.split("  [")[0].endswith(unit["section"] or "(top of document)"), (head, unit)
    summary = d["reading"]["minor_summary"]
    assert summary.split()[1:3] == ["minor", "edits"] and f"\n{summary}:\n" in out
    assert out.index(heads[-1]) < out.index(summary)
