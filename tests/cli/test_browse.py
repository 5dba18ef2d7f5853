"""Browsing the history from the command line: documents, history, show, diff (JSON contracts)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.main import cli
from store import Store
from tests.builders import Target, corpus_versions, replay

PICK = ("2024-08-01", "2024-09-19", "2025-04-01")


@pytest.fixture
def db(db_url: str) -> str:
    steps = [(r.when, r.text()) for r in corpus_versions("contrib", "privacy-policy")
             if r.name in PICK]
    replay(Store(db_url), Target(), steps)
    return db_url


def run(*args: str) -> object:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_documents_and_history(db: str) -> None:
    [doc] = run("documents", "--db", db, "--format", "json")  # type: ignore[misc]
    assert doc["slug"] == "linkedin/privacy-policy" and doc["versions"] == 3
    history = run("history", "linkedin/privacy-policy", "--db", db, "--format", "json")
    assert [v["fetched_at"][:10] for v in history] == list(PICK)  # type: ignore[union-attr]
    first, sept, april = history  # type: ignore[misc]
    assert first["change"] is None and first["previous_id"] is None
    assert sept["change"]["severity"] == "high" and "ai_training" in sept["change"]["labels"]
    assert april["change"]["material"] is False  # one help-link target changed


def test_show_at_a_date_gives_the_version_in_force(db: str) -> None:
    shown = run("show", "linkedin/privacy-policy", "--at", "2024-09-20", "--db", db,
                "--format", "json")
    assert shown["fetched_at"].startswith("2024-09-19")  # type: ignore[index]
    assert "train artificial intelligence" in shown["text"]  # type: ignore[index]
    before = run("show", "linkedin/privacy-policy", "--at", "2024-09-18", "--db", db,
                 "--format", "json")
    assert "train artificial intelligence" not in before["text"]  # type: ignore[index]


def test_diff_uses_the_stored_classification(db: str) -> None:
    history = run("history", "linkedin/privacy-policy", "--db", db, "--format", "json")
    a, b = history[0]["id"], history[1]["id"]  # type: ignore[index]
    result = run("diff", "linkedin/privacy-policy", str(a), str(b), "--db", db, "--format", "json")
    assert result["labels"] == sorted(history[1]["change"]["labels"])  # type: ignore[index]
    assert any("ai_training" in c["labels"] for c in result["changes"])  # type: ignore[index]
    text = CliRunner().invoke(cli, ["diff", "linkedin/privacy-policy", str(a), str(b),
                                    "--db", db, "--no-color"])
    assert "ai_training" in text.output and "\x1b[" not in text.output


def test_unknown_document_is_a_clear_error(db: str) -> None:
    result = CliRunner().invoke(cli, ["history", "linkedin/nope", "--db", db])
    assert result.exit_code == 1
    assert "no document 'linkedin/nope'" in result.output
    assert "linkedin/privacy-policy" in result.output  # names what is known
