#!/usr/bin/env python3
"""What the source-safety checks cost on the benchmark corpus (bench/corpus.py).

    .venv/bin/python bench/source_checks.py [N] [--runs 15]

Times, over N pages (default 10,000), the discovery walk of content/ (with its
check that no symbolic link leads outside the site) and the control-character
check every page file gets (``atoll.chars.forbidden_in_file``). Prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import time

from atoll import chars
from atoll.build import sources
from corpus import make_site


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    site = make_site(args.n)
    files = sorted((site / "content").rglob("*.md"))
    data = [path.read_bytes() for path in files]
    texts = [d.decode("utf-8") for d in data]
    walks, scans = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        sources.discover_content(site)
        walks.append(time.perf_counter() - started)
        started = time.perf_counter()
        for raw, text in zip(data, texts, strict=True):
            chars.forbidden_in_file(raw, text)
        scans.append(time.perf_counter() - started)
    megabytes = sum(map(len, data)) / 1e6
    print(f"{len(files)} pages, {megabytes:.1f} MB, median of {args.runs} runs:")
    print(f"  discover content/ (link check included): {statistics.median(walks) * 1000:.1f} ms")
    print(f"  control-character check of every file:   {statistics.median(scans) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
