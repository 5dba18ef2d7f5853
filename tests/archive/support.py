"""Helpers of the archive tests: the CLI as a process, declarations, the database's state."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from store import Store
from store.models import Alert, Capture, Change, Check, Version

ROOT = Path(__file__).resolve().parents[2]
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=1",
        "-s", "POLICYWATCH_RETRY_BACKOFF_BASE=0.05"]
#: The page the recorded captures are of (fixtures/wayback/README.md).
ORIGINAL = "https://fr.linkedin.com/legal/l/service-terms"
DOC = "linkedin/service-terms"


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", *args]


def policywatch(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), capture_output=True, text=True, timeout=240,
                          env={**os.environ, **(env or {})}, cwd=ROOT)


def declarations(tmp_path: Path) -> Path:
    """The shipped LinkedIn declarations, the Service Terms at the French edition's URL."""
    text = (ROOT / "crawler" / "declarations" / "linkedin.toml").read_text(encoding="utf-8")
    path = tmp_path / "linkedin.toml"
    path.write_text(text.replace("https://www.linkedin.com/legal/l/service-terms", ORIGINAL),
                    encoding="utf-8")
    return path


def alerting_config(tmp_path: Path) -> Path:
    """A config with a channel that takes every material change: a live check would alert."""
    path = tmp_path / "config.toml"
    path.write_text('[alerts.channels.hook]\nkind = "webhook"\nurl = "http://127.0.0.1:9/hook"\n'
                    'secret = "s3cret"\nmin_severity = "low"\n', encoding="utf-8")
    return path


def state(db_url: str) -> dict[str, Any]:
    """Everything backfill or import writes, without ids, ports or wall-clock times."""
    store = Store(db_url)
    with store.session() as s:
        versions = list(s.scalars(select(Version).order_by(Version.fetched_at, Version.id)))
        sha = {v.id: v.text_sha256 for v in versions}
        chain = {(v.previous_id, v.id) for v in versions}
        out = {
            "versions": [(v.document.slug, v.fetched_at, v.text_sha256, v.origin, v.archive_url,
                          sha.get(v.previous_id or -1), v.technical) for v in versions],
            "captures": [(c.source, c.key, c.captured_at, c.outcome, sha.get(c.version_id or -1))
                         for c in s.scalars(select(Capture).order_by(Capture.captured_at))],
            # the change of each version from its predecessor (a version placed before a later
            # one by date leaves the later one's change from its old predecessor stored, unused)
            "changes": sorted((sha[c.old_version_id], sha[c.new_version_id], c.severity,
                               tuple(c.labels)) for c in s.scalars(select(Change))
                              if (c.old_version_id, c.new_version_id) in chain),
            "alerts": s.scalar(select(func.count()).select_from(Alert)),
            "checks": s.scalar(select(func.count()).select_from(Check)),
        }
    store.dispose()
    return out
