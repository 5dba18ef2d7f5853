"""Declarations that lead to addresses that are not public are refused (allow_private_targets off):
written as addresses in any notation, resolved from names, and on every redirect hop."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from config.addresses import PrivateAddressError, check_literal, is_public
from crawler.targets import Target
from tests.cli.test_check import FAST, counts, policywatch, write_targets
from tests.crawler.childcrawl import run_crawl, run_rounds
from tests.httpserver import PolicyTestServer
from tests.namespaces import run_python

REFUSED = "not a public address"
OFF = {"POLICYWATCH_ALLOW_PRIVATE_TARGETS": "0"}

NOT_PUBLIC = ["127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
              "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "fc00::1", "fd12::1",
              "fe80::1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "ff02::1"]
PUBLIC = ["93.184.215.14", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111"]
#: Ways of writing a host that is not public, and the address each is.
SPELLINGS = {"2852039166": "169.254.169.254", "0xa9fea9fe": "169.254.169.254",
             "0251.0376.0251.0376": "169.254.169.254", "169.254.43518": "169.254.169.254",
             "127.1": "127.0.0.1", "0x7f.1": "127.0.0.1", "[::1]": "::1", "[fc00::1]": "fc00::1"}


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_addresses_that_are_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses(address: str) -> None:
    assert is_public(address)


@pytest.mark.parametrize(("host", "address"), SPELLINGS.items())
def test_every_spelling_of_an_address_is_judged_as_that_address(host: str, address: str) -> None:
    with pytest.raises(PrivateAddressError, match=REFUSED) as refused:
        check_literal(host)
    assert address in str(refused.value) or host.strip("[]") == address


def test_private_hosts_are_refused_before_any_request(tmp_path: Path, sqlite_url: str) -> None:
    with PolicyTestServer() as server:
        port = server.port
        routes = {"loopback": server.url("/legal/privacy-policy"),
                  "localhost": f"http://localhost:{port}/legal/privacy-policy",
                  "v6loopback": f"http://[::1]:{port}/legal/privacy-policy",
                  **{f"s{i}": f"http://{host}/latest/meta-data/" for i, host in enumerate(SPELLINGS)},
                  "ten": "http://10.0.0.1/", "metadata": "http://169.254.169.254/latest/meta-data/"}
        targets = tmp_path / "t.toml"
        targets.write_text('[platform]\nid = "p"\nname = "P"\nselect = ["#component-container"]\n' + "".join(
            f'[documents.{n}]\nname = "{n}"\nurl = "{u}"\n' for n, u in routes.items()))
        done = policywatch("check", "--db", sqlite_url, "--targets", str(targets), "--format", "json",
                           *FAST, env=OFF)
        assert done.returncode == 1, done.stderr
        lines = {ln["slug"].removeprefix("p/"): ln for ln in json.loads(done.stdout)}
        assert set(lines) == set(routes)
        for name, line in lines.items():
            assert line["outcome"] == "structural", (name, line)
            assert line["detail"].startswith("refused ") and REFUSED in line["detail"], (name, line)
            assert "POLICYWATCH_ALLOW_PRIVATE_TARGETS=1" in line["detail"]
        assert server.hits("/legal/privacy-policy") == 0 and server.hits("/robots.txt") == 0
        assert counts(sqlite_url)["versions"] == 0

        allowed = write_targets(tmp_path / "a.toml", server, {"loopback": "/legal/privacy-policy"})
        ok = policywatch("check", "--db", sqlite_url, "--targets", str(allowed), *FAST,
                         env={"POLICYWATCH_ALLOW_PRIVATE_TARGETS": "1"})
        assert ok.returncode == 0, ok.stderr
        assert server.hits("/legal/privacy-policy") == 1


def test_a_public_host_redirecting_to_a_private_one_is_refused_at_that_hop(tmp_path: Path) -> None:
    """In a namespace where public.test is a public address on loopback (tests/namespaces.py)."""
    ran = run_python(tmp_path, "-m", "tests.crawler.publicnet_check", str(tmp_path))
    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert report["returncode"] == 1, report["stderr"]
    lines = {ln["slug"].removeprefix("net/"): ln for ln in json.loads(report["stdout"])}
    for fetched in ("public", "by-address", "to-public"):
        assert lines.pop(fetched)["outcome"] == "new_version"
    assert lines["private-name"]["detail"].startswith("refused http://private.test:")
    assert "private.test resolves to 10.1.2.3" in lines["private-name"]["detail"]
    assert "169.254.169.254 is not a public address" in lines["to-metadata"]["detail"]
    assert "2852039166 (169.254.169.254) is not a public address" in lines["to-decimal"]["detail"]
    assert "localhost is a loopback name" in lines["to-localhost"]["detail"]
    for name, line in lines.items():
        assert line["outcome"] == "structural" and line["detail"].startswith("refused "), (name, line)
    # the redirects were followed up to the refused hop, and no refused hop reached the page
    assert report["hits"]["/pp"] == 3
    assert all(report["hits"][f"/{name}"] == 1 for name in lines if name.startswith("to-"))


@pytest.mark.browser
def test_in_the_browser_every_request_is_judged_too(tmp_path: Path) -> None:
    """Chromium follows redirects and loads sub-resources by itself: each of its connections
    goes through the fetch's guard proxy (crawler/guardproxy.py), so a redirect hop or a
    sub-resource on an address that is not public is refused, and the fetch is no version."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium)")
    ran = run_python(tmp_path, "-m", "tests.crawler.publicnet_check", str(tmp_path), "--browser")
    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)
    lines = {ln["slug"].removeprefix("net/"): ln for ln in json.loads(report["stdout"])}
    assert lines.pop("public")["outcome"] == "new_version", report["stderr"]
    for name, line in lines.items():
        assert line["outcome"] == "structural" and line["detail"].startswith("refused "), (name, line)
        assert "(a request of the browser fetching http://public.test:" in line["detail"], line
    assert "127.0.0.1 is not a public address" in lines["to-loopback"]["detail"]
    assert "private.test resolves to 10.1.2.3" in lines["to-private-name"]["detail"]
    assert re.search(r"refused http://(127\.0\.0\.1|private\.test):\d+/(pixel\.png|beacon) ",
                     lines["subresources"]["detail"]), lines["subresources"]
    assert "(and 1 more)" in lines["subresources"]["detail"]
    # the refused hops and sub-resources never reached the server; the public page did
    assert report["hits"]["/pixel.png"] == report["hits"]["/beacon"] == 0
    assert report["hits"]["/with-subresources"] == 1 and report["hits"]["/pp"] == 1
    assert report["hits"]["/to-loopback"] == report["hits"]["/to-private-name"] == 1


