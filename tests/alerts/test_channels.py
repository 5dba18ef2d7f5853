"""Each channel against a real server on loopback: SMTP (aiosmtpd), Slack and webhook (HTTP)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from alerts.channels import REGISTRY, build
from alerts.channels.slack import MAX_BLOCKS, MAX_HEADER, MAX_SECTION, blocks_for
from alerts.channels.webhook import verify
from alerts.config import load
from alerts.errors import ChannelError
from alerts.message import Message
from tests.alerts.conftest import SMTP_PASSWORD, SMTP_USER
from tests.alerts.receiver import Receiver
from tests.alerts.support import free_port, payload

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

HOOK_SECRET = "whsec-0123456789abcdef"


def _channel(name: str, cfg: dict[str, Any]) -> Any:
    return build(name, load({"channels": {name: cfg}}).channels[name])


def test_registry_is_explicit() -> None:
    assert set(REGISTRY) == {"slack", "slack_bot", "email", "webhook", "apprise"}


def test_email_reaches_a_real_smtp_server_with_both_parts(smtp: Any) -> None:
    ctl, box = smtp
    ch = _channel("mail", {"kind": "email", "host": "127.0.0.1", "port": ctl.port, "security": "none",
                           "username": SMTP_USER, "password": SMTP_PASSWORD,
                           "sender": "PolicyWatch <alerts@pw.test>", "to": ["a@x.test", "b@x.test"]})
    msg = Message("change:7:mail", [payload(7)], channel="mail")
    ch.send(msg)
    ch.send(msg)  # a re-send keeps the same Message-ID, so receivers can drop it
    assert len(box.messages) == 2
    envelope, mail = box.messages[0]
    assert envelope.rcpt_tos == ["a@x.test", "b@x.test"]
    assert mail["Subject"].startswith("[HIGH] PolicyWatch: LinkedIn Privacy Policy (eu) changed")
    assert mail["Message-ID"].endswith("@pw.test>") and mail["Date"]
    assert mail["Message-ID"] == box.messages[1][1]["Message-ID"]
    assert mail["X-PolicyWatch-Delivery"] == "change:7:mail"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "AI training" in text and "Added: “train AI models & more 7”" in text
    assert "Policy effective: September 18, 2024" in text and "http://pw.test/changes/7" in text
    assert "background:#ffebe9" in html and "<b>Removed:</b> provide the Services &lt;old&gt;" in html
    assert "train AI models &amp; more 7" in html


def test_email_digest_is_one_mail(smtp: Any) -> None:
    ctl, box = smtp
    ch = _channel("mail", {"kind": "email", "host": "127.0.0.1", "port": ctl.port, "security": "none",
                           "username": SMTP_USER, "password": SMTP_PASSWORD,
                           "sender": "alerts@pw.test", "to": ["a@x.test"]})
    ch.send(Message("digest:mail:1", [payload(1, "low"), payload(2, "high"), payload(3, "medium")],
                    digest=True))
    (_, mail), = box.messages
    assert mail["Subject"] == "[HIGH] PolicyWatch digest: 3 changes"
    text = mail.get_body(("plain",)).get_content()
    assert all(f"http://pw.test/changes/{i}" in text for i in (1, 2, 3))


def test_email_over_starttls_with_auth(smtp_tls: Any) -> None:
    ctl, box, ca = smtp_tls
    ch = _channel("mail", {"kind": "email", "host": "127.0.0.1", "port": ctl.port,
                           "security": "starttls", "ca_file": str(ca), "username": SMTP_USER,
                           "password": SMTP_PASSWORD, "sender": "alerts@pw.test", "to": ["a@x.test"]})
    ch.send(Message("k1", [payload(1)]))
    assert len(box.messages) == 1


def test_email_failures_name_no_password(smtp: Any, caplog: pytest.LogCaptureFixture) -> None:
    ctl, _ = smtp
    caplog.set_level(logging.DEBUG)
    ch = _channel("mail", {"kind": "email", "host": "127.0.0.1", "port": ctl.port, "security": "none",
                           "username": SMTP_USER, "password": "wrong-" + SMTP_PASSWORD,
                           "sender": "alerts@pw.test", "to": ["a@x.test"]})
    with pytest.raises(ChannelError) as err:
        ch.send(Message("k1", [payload(1)]))
    assert "authentication failed" in str(err.value)
    assert SMTP_PASSWORD not in str(err.value) + caplog.text


def test_slack_block_kit_within_limits(receiver: Receiver) -> None:
    ch = _channel("slack", {"kind": "slack", "webhook_url": receiver.url("/services/T0/B0/xyz")})
    ch.send(Message("change:1:slack", [payload(1)]))
    body = receiver.accepted[0].json()
    assert receiver.accepted[0].path == "/services/T0/B0/xyz"
    assert body["blocks"][0]["type"] == "header"
    assert "AI training" in json.dumps(body["blocks"]) and body["text"].startswith("[HIGH]")
    button = [b for b in body["blocks"] if b["type"] == "actions"][0]["elements"][0]
    assert button["url"] == "http://pw.test/changes/1"


def test_slack_digest_of_many_long_alerts_stays_within_limits() -> None:
    big = [payload(i) for i in range(40)]
    for p in big:
        p["evidence"]["ai_training"] = ["x" * 5000]
        p["hunks"] = p["hunks"] * 8
        p["hunks_total"] = 90
    blocks = blocks_for(Message("digest:slack:1", big, digest=True))
    assert len(blocks) <= MAX_BLOCKS
    assert len(blocks[0]["text"]["text"]) <= MAX_HEADER
    assert all(len(b["text"]["text"]) <= MAX_SECTION for b in blocks if b["type"] == "section")
    assert "more alerts in the web UI" in json.dumps(blocks[-1])


def test_webhook_is_signed_and_keyed(receiver: Receiver) -> None:
    ch = _channel("hook", {"kind": "webhook", "url": receiver.url("/hook"), "secret": HOOK_SECRET,
                           "headers": {"X-Team": "privacy"}})
    ch.send(Message("change:3:hook", [payload(3)], channel="hook"))
    d = receiver.accepted[0]
    assert verify(HOOK_SECRET, d.headers["X-PolicyWatch-Timestamp"], d.body,
                  d.headers["X-PolicyWatch-Signature"])
    assert not verify("other", d.headers["X-PolicyWatch-Timestamp"], d.body,
                      d.headers["X-PolicyWatch-Signature"])
    assert d.headers["Idempotency-Key"] == d.key == "change:3:hook"
    assert d.headers["X-Team"] == "privacy"
    doc = d.json()
    assert doc["alerts"][0]["labels"] == ["ai_training"] and doc["severity"] == "high"


@pytest.mark.parametrize("failure", ["500", "refused"])
def test_failing_channels_never_leak_secrets(failure: str, receiver: Receiver,
                                             caplog: pytest.LogCaptureFixture,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    caplog.set_level(logging.DEBUG)
    port = receiver.port if failure == "500" else free_port()
    receiver.default = "500"
    slack_url = f"http://127.0.0.1:{port}/services/T000/B000/slack-secret-path"
    hook_url = f"http://127.0.0.1:{port}/hook?token=hook-secret-token"
    monkeypatch.setenv("TEST_SLACK_URL", slack_url)
    channels = [
        _channel("slack", {"kind": "slack", "webhook_url_env": "TEST_SLACK_URL"}),
        _channel("hook", {"kind": "webhook", "url": hook_url, "secret": HOOK_SECRET}),
    ]
    errors = []
    for ch in channels:
        with pytest.raises(ChannelError) as err:
            ch.send(Message("k", [payload(1)]))
        errors.append(str(err.value))
    seen = " ".join(errors) + caplog.text
    assert ("HTTP 500" in seen) == (failure == "500")
    for secret in ("slack-secret-path", "/services/T000", "hook-secret-token", HOOK_SECRET):
        assert secret not in seen, secret


def test_config_errors_name_the_key_and_hide_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    from alerts.errors import AlertConfigError

    with pytest.raises(AlertConfigError, match=r"alerts\.channels\.s\.min_severity"):
        load({"channels": {"s": {"kind": "slack", "webhook_url": "x", "min_severity": "urgent"}}})
    with pytest.raises(AlertConfigError, match=r"alerts\.channels\.s\.colour"):
        load({"channels": {"s": {"kind": "slack", "webhook_url": "x", "colour": "red"}}})
    with pytest.raises(AlertConfigError, match=r"alerts\.max_attemps"):
        load({"max_attemps": 3})
    with pytest.raises(AlertConfigError, match="webhook_url or webhook_url_env"):
        load({"channels": {"s": {"kind": "slack"}}})
    cfg = load({"channels": {"h": {"kind": "webhook", "url": "http://x/very-secret",
                                   "secret_env": "NOPE_UNSET"}}})
    assert "very-secret" not in repr(cfg)
    monkeypatch.delenv("NOPE_UNSET", raising=False)
    with pytest.raises(AlertConfigError, match="NOPE_UNSET"):
        build("h", cfg.channels["h"]).check()


def test_config_file_is_the_default_source(isolated_config: Path) -> None:
    from alerts.config import current
    from tests.alerts.support import write_config

    write_config(isolated_config, {"max_attempts": 3, "channels": {
        "e": {"kind": "email", "host": "h", "sender": "a@b", "to": ["c@d"], "mode": "digest"}}})
    cfg = current()
    assert cfg.max_attempts == 3 and cfg.channels["e"].mode == "digest"


@pytest.mark.parametrize(("kind", "cfg"), [
    ("webhook", {"url": "ftp://127.0.0.1/hook", "secret": "k" * 16}),
    ("slack", {"webhook_url": "file:///etc/passwd"}),
    ("slack_bot", {"token": "xoxb-1", "channel": "C1", "api_url": "gopher://127.0.0.1/"}),
])
def test_non_http_targets_are_refused_before_sending(kind: str, cfg: dict[str, Any]) -> None:
    from alerts.errors import AlertConfigError

    with pytest.raises(AlertConfigError, match="only http and https|must be an http:// or https:// URL"):
        _channel("x", {"kind": kind, **cfg}).check()
