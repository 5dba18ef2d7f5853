"""CPU time of extraction per page, and a check that a change to the extractor keeps its output.

Pages: the throughput corpus (bench/corpus.py: real policy texts in real LinkedIn chrome, the
"first" and "changed" phases), every recorded HTML page in fixtures/html and fixtures/pages, and
the LinkedIn corpus snapshots in ../shared/corpus when present; each is extracted with the
selectors of its kind of page (LinkedIn's declarations, as tests/extract/test_real_pages.py).

    .venv/bin/python bench/extract_speed.py                       # CPU ms per page, by set
    .venv/bin/python bench/extract_speed.py --save before.json    # also keep every output's digest
    .venv/bin/python bench/extract_speed.py --compare before.json # and list pages whose text differs

CPU time (``time.process_time``) is less disturbed by other load on the host than wall time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import build  # noqa: E402
from extract import ExtractError, extract_html  # noqa: E402
from tests.extract.test_real_pages import CORPUS_BURSTS, HELP, _declaration_for  # noqa: E402

SHARED = CORPUS_BURSTS.parent
#: The throughput benchmark's declaration (bench/crawl_throughput.py).
BENCH = {"select": ["#component-container"],
         "remove": [".callout > svg", ".expandable-section__header", ".expandable-section__header-button",
                    ".banner__image-container"],
         "filters": ["remove-cms-placeholders", "normalize-quotes"]}
CONTENT_TYPE = "text/html; charset=utf-8"

Page = tuple[str, bytes, dict[str, list[str]]]


def pages(n: int) -> dict[str, list[Page]]:
    """``{set name: [(name, body, options)]}``."""
    corpus = build(n)
    out: dict[str, list[Page]] = {
        "bench corpus": [(f"corpus/{phase}{path}", p.body, BENCH)
                         for phase in ("first", "changed") for path, p in corpus[phase].items()],
        "fixtures": [],
        "shared corpus": [],
    }
    for root, name in ((ROOT / "fixtures" / "html", "fixtures"), (ROOT / "fixtures" / "pages", "fixtures"),
                       (SHARED, "shared corpus")):
        for f in sorted(root.rglob("*.html")) if root.exists() else []:
            options = HELP if "help" in f.name else _declaration_for(f.parent)
            out[name].append((f"{name}/{f.relative_to(root.parent)}", f.read_bytes(), options))
    return out


def extract(body: bytes, options: dict[str, list[str]]) -> str:
    """The text, or the error's type and message (an error is an output too)."""
    try:
        return extract_html(body, content_type=CONTENT_TYPE, base_url="https://www.linkedin.com/legal/x",
                            **options)
    except ExtractError as exc:
        return f"!{type(exc).__name__}: {exc}"


def timed(batch: list[Page], repeat: int) -> Iterator[tuple[str, str, float]]:
    """``(name, output, best CPU seconds of repeat runs)`` per page."""
    for name, body, options in batch:
        best, text = float("inf"), ""
        for _ in range(repeat):
            t = time.process_time()
            text = extract(body, options)
            best = min(best, time.process_time() - t)
        yield name, text, best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="corpus documents (default 100)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per page; the fastest counts")
    parser.add_argument("--save", type=Path, help="write every page's output digest (JSON)")
    parser.add_argument("--compare", type=Path, help="list pages whose output differs from a --save file")
    parser.add_argument("--show", action="store_true", help="with --compare: print a diff of each")
    args = parser.parse_args()
    sets = pages(args.n)
    extract(*sets["bench corpus"][0][1:])  # imports and caches, not part of a page
    outputs: dict[str, str] = {}
    texts: dict[str, str] = {}
    for set_name, batch in sets.items():
        if not batch:
            continue
        times = []
        for name, text, cpu in timed(batch, args.repeat):
            outputs[name] = hashlib.sha256(text.encode()).hexdigest()
            texts[name] = text
            times.append(cpu * 1000)
        kb = sum(len(b) for _, b, _ in batch) / len(batch) / 1024
        print(f"{set_name:14s} {len(batch):4d} pages, mean {kb:5.0f} KB: CPU ms/page mean {statistics.mean(times):6.1f}"
              f"  median {statistics.median(times):6.1f}  max {max(times):6.1f}  total {sum(times) / 1000:6.2f} s",
              flush=True)
    if args.save:
        args.save.write_text(json.dumps(outputs, indent=0, sort_keys=True))
        if args.show:
            args.save.with_suffix(".texts.json").write_text(json.dumps(texts))
    if args.compare:
        before = json.loads(args.compare.read_text())
        differ = sorted(k for k in outputs if k in before and before[k] != outputs[k])
        missing = sorted(set(before) ^ set(outputs))
        print(f"compared with {args.compare}: {len(outputs) - len(differ)} identical, {len(differ)} differ"
              + (f", {len(missing)} not in both" if missing else ""))
        old_texts_file = args.compare.with_suffix(".texts.json")
        old_texts = json.loads(old_texts_file.read_text()) if args.show and old_texts_file.exists() else {}
        for name in differ:
            print("  differs:", name)
            if name in old_texts:
                import difflib

                sys.stdout.writelines(list(difflib.unified_diff(
                    old_texts[name].splitlines(True), texts[name].splitlines(True), "before", "after", n=1))[:40])
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
