"""Fixtures for the changes tests: everything is read from fixtures/, never from ../shared."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEVSET = ROOT / "fixtures" / "devset"
CLASSIFY = ROOT / "fixtures" / "classify"


def load_jsonl(path: Path) -> list[dict]:
    """Rows of a JSON-lines fixture."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def version_text(version_id: str) -> str:
    """Text of one stored version, e.g. 'contrib/privacy-policy/2024-09-19'."""
    return gzip.decompress((DEVSET / "versions" / f"{version_id}.md.gz").read_bytes()).decode("utf-8")


def pair_rows() -> dict[str, dict]:
    """Dev-set rows by id (the id is the new version)."""
    return {r["id"]: r for r in load_jsonl(DEVSET / "pairs.jsonl")}


def pair_texts(row: dict) -> tuple[str, str]:
    """(old, new) texts of a dev-set row."""
    read = lambda rel: gzip.decompress((DEVSET / rel).read_bytes()).decode("utf-8")  # noqa: E731
    return read(row["old"]), read(row["new"])
