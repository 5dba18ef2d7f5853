"""The commands: test-alert sends a sample; dispatch once; errors are one line, without secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.alerts import COMMANDS, alerts
from cli.alerts import test_alert as send_test_alert
from tests.alerts.receiver import Receiver
from tests.alerts.support import free_port, write_config

SECRET = "cli-signing-secret"


def test_commands_are_exported() -> None:
    assert [c.name for c in COMMANDS] == ["alerts", "test-alert"]
    assert set(alerts.commands) == {"list", "show", "retry", "dispatch"}


def test_test_alert_sends_a_sample(sqlite_url: str, receiver: Receiver, isolated_config: Path) -> None:
    write_config(isolated_config, {"channels": {
        "hook": {"kind": "webhook", "url": receiver.url("/hook"), "secret": SECRET}}})
    out = CliRunner().invoke(send_test_alert, ["hook", "--db", sqlite_url, "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["sent"] is True
    body = receiver.accepted[0].json()
    assert body["alerts"][0]["sample"] is True and "AI training" in body["text"]


def test_test_alert_errors(sqlite_url: str, isolated_config: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}/hook/path-secret"
    write_config(isolated_config, {"channels": {"hook": {"kind": "webhook", "url": url,
                                                         "secret": SECRET, "timeout": 1}}})
    runner = CliRunner()
    unknown = runner.invoke(send_test_alert, ["nope", "--db", sqlite_url])
    assert unknown.exit_code == 2 and "configured: hook" in unknown.output
    down = runner.invoke(send_test_alert, ["hook", "--db", sqlite_url])
    assert down.exit_code == 1 and "Connection refused" in down.output
    assert "path-secret" not in down.output and SECRET not in down.output
    other = isolated_config.with_name("other.toml")  # config files are cached by path
    write_config(other, {"channels": {"hook": {"kind": "webhook", "url": url}}})
    monkeypatch.setenv("POLICYWATCH_CONFIG", str(other))
    bad = runner.invoke(send_test_alert, ["hook", "--db", sqlite_url])
    assert bad.exit_code == 1 and "alerts.channels.hook" in bad.output


def test_dispatch_once_reports_counts(sqlite_url: str, isolated_config: Path) -> None:
    out = CliRunner().invoke(alerts, ["dispatch", "--db", sqlite_url, "--format", "json"])
    assert out.exit_code == 0 and json.loads(out.output) == {}
