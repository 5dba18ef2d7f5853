"""Debug entry point: ``python -m crawler [--declarations PATH] [--only ID] [--out FILE]``.

Checks the declared targets once and prints one JSON line per FetchResult (body
omitted unless ``--with-body``). Not the product CLI (that is ``policywatch check``);
useful to try a declaration file or to run a crawl in a subprocess.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crawler.items import FetchResult
from crawler.run import crawl
from crawler.targets import DeclarationError, load_targets


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, crawl, write JSON lines; exit 2 on a declaration error."""
    parser = argparse.ArgumentParser(prog="python -m crawler", description=__doc__)
    parser.add_argument("--declarations", type=Path, help="a .toml file or a folder (default: shipped)")
    parser.add_argument("--only", action="append", default=[], help="target id to check (repeatable)")
    parser.add_argument("--out", type=Path, help="write JSON lines here instead of stdout")
    parser.add_argument("--with-body", action="store_true", help="include the raw body (base64)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=JSON",
                        help="Scrapy setting override, value parsed as JSON if possible")
    args = parser.parse_args(argv)
    try:
        targets = load_targets(args.declarations)
    except DeclarationError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.only:
        targets = [t for t in targets if t.id in set(args.only)]
    overrides = {}
    for item in args.set:
        name, _, raw = item.partition("=")
        try:
            overrides[name] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[name] = raw
    out = args.out.open("w", encoding="utf-8") if args.out else sys.stdout

    def sink(result: FetchResult) -> None:
        if not args.with_body:
            result.body = None
        out.write(result.to_json() + "\n")
        out.flush()

    crawl(targets, sink, settings=overrides)
    return 0


if __name__ == "__main__":
    sys.exit(main())
