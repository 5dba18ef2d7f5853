"""Replay LinkedIn on loopback with the shipped declarations, behind LinkedIn's kind of robots.txt.

Every declared URL is served from fixtures/html/replay.toml (real recorded copies where they
exist, real pages of the same template or marked synthetic pages otherwise), on two loopback
hosts standing for www.linkedin.com and in.linkedin.com, each with ``User-agent: *`` /
``Disallow: /``. The EU variant goes through a loopback egress proxy. With the shipped
``robots = "ignore"`` every document gets a version; switched to ``obey``, none is fetched.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.targets import PACKAGED_DECLARATIONS, load_targets
from tests.cli.test_check import FAST, policywatch
from tests.forwardproxy import ForwardProxy
from tests.httpserver import FIXTURES, PolicyTestServer, Reply

REPLAY = tomllib.loads((FIXTURES / "html" / "replay.toml").read_text(encoding="utf-8"))["pages"]
HOSTS = ("https://www.linkedin.com", "https://in.linkedin.com")
DISALLOW_ALL = b"User-agent: LinkedInBot\nAllow: /\n\nUser-agent: *\nDisallow: /\n"


@pytest.fixture(scope="module")
def linkedin() -> Iterator[dict[str, PolicyTestServer]]:
    """Loopback servers by the host they stand for, serving every page of replay.toml."""
    servers = {host: PolicyTestServer().start() for host in HOSTS}
    try:
        for host, server in servers.items():
            server.route("/robots.txt", lambda r, h: Reply(200, DISALLOW_ALL, {"Content-Type": "text/plain"}))
        for url, page in REPLAY.items():
            host, path = next((h, url.removeprefix(h)) for h in HOSTS if url.startswith(h))
            servers[host].set(path, (FIXTURES / page["file"]).read_bytes())
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def _declarations(tmp_path: Path, servers: dict[str, PolicyTestServer], robots: str) -> Path:
    text = (PACKAGED_DECLARATIONS / "linkedin.toml").read_text(encoding="utf-8")
    for host, server in servers.items():
        text = text.replace(host, server.base_url)
    text = text.replace('robots = "ignore"', f'robots = "{robots}"')
    path = tmp_path / "linkedin.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _replay(tmp_path: Path, servers: dict[str, PolicyTestServer], robots: str) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    for server in servers.values():
        server.reset_counts()
    env = {"POLICYWATCH_DB": f"sqlite:///{tmp_path / 'pw.db'}", "POLICYWATCH_CONFIG": str(tmp_path / "none.toml")}
    with ForwardProxy() as egress:
        checked = policywatch("check", "--targets", str(_declarations(tmp_path, servers, robots)), "--quiet",
                              "--format", "json", *FAST, env={**env, "POLICYWATCH_EGRESS_EU": egress.url})
    assert checked.returncode in (0, 1), checked.stderr
    documents = json.loads(policywatch("documents", "--format", "json", env=env).stdout)
    return checked.returncode, documents


def _page_hits(servers: dict[str, PolicyTestServer]) -> int:
    return sum(server.hits(url.split("linkedin.com", 1)[1]) for url in REPLAY for server in servers.values())


def test_every_declared_url_has_a_replay_page() -> None:
    assert {t.url for t in load_targets()} == set(REPLAY)
    assert {p["kind"] for p in REPLAY.values()} <= {"real", "stand-in", "synthetic"}
    unverified = {t.url for t in load_targets() if not t.selectors_verified}
    assert {u for u, p in REPLAY.items() if p["kind"] != "real"} == unverified


def test_shipped_declaration_versions_every_document(tmp_path: Path,
                                                     linkedin: dict[str, PolicyTestServer]) -> None:
    code, documents = _replay(tmp_path, linkedin, "ignore")
    declared = {t.id for t in load_targets()}
    versions = {d["slug"]: d["versions"] for d in documents}
    assert set(versions) == declared
    assert {slug: n for slug, n in versions.items() if n != 1} == {}, \
        {d["slug"]: d["last_check"] for d in documents if d["versions"] != 1}
    assert code == 0
    assert all(server.hits("/robots.txt") == 0 for server in linkedin.values())  # ignored: not even read


def test_obeying_robots_fetches_nothing(tmp_path: Path, linkedin: dict[str, PolicyTestServer]) -> None:
    code, documents = _replay(tmp_path, linkedin, "obey")
    assert code == 1
    assert {d["slug"]: d["versions"] for d in documents if d["versions"]} == {}
    assert {d["last_check"]["outcome"] for d in documents} == {"robots_disallowed"}
    assert len(documents) == len(load_targets())
    assert _page_hits(linkedin) == 0
    assert all(server.hits("/robots.txt") >= 1 for server in linkedin.values())
