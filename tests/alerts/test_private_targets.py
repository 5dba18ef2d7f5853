"""Alert channels refuse URLs that are not http(s) and, unless allow_private_targets, addresses
that are not public: at config load (what is written) and when sending (what it resolves to,
on every redirect hop), against real receivers that must receive nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alerts.channels import build
from alerts.config import load
from alerts.errors import AlertConfigError, ChannelError
from alerts.message import Message
from tests.alerts.conftest import SMTP_PASSWORD, SMTP_USER
from tests.alerts.receiver import Receiver
from tests.alerts.support import payload
from tests.namespaces import run_python

SECRET = "whsec-0123456789abcdef"
REFUSED = "not a public address"
PRIVATE_HOSTS = ["127.0.0.1", "localhost", "[::1]", "10.0.0.1", "169.254.169.254", "2852039166",
                 "0xa9fea9fe", "192.168.1.1", "[fc00::1]"]


def _url_channels(url: str) -> dict[str, dict[str, Any]]:
    return {"hook": {"kind": "webhook", "url": url, "secret": SECRET},
            "slack": {"kind": "slack", "webhook_url": url}}


@pytest.fixture
def private_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYWATCH_ALLOW_PRIVATE_TARGETS", "0")


@pytest.mark.parametrize("url", ["ftp://hooks.example.com/x", "file:///etc/passwd",
                                 "gopher://hooks.example.com/x", "hooks.example.com/x"])
def test_channel_urls_must_be_http_even_when_private_targets_are_allowed(url: str) -> None:
    for name, cfg in _url_channels(url).items():
        with pytest.raises(AlertConfigError, match=rf"alerts\.channels\.{name}\.\w*url: .*must be an "
                                                   r"http:// or https:// URL"):
            load({"channels": {name: cfg}})


@pytest.mark.parametrize("host", PRIVATE_HOSTS)
def test_private_addresses_are_refused_at_config_load(host: str, private_refused: None) -> None:
    for name, cfg in _url_channels(f"http://{host}:8080/hook").items():
        with pytest.raises(AlertConfigError, match=rf"alerts\.channels\.{name}\.\w*url: .*{REFUSED}"):
            load({"channels": {name: cfg}})
    mail = {"kind": "email", "host": host.strip("[]"), "sender": "a@pw.test", "to": ["b@pw.test"]}
    with pytest.raises(AlertConfigError, match=rf"alerts\.channels\.mail\.host: .*(not a public|loopback)"):
        load({"channels": {"mail": mail}})


def test_private_addresses_load_when_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYWATCH_ALLOW_PRIVATE_TARGETS", "1")
    assert set(load({"channels": _url_channels("http://169.254.169.254/hook")}).channels) == {"hook", "slack"}


def _message(name: str) -> Message:
    return Message(f"change:1:{name}", [payload(1)], channel=name)


def test_a_url_from_the_environment_is_judged_when_sending(
        receiver: Receiver, private_refused: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_TEST_HOOK_URL", receiver.url("/hook"))
    channels = load({"channels": {"hook": {"kind": "webhook", "url_env": "PW_TEST_HOOK_URL", "secret": SECRET},
                                  "slack": {"kind": "slack", "webhook_url_env": "PW_TEST_HOOK_URL"}}}).channels
    for name, cfg in channels.items():
        with pytest.raises(ChannelError, match=f"refused.*127.0.0.1 is {REFUSED}") as refused:
            build(name, cfg).send(_message(name))
        assert refused.value.transient is False and "/hook" not in str(refused.value)
    assert receiver.requests == []
    monkeypatch.setenv("PW_TEST_HOOK_URL", "ftp://127.0.0.1/hook")
    with pytest.raises(ChannelError, match="must be an http:// or https:// URL"):
        build("hook", channels["hook"]).send(_message("hook"))


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_email_is_refused_when_sending_to_a_private_server(
        smtp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ctl, box = smtp
    cfg = load({"channels": {"mail": {"kind": "email", "host": "localhost", "port": ctl.port,
                                      "security": "none", "username": SMTP_USER, "password": SMTP_PASSWORD,
                                      "sender": "a@pw.test", "to": ["b@pw.test"]}}})
    channel = build("mail", cfg.channels["mail"])  # loaded while allowed, sent after it is not
    monkeypatch.setenv("POLICYWATCH_ALLOW_PRIVATE_TARGETS", "0")
    with pytest.raises(ChannelError, match="refused.*localhost is a loopback name") as refused:
        channel.send(_message("mail"))
    assert refused.value.transient is False
    assert box.messages == []
    monkeypatch.setenv("POLICYWATCH_ALLOW_PRIVATE_TARGETS", "1")
    channel.send(_message("mail"))
    assert len(box.messages) == 1


def test_a_public_receiver_redirecting_to_loopback_is_refused_at_that_hop(tmp_path: Path) -> None:
    """In a namespace where public.test is a public address on loopback (tests/namespaces.py)."""
    ran = run_python(tmp_path, "-m", "tests.alerts.publicnet_send", timeout=120)
    assert ran.returncode == 0, ran.stderr
    out = json.loads(ran.stdout)
    assert out.pop("receiver_requests") == 0
    assert out.pop("hook-ok") == {"sent": True} and out.pop("slack-ok") == {"sent": True}
    for name, result in out.items():
        assert result["sent"] is False and result["transient"] is False, name
        assert f"refused: PrivateAddressError: 127.0.0.1 is {REFUSED}" in result["error"], name
