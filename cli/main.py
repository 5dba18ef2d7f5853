"""The `policywatch` command: a thin layer over the library; core code raises, this prints."""

from __future__ import annotations

import sys

from daemon import early

if early.is_run(sys.argv[1:]):  # first thing: a SIGTERM during the imports below exits 0
    early.install()

import logging  # noqa: E402

import click  # noqa: E402

from cli import alerts, archive, browse, check, classify, demo, run, serve, workers  # noqa: E402


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="policywatch")
def cli(verbose: int) -> None:
    """PolicyWatch: watch what platforms quietly change in their privacy terms."""
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


for command in (*check.COMMANDS, *browse.COMMANDS, classify.classify, *alerts.COMMANDS,
                *demo.COMMANDS, *serve.COMMANDS, *run.COMMANDS, *archive.COMMANDS, *workers.COMMANDS):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="policywatch")


if __name__ == "__main__":
    main()
