"""`policywatch reextract`: a declaration change re-bases history without a spurious change."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_check import FAST, policywatch, write_targets
from tests.httpserver import LINKEDIN_PAGES, PolicyTestServer


def test_reextract_makes_a_technical_version_that_never_alerts(tmp_path: Path,
                                                                 sqlite_url: str) -> None:
    with PolicyTestServer() as server:
        server.set("/pp", LINKEDIN_PAGES["/legal/privacy-policy"].read_bytes())
        before = write_targets(tmp_path / "before.toml", server, {"pp": "/pp"})
        assert policywatch("check", "--db", sqlite_url, "--targets", str(before),
                           *FAST).returncode == 0
        # the declaration now also strips the page's callout boxes
        after = tmp_path / "after.toml"
        after.write_text(before.read_text().replace(
            'min_length = 200', 'min_length = 200\nremove = [".callout"]'))

        done = policywatch("reextract", "--db", sqlite_url, "--targets", str(after),
                           "--format", "json")
        assert done.returncode == 0, done.stderr
        [line] = json.loads(done.stdout)
        assert line["result"].startswith("technical version")

        history = json.loads(policywatch("history", "test/pp", "--db", sqlite_url,
                                         "--format", "json").stdout)
        assert [v["technical"] for v in history] == [False, True]
        assert history[1]["change"] is None, "a technical version is never classified or alerted"

        # the next crawl with the new declaration matches the technical version: no new version
        again = policywatch("check", "--db", sqlite_url, "--targets", str(after),
                            "--format", "json", *FAST)
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)[0]["outcome"] == "unchanged"

        # running reextract twice changes nothing
        twice = policywatch("reextract", "--db", sqlite_url, "--targets", str(after),
                            "--format", "json")
        assert json.loads(twice.stdout)[0]["result"] == "unchanged"
