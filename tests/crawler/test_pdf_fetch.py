"""PDF documents end to end: `policywatch check` (a real process, the real spider) fetches real
PDFs from a loopback server into a real database; versions and diffs as for HTML."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_check import FAST, counts, policywatch
from tests.httpserver import PolicyTestServer

PDFS = Path(__file__).resolve().parents[2] / "fixtures" / "pdf"
OLD = (PDFS / "cookie-policy-2022-01-28.pdf").read_bytes()
NEW = (PDFS / "cookie-policy-2022-06-03.pdf").read_bytes()
PDF = {"Content-Type": "application/pdf"}


def _check(targets: Path, db: str) -> dict[str, dict[str, str]]:
    done = policywatch("check", "--db", db, "--targets", str(targets), "--format", "json", *FAST)
    assert done.stdout, done.stderr
    return {line["slug"]: line for line in json.loads(done.stdout)}


def test_pdf_versions_and_diff(http_server: PolicyTestServer, tmp_path: Path, sqlite_url: str) -> None:
    server = http_server
    served = server.url("/legal/cookie-policy.pdf")
    declared = server.url("/download?doc=cookies")  # mislabelled as HTML, declared a PDF
    targets = tmp_path / "t.toml"
    targets.write_text('[platform]\nid = "t"\nname = "T"\nmin_length = 1000\n'
                       f'[documents.served]\nname = "Served"\nurl = "{served}"\n'
                       f'[documents.declared]\nname = "Declared"\nurl = "{declared}"\ncontent_type = "pdf"\n')
    server.set("/legal/cookie-policy.pdf", OLD, PDF, conditional=False)
    server.set("/download", OLD, {"Content-Type": "text/html"}, conditional=False)

    first = _check(targets, sqlite_url)
    for slug in ("t/served", "t/declared"):
        assert first[slug]["outcome"] == "new_version", first[slug]
        assert "PDF" in first[slug]["detail"]
    shown = policywatch("show", "t/served", "--db", sqlite_url).stdout
    assert shown.startswith("Cookie Policy\n\nEffective on January 20, 2022\n\n")
    assert "Page 1 of" not in shown and "LinkedIn Cookie Policy" not in shown

    again = _check(targets, sqlite_url)  # the same bytes again (no validators): nothing new
    assert again["t/served"]["outcome"] == "unchanged"
    assert counts(sqlite_url)["versions"] == 2

    server.set("/legal/cookie-policy.pdf", NEW, PDF, conditional=False)
    changed = _check(targets, sqlite_url)
    assert changed["t/served"]["outcome"] == "new_version"
    assert changed["t/declared"]["outcome"] == "unchanged"
    assert counts(sqlite_url)["versions"] == 3
    reextracted = policywatch("reextract", "t/served", "--db", sqlite_url, "--targets", str(targets))
    assert reextracted.stdout == "t/served: unchanged\n", reextracted.stdout + reextracted.stderr
    diff = json.loads(policywatch("diff", "t/served", "--db", sqlite_url, "--format", "json").stdout)
    assert diff["material"] is True
    # each change is a sentence unit; its edits are only the changed words
    pairs = {(" ".join(t.strip() for op, t in h["edits"] if op == "-"),
              " ".join(t.strip() for op, t in h["edits"] if op == "+")) for h in diff["changes"]}
    assert ("January 20", "June 3") in pairs, pairs
    assert ("for up to 30 days", "until the expiration of the cookie") in pairs, pairs
    assert all(sum(len(t) for op, t in h["edits"] if op != "=") < 80 for h in diff["changes"]), "only the changed words"

    server.set("/legal/cookie-policy.pdf", NEW[: len(NEW) * 2 // 3], PDF, conditional=False)
    broken = _check(targets, sqlite_url)["t/served"]
    assert broken["outcome"] == "structural"
    assert broken["detail"] == "PDF appears truncated (no %%EOF marker at its end)"
    assert counts(sqlite_url)["versions"] == 3
