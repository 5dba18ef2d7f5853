"""Messages that stand alone, as each channel kind's real receiver gets them: LinkedIn's September
2024 privacy-policy change (the recorded versions through the real pipeline) says what was removed
and what was added, in whole sentences, under its section, with the detection time, the policy's
effective date and links; digests lead with the most severe; test alerts say they are tests."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sqlalchemy import select

from alerts.channels.slack import blocks_for
from alerts.dispatch import Dispatcher
from alerts.message import Message
from alerts.payload import effective_date, shorten
from cli.alerts import test_alert as send_test_alert
from changes.reading import reading
from store import Store
from store.models import Change
from tests.alerts.conftest import SMTP_PASSWORD, SMTP_USER
from tests.alerts.receiver import Receiver
from tests.alerts.slack_api import CHANNEL, TOKEN, SlackAPI
from tests.alerts.support import payload, write_config
from tests.alerts.test_outbox import _versions
from tests.builders import Target, corpus_versions, replay

REMOVED = ("We use the data that we have about you to provide and personalize our Services, including "
           "with the help of automated systems and inferences we make, so that our Services (including "
           "ads) can be more relevant and useful to you and others.")
ADDED = ("We may use your personal data to improve, develop, and provide products and Services, develop "
         "and train artificial intelligence (AI) models, develop, provide, and personalize our Services, "
         "and gain insights with the help of AI, automated systems, and inferences, so that our Services "
         "can be more relevant and useful to you and others.")
SECTION = "2. How We Use Your Data"
KINDS = ("slack", "slack_bot", "email", "webhook", "apprise")


def _channels(receiver: Receiver, api: SlackAPI, smtp_port: int) -> dict[str, Any]:
    return {
        "slack": {"kind": "slack", "webhook_url": receiver.url("/slack")},
        "slack_bot": {"kind": "slack_bot", "token_env": "PW_TEST_SLACK_TOKEN", "channel": CHANNEL,
                      "api_url": api.api_url},
        "email": {"kind": "email", "host": "127.0.0.1", "port": smtp_port, "security": "none",
                  "username": SMTP_USER, "password": SMTP_PASSWORD, "sender": "alerts@pw.test",
                  "to": ["privacy@x.test"]},
        "webhook": {"kind": "webhook", "url": receiver.url("/hook"), "secret": "k" * 16},
        "apprise": {"kind": "apprise", "url": f"json://127.0.0.1:{receiver.port}/apprise"},
    }


def _mrkdwn(blocks: list[dict[str, Any]]) -> list[str]:
    """Every text a Slack reader sees in blocks, button URLs included."""
    out = []
    for b in blocks:
        out += [b["text"]["text"]] if "text" in b else []
        out += [e.get("text", "") if isinstance(e.get("text"), str) else e["text"]["text"]
                for e in b.get("elements", [])]
        out += [e["url"] for e in b.get("elements", []) if "url" in e]
    return out


def received(kind: str, receiver: Receiver, api: SlackAPI, box: Any) -> str:
    """What the receiver of ``kind`` got, as the plain text a reader sees (markup removed)."""
    if kind == "slack":
        body = next(d for d in receiver.accepted if d.path == "/slack").json()
        text = "\n".join(_mrkdwn(body["blocks"]))
    elif kind == "slack_bot":
        text = "\n".join(_mrkdwn(api.history[0]["blocks"]))
    elif kind == "email":
        mail = box.messages[-1][1]
        page = mail.get_body(("html",)).get_content()
        hrefs = "\n".join(re.findall(r'href="([^"]+)"', page))
        text = f"Subject: {mail['Subject']}\n" + mail.get_body(("plain",)).get_content() + "\n" + \
            html.unescape(re.sub(r"<[^>]+>", "", page)) + "\n" + html.unescape(hrefs)
    elif kind == "webhook":
        text = next(d for d in receiver.accepted if d.path == "/hook").json()["text"]
    else:
        body = next(d for d in receiver.accepted if d.path == "/apprise").json()
        text = body["title"] + "\n" + body["message"]
    return text.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&").replace("*", "")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("kind", KINDS)
def test_september_2024_change_stands_alone_in_every_channel(
        kind: str, db_url: str, receiver: Receiver, slack_api: SlackAPI, smtp: Any,
        isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_TEST_SLACK_TOKEN", TOKEN)
    write_config(isolated_config, {"channels": {kind: _channels(receiver, slack_api, smtp[0].port)[kind]}})
    store = Store(db_url)
    replay(store, Target(), _versions("2024-08-01", "2024-09-19"))
    assert Dispatcher(store).run_once()["sent"] == 1
    text = received(kind, receiver, slack_api, smtp[1])
    # what was removed and what was added, labelled, whole, under its section, the removed first
    assert re.search(r"Removed:\s*(\n>)?“?" + re.escape(REMOVED), text), text
    assert re.search(r"Added:\s*(\n>)?“?" + re.escape(ADDED), text), text
    assert text.index(REMOVED) < text.index(ADDED)
    assert SECTION in text[:text.index(REMOVED)]
    assert not re.search(r"\w…", text)  # nothing cut mid-word
    # the units as the web page and the command line read them: the two most severe first, in
    # order, the minor edits summarised in one line
    with store.session() as s:
        r = reading(s.scalars(select(Change)).one().result["changes"])
    first, second = (f"§ {u.section}" for u in r.open[:2])
    assert first == f"§ {SECTION}" and text.index(first) < text.index(second), text
    assert r.minor_summary() and r.minor_summary() in text, text
    # when: detected (the fetch of the new version), effective as the policy states
    assert "2024-09-19 06:00 UTC" in text and "September 18, 2024" in text
    # links: the diff, the version, the live page
    for link in ("http://pw.test/d/linkedin/privacy-policy/diff/1..2",
                 "http://pw.test/d/linkedin/privacy-policy/v/2",
                 "https://www.linkedin.com/legal/privacy-policy"):
        assert link in text, link
    assert "[TEST]" not in text


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("kind", KINDS)
def test_test_alert_is_marked_as_a_test_in_every_channel(
        kind: str, sqlite_url: str, receiver: Receiver, slack_api: SlackAPI, smtp: Any,
        isolated_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PW_TEST_SLACK_TOKEN", TOKEN)
    write_config(isolated_config, {"channels": {kind: _channels(receiver, slack_api, smtp[0].port)[kind]}})
    replay(Store(sqlite_url), Target(), _versions("2024-08-01", "2024-09-19"))  # a populated database
    out = CliRunner().invoke(send_test_alert, [kind, "--db", sqlite_url])
    assert out.exit_code == 0, out.output
    text = received(kind, receiver, slack_api, smtp[1])
    first = text.removeprefix("Subject: ").lstrip().splitlines()[0]
    assert first.startswith("[TEST] [HIGH] PolicyWatch: LinkedIn Privacy Policy changed"), first
    assert "This is a TEST alert" in text and ADDED in text


def test_digest_leads_with_the_most_severe_and_links_to_the_rest() -> None:
    payloads = [{**payload(i, severity=("low", "high", "medium")[i % 3]),
                 "more_link": "http://pw.test/changes"} for i in range(40)]
    message = Message("digest:slack:1", payloads, digest=True, channel="slack")
    assert [p["severity"] for p in message.payloads] == ["high"] * 13 + ["medium"] * 13 + ["low"] * 14
    text = message.text()
    assert text.index("[HIGH] LinkedIn") < text.index("[MEDIUM] LinkedIn") < text.index("[LOW] LinkedIn")
    last = blocks_for(message)[-1]["elements"][0]["text"]
    assert re.fullmatch(r"…and \d+ more alerts <http://pw\.test/changes\|in the web UI>", last), last
    shown = " ".join(_mrkdwn(blocks_for(message)))
    assert shown.count(":red_circle:") >= 10 and ":large_blue_circle:" not in shown  # high ones first


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("One sentence. Two sentences here.", 100, "One sentence. Two sentences here."),
    ("One sentence. Two sentences here.", 20, "One sentence. …"),
    ("so that our Services can be more relevant and useful", 30, "so that our Services can be …"),
])
def test_shortening_keeps_whole_sentences_or_words(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected


@pytest.mark.parametrize(("day", "expected"), [("2024-09-19", "September 18, 2024"),
                                               ("2025-11-03", "November 3, 2025")])
def test_effective_date_read_from_the_recorded_policy(day: str, expected: str) -> None:
    (version,) = [r for r in corpus_versions("contrib", "privacy-policy") if r.name == day]
    assert effective_date(version.text()) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Effective: November 3, 2025", "November 3, 2025"), ("Last updated: 3 November 2025", "3 November 2025"),
    ("Effective Aug 21, 2026", "Aug 21, 2026"), ("Last Updated on Nov. 3, 2025", "Nov. 3, 2025"),
    ("effective as of Mayday 2", None)])
def test_effective_date_forms(text: str, expected: str | None) -> None:
    assert effective_date(text) == expected


def test_a_unit_quotes_its_parts_under_their_sections_and_the_rest_is_summarised() -> None:
    """A reading unit's further changes are quoted under their own section (escaped wherever the
    channel has markup), and what the message leaves out is named: units not shown, minor edits."""
    from alerts.channels.email import entry_html
    from alerts.message import entry_text, more_edits, quotes

    p = payload(1)
    p["hunks"][0]["parts"] = [{"section": "Ad <b>Choices</b>", "kind": "added", "removed": "",
                               "added": "Member settings can be found here."}]
    p["hunks_total"], p["minor"] = 3, "27 minor edits in sections 1. Data We Collect"
    assert quotes(p["hunks"][0]) == [("Removed", "provide the Services <old>"), ("Added", "train AI models & more 1"),
                                     ("Added (Ad <b>Choices</b>)", "Member settings can be found here.")]
    assert more_edits(p) == "2 more changes and 27 minor edits in sections 1. Data We Collect in the full diff"
    assert "Added (Ad <b>Choices</b>): “Member settings can be found here.”" in entry_text(p)
    page = entry_html(p)
    assert "<b>Choices</b>" not in page and "Added (Ad &lt;b&gt;Choices&lt;/b&gt;)" in page
    p["hunks_total"], p["minor"] = 1, ""
    assert more_edits(p) == "" and "Also:" not in entry_text(p)
