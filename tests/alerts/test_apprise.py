"""Apprise channels against loopback receivers: services with a host of their own (JSON, form,
ntfy, Mattermost), secrets from the environment inside the URL, failures named without them."""

from __future__ import annotations

import json
from urllib.parse import unquote_plus
from typing import Any

import pytest

from alerts.channels import build
from alerts.config import load
from alerts.errors import AlertConfigError, ChannelError
from alerts.message import Message
from tests.alerts.receiver import Receiver
from tests.alerts.support import payload

HOOK_TOKEN = "mm-hook-token-0123456789"


def _channel(url: str, **extra: Any) -> Any:
    return build("ap", load({"channels": {"ap": {"kind": "apprise", "url": url, **extra}}}).channels["ap"])


@pytest.mark.parametrize(("scheme", "path"), [("json", "/notify"), ("form", "/notify"), ("ntfy", "/")])
def test_services_with_their_own_host_get_subject_and_text(scheme: str, path: str,
                                                           receiver: Receiver) -> None:
    target = "/policy" if scheme == "ntfy" else path
    _channel(f"{scheme}://127.0.0.1:{receiver.port}{target}").send(
        Message("change:1:ap", [payload(1)], channel="ap"))
    (got,) = receiver.accepted
    assert got.path == path
    body = unquote_plus(got.body.decode()) if scheme == "form" else json.loads(got.body)["message"]
    assert "PolicyWatch: LinkedIn Privacy Policy (eu) changed" in body
    assert "train AI models" in body


def test_secret_from_the_environment_inside_the_url(receiver: Receiver,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"mmost://127.0.0.1:{receiver.port}/${{PW_TEST_MM_TOKEN}}"
    ch = _channel(url)
    with pytest.raises(AlertConfigError, match="PW_TEST_MM_TOKEN"):
        ch.check()  # unset: the channel is skipped with the variable's name, never sent
    monkeypatch.setenv("PW_TEST_MM_TOKEN", HOOK_TOKEN)
    ch.check()
    ch.send(Message("change:1:ap", [payload(1)], channel="ap"))
    (got,) = receiver.accepted
    assert got.path == f"/hooks/{HOOK_TOKEN}"
    assert "LinkedIn Privacy Policy" in json.loads(got.body)["text"]


def test_failures_are_channel_errors_without_the_secret(receiver: Receiver,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_TEST_MM_TOKEN", HOOK_TOKEN)
    receiver.default = "500"
    ch = _channel(f"mmost://127.0.0.1:{receiver.port}/${{PW_TEST_MM_TOKEN}}", timeout=2)
    with pytest.raises(ChannelError) as failed:
        ch.send(Message("change:1:ap", [payload(1)], channel="ap"))
    assert "Mattermost" in str(failed.value) and failed.value.transient
    assert HOOK_TOKEN not in str(failed.value)


def test_an_invalid_url_is_a_config_error() -> None:
    with pytest.raises(AlertConfigError, match="not a valid Apprise URL"):
        _channel("nosuchservice://whatever").check()
