"""Slack through a bot token, against a loopback Slack Web API: metadata keys, and no duplicate at
all, even when the dispatcher is SIGKILLed while Slack already holds the message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from alerts.channels import build
from alerts.config import load
from alerts.errors import ChannelError
from alerts.message import Message
from alerts.outbox import enqueue
from store import Store
from tests.alerts.slack_api import CHANNEL, TOKEN, SlackAPI
from tests.alerts.support import payload, write_config
from tests.alerts.test_crash import _all_sent

ROOT = Path(__file__).resolve().parents[2]
N = 6


def _bot(api: SlackAPI, **extra: Any) -> dict[str, Any]:
    return {"kind": "slack_bot", "token_env": "PW_TEST_SLACK_TOKEN", "channel": CHANNEL,
            "api_url": api.api_url, **extra}


def _channel(api: SlackAPI, **extra: Any) -> Any:
    return build("bot", load({"channels": {"bot": _bot(api, **extra)}}).channels["bot"])


def test_posts_block_kit_with_the_key_in_metadata(slack_api: SlackAPI,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_TEST_SLACK_TOKEN", TOKEN)
    ch = _channel(slack_api)
    ch.send(Message("change:1:bot", [payload(1)], channel="bot"))
    (posted,) = slack_api.history
    assert posted["metadata"] == {"event_type": "policywatch_alert",
                                  "event_payload": {"key": "change:1:bot"}}
    assert posted["text"].startswith("[HIGH] PolicyWatch: LinkedIn Privacy Policy (eu) changed")
    assert posted["blocks"][0]["type"] == "header"
    assert slack_api.lookups == 0  # a first attempt posts without looking


def test_a_retry_looks_first_and_skips_a_message_already_posted(
        slack_api: SlackAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_TEST_SLACK_TOKEN", TOKEN)
    ch = _channel(slack_api)
    ch.send(Message("change:1:bot", [payload(1)], channel="bot"))
    ch.send(Message("change:1:bot", [payload(1)], channel="bot", retry=True))
    assert slack_api.keys() == {"change:1:bot": 1} and slack_api.lookups == 1
    ch.send(Message("change:2:bot", [payload(2)], channel="bot", retry=True))  # not there: posted
    assert slack_api.keys() == {"change:1:bot": 1, "change:2:bot": 1}


def test_api_errors_are_typed_and_hide_the_token(slack_api: SlackAPI,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_TEST_SLACK_TOKEN", "xoxb-wrong-token-value")
    with pytest.raises(ChannelError) as bad_token:
        _channel(slack_api).send(Message("k", [payload(1)], channel="bot"))
    assert "invalid_auth" in str(bad_token.value) and "xoxb-wrong" not in str(bad_token.value)
    assert bad_token.value.transient  # fixed by its operator: keep retrying
    monkeypatch.setenv("PW_TEST_SLACK_TOKEN", TOKEN)
    with pytest.raises(ChannelError) as no_channel:
        _channel(slack_api, channel="C0NOWHERE").send(Message("k", [payload(1)], channel="bot"))
    assert "channel_not_found" in str(no_channel.value) and not no_channel.value.transient


def _start(db_url: str, config: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "POLICYWATCH_CONFIG": str(config), "PW_TEST_SLACK_TOKEN": TOKEN}
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", "alerts", "dispatch", "--loop", "--interval", "0.2",
         "--db", db_url], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_while_held(db_url: str, config: Path, api: SlackAPI) -> None:
    """Start a dispatcher, SIGKILL it while Slack holds a post, then let Slack store that post."""
    api.holding.clear()
    api.release.clear()
    proc = _start(db_url, config)
    try:
        assert api.holding.wait(30), "the dispatcher never reached the held post"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    api.release.set()  # Slack stores the message; its answer goes nowhere


@pytest.mark.timeout(120)
def test_sigkill_in_the_crash_window_never_duplicates(db_url: str, slack_api: SlackAPI,
                                                      isolated_config: Path) -> None:
    cfg = {"lease_seconds": 1.5, "backoff_seconds": 0.05, "max_attempts": 50,
           "channels": {"bot": _bot(slack_api, timeout=0.75)}}
    write_config(isolated_config, cfg)
    store = Store(db_url)
    with store.session() as s:
        keys = [r.dedup_key for i in range(N) for r in enqueue(s, load(cfg), f"change:{i}", payload(i))]
    slack_api.script.extend(["ok", "ok", "hold"])
    _kill_while_held(db_url, isolated_config, slack_api)
    assert slack_api.wait_for(lambda r: len(r.accepted) == 3)
    slack_api.script.extend(["ok", "hold"])  # the restarted one: the 4th post, then hold the 5th
    _kill_while_held(db_url, isolated_config, slack_api)
    assert slack_api.wait_for(lambda r: len(r.accepted) == 5)
    last = _start(db_url, isolated_config)
    try:
        assert slack_api.wait_for(lambda r: set(r.keys()) == set(keys), timeout=30)
        assert _all_sent(store, time.monotonic() + 15)
    finally:
        last.send_signal(signal.SIGTERM)
        last.wait(10)
    assert last.returncode == 0, last.stderr.read().decode() if last.stderr else ""
    assert slack_api.keys() == {k: 1 for k in keys}  # every alert once: no loss, no duplicate
    assert len(slack_api.history) == N and slack_api.lookups >= 2


def test_the_lookup_reaches_back_to_when_the_alert_was_enqueued(
        slack_api: SlackAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """A naive time from the store is UTC: the lookup still finds a message posted since then."""
    from datetime import datetime, timedelta, timezone

    monkeypatch.setenv("PW_TEST_SLACK_TOKEN", TOKEN)
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        ch = _channel(slack_api)
        ch.send(Message("change:1:bot", [payload(1)], channel="bot"))
        enqueued = (datetime.now(timezone.utc) - timedelta(seconds=30)).replace(tzinfo=None)
        ch.send(Message("change:1:bot", [payload(1)], channel="bot", retry=True, since=enqueued))
        assert slack_api.keys() == {"change:1:bot": 1}
    finally:
        monkeypatch.undo()
        time.tzset()
