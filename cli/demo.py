"""`policywatch demo`: the product working offline, on real recorded LinkedIn history."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from cli.common import emit_json, format_option, handle_errors

DEFAULT_DB = Path("policywatch-demo.db")


@click.command()
@click.option("--db", "db", type=click.Path(path_type=Path), default=DEFAULT_DB,
              show_default=True, help="SQLite file to create (replaced if it exists).")
@format_option
@handle_errors
def demo(db: Path, fmt: str) -> None:
    """Replay LinkedIn's recorded policy history (2021-2026) through a loopback server and the
    real spider, date by date, into a fresh database; then say how to browse it."""
    from demo.replay import replay
    from store import Store

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    store = Store(str(db))
    quiet = fmt == "json"
    report = replay(store, progress=(lambda _: None) if quiet else
                    (lambda msg: click.echo(f"  serving {msg}", err=True)))
    per_doc: dict[str, Counter[str]] = {}
    for _, line in report.lines:
        per_doc.setdefault(line.slug, Counter())[line.outcome] += 1
    material = [(when, ln) for when, ln in report.lines if ln.severity and ln.severity != "none"]
    if fmt == "json":
        emit_json({"db": str(db.resolve()), "steps": report.steps, "crawls": report.crawls,
                   "documents": {k: dict(v) for k, v in per_doc.items()},
                   "material_changes": [{"date": w, "document": ln.slug, "severity": ln.severity,
                                         "labels": list(ln.labels)} for w, ln in material]})
        return
    click.echo(f"\nReplayed {report.steps} recorded versions in {report.crawls} crawls "
               f"into {db}:")
    for slug, counts in sorted(per_doc.items()):
        click.echo(f"  {slug}: {counts['new_version']} versions, "
                   f"{counts['unchanged']} unchanged checks, "
                   f"{sum(counts.values()) - counts['new_version'] - counts['unchanged']} failed")
    click.echo("\nMaterial changes found:")
    for when, ln in material:
        click.echo(f"  {when:%Y-%m-%d}  {ln.slug:<40} {ln.severity:<6} {', '.join(ln.labels)}")
    slug = "linkedin/privacy-policy"
    click.echo(f"""
Browse it:
  policywatch documents --db {db}
  policywatch history {slug} --db {db}
  policywatch diff {slug} --db {db}            (the last two versions; or give two ids)
  policywatch show {slug} --at 2024-09-20 --db {db}
  policywatch serve --db {db}                  (web UI on http://127.0.0.1:8080)""")


COMMANDS = [demo]
