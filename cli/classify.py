"""`policywatch classify OLD NEW`: diff and classify two versions of a policy (a thin layer over changes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from changes import compare
from changes.reading import with_reading
from changes.render import render_text

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


def _read(path: Path, select: tuple[str, ...]) -> str:
    """Text of one input file; HTML goes through the extractor (with the --select selectors)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.BadParameter(f"cannot read {path}: {exc.strerror or exc}") from exc
    if path.suffix.lower() in HTML_SUFFIXES:
        from extract import ExtractError, extract_html  # lazily: only needed for HTML

        try:
            return extract_html(data, select=select)
        except ExtractError as exc:
            raise click.ClickException(f"{path}: {exc}") from exc
    return data.decode("utf-8", errors="replace")


@click.command("classify")
@click.argument("old", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("new", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format; json is a stable contract.")
@click.option("--select", "select", multiple=True, metavar="CSS",
              help="CSS selector of the policy text in HTML inputs (repeatable).")
@click.option("--color/--no-color", "color", default=None,
              help="Colour the text output [default: when stdout is a terminal].")
@click.option("--all", "show_noise", is_flag=True, help="Text output: also show changes without meaning.")
def classify(old: Path, new: Path, fmt: str, select: tuple[str, ...], color: bool | None,
             show_noise: bool) -> None:
    """Diff OLD and NEW (.md, .txt or .html) and label what changed (AI training, regions, opt-out)."""
    try:
        old_text, new_text = _read(old, select), _read(new, select)
    except click.BadParameter as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(2)
    result = compare(old_text, new_text)
    if fmt == "json":
        click.echo(json.dumps(with_reading(result.to_dict()), ensure_ascii=False, sort_keys=True, indent=2))
        return
    use_color = sys.stdout.isatty() if color is None else color
    click.echo(render_text(result, color=use_color, show_noise=show_noise), nl=False, color=use_color)