def _named(server: PolicyTestServer, name: str) -> Target:
    return Target(id=f"t/{name}", platform="t", name=name, url=f"http://localhost:{server.port}/policy",
                  select=["#component-container"], min_length=100)


def test_an_egress_proxy_on_a_private_address_is_used(tmp_path: Path) -> None:
    """Egress proxies are exempt: the proxy (here on loopback) resolves the document's name."""
    ran = run_python(tmp_path, "-m", "tests.crawler.publicnet_check", str(tmp_path), "--via-proxy")
    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert report["returncode"] == 0, report["stderr"]
    [line] = json.loads(report["stdout"])
    assert line["outcome"] == "new_version", line
    assert report["proxied"] >= 1


def test_the_daemons_rounds_refuse_private_names_too(http_server: PolicyTestServer) -> None:
    """The daemon's CrawlerRunner installs no resolver of its own: the middleware installs one."""
    rows = run_rounds([_named(http_server, "local")], rounds=2,
                      settings={"POLICYWATCH_ALLOW_PRIVATE_TARGETS": False})
    assert [(n, r.outcome) for n, r in rows] == [(0, "structural"), (1, "structural")]
    assert all("localhost is a loopback name" in r.detail for _, r in rows)
    assert http_server.hits("/policy") == 0


def test_the_download_itself_connects_only_to_public_addresses(http_server: PolicyTestServer) -> None:
    """A name judged public by the middleware that resolves to a private address when the
    download connects (DNS rebinding; tests/crawler/guarding.py stands for the first answer):
    the resolver the download connects through refuses it."""
    results = run_crawl([_named(http_server, "local")], settings={
        "POLICYWATCH_ALLOW_PRIVATE_TARGETS": False,
        "DOWNLOADER_MIDDLEWARES": {"crawler.middlewares.PublicAddressMiddleware": None,
                                   "tests.crawler.guarding.GuardWithoutChecking": 50}})
    assert results["t/local"].outcome == "transient"
    assert "DNS lookup failed" in results["t/local"].detail
    assert http_server.hits("/policy") == 0
