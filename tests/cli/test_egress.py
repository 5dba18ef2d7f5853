"""A variant that must be fetched from the EU goes through the configured EU egress, or nowhere.

The loopback server answers like LinkedIn, by visitor location: the EU text to requests that
come from the egress's address (through tests/forwardproxy.py), the global text otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_check import FAST, policywatch
from tests.forwardproxy import EGRESS_ADDRESS, ForwardProxy
from tests.httpserver import PolicyTestServer, RecordedRequest, Reply

EU_TEXT = "As a member in the European Union, you can object to this processing."
GLOBAL_TEXT = "This Privacy Policy applies to members everywhere in the world."


def _page(sentence: str) -> bytes:
    paras = "".join(f"<p>{sentence} Paragraph {i}.</p>" for i in range(6))
    return (f'<!DOCTYPE html><html><head><title>Privacy Policy</title></head><body>'
            f'<main id="component-container"><h1>Privacy Policy</h1>{paras}</main></body></html>').encode()


def _by_location(request: RecordedRequest, hit: int) -> Reply:
    from_eu = request.client == EGRESS_ADDRESS
    return Reply(200, _page(EU_TEXT if from_eu else GLOBAL_TEXT), {"Content-Type": "text/html; charset=utf-8"})


@pytest.fixture
def site() -> Iterator[PolicyTestServer]:
    with PolicyTestServer() as server:
        server.route("/legal/privacy-policy", _by_location)
        yield server


def _declare(tmp_path: Path, server: PolicyTestServer) -> Path:
    path = tmp_path / "geo.toml"
    path.write_text(f'''
[platform]
id = "geo"
name = "Geo"
select = ["#component-container"]
min_length = 100

[documents.privacy]
name = "Privacy Policy"
url = "{server.url('/legal/privacy-policy')}"

[documents.privacy.variants.eu]
language = "en-GB"
egress = "eu"
''', encoding="utf-8")
    return path


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"POLICYWATCH_DB": f"sqlite:///{tmp_path / 'pw.db'}",
            "POLICYWATCH_CONFIG": str(tmp_path / "config.toml"), **extra}


def test_without_an_egress_proxy_the_variant_is_not_configured_and_not_fetched(
        tmp_path: Path, site: PolicyTestServer) -> None:
    decl, env = _declare(tmp_path, site), _env(tmp_path)
    listed = policywatch("targets", "--targets", str(decl), env=env)
    assert listed.returncode == 0, listed.stderr
    assert "eu (egress eu not configured)" in listed.stdout
    as_json = {t["id"]: t for t in json.loads(policywatch("targets", "--targets", str(decl), "--format", "json",
                                                          env=env).stdout)}
    assert as_json["geo/privacy@eu"]["configured"] is False and as_json["geo/privacy"]["configured"] is True

    checked = policywatch("check", "--targets", str(decl), *FAST, env=env)
    assert checked.returncode == 0, checked.stderr
    assert "not fetching geo/privacy@eu" in checked.stderr
    assert [r.client for r in site.requests("/legal/privacy-policy")] == ["127.0.0.1"]  # the global one only

    status = json.loads(policywatch("status", "--targets", str(decl), "--format", "json", env=env).stdout)
    eu = next(d for d in status["documents"] if d["document"] == "geo/privacy@eu")
    assert eu["configured"] is False and "not configured" in eu["detail"] and not eu["problems"]
    text_status = policywatch("status", "--targets", str(decl), env=env).stdout
    assert "not configured" in text_status


@pytest.mark.parametrize("how", ["env", "config-file"])
def test_the_variant_is_fetched_through_its_egress(tmp_path: Path, site: PolicyTestServer, how: str) -> None:
    decl = _declare(tmp_path, site)
    with ForwardProxy() as proxy:
        if how == "env":
            env = _env(tmp_path, POLICYWATCH_EGRESS_EU=proxy.url)
        else:
            (tmp_path / "config.toml").write_text(f'[egress]\neu = "{proxy.url}"\n', encoding="utf-8")
            env = _env(tmp_path)
        assert "eu via egress eu" in policywatch("targets", "--targets", str(decl), env=env).stdout
        checked = policywatch("check", "--targets", str(decl), *FAST, env=env)
        assert checked.returncode == 0, checked.stderr
        assert proxy.forwarded == [site.url("/robots.txt"), site.url("/legal/privacy-policy")]
    eu = policywatch("show", "geo/privacy@eu", env=env)
    world = policywatch("show", "geo/privacy", env=env)
    assert EU_TEXT in eu.stdout and GLOBAL_TEXT not in eu.stdout
    assert GLOBAL_TEXT in world.stdout and EU_TEXT not in world.stdout
