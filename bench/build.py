#!/usr/bin/env python3
"""Clean and warm build speed on the benchmark corpus.

    .venv/bin/python bench/build.py N [--runs 3] [--jobs J] [--warm] [--no-clean] [--no-search]

Generates N pages into a site's content/blog/ with bench/corpus.py (the
shared corpus generator when it is present, else the repository's own
bench/corpusgen.py; cached under $TMPDIR between runs), then times `atoll
build` as a separate process, the way peers are timed: wall seconds, CPU
seconds, peak RSS of the largest process. Prints which corpus, each run and
the medians.

  clean: --no-cache into an empty output folder (the figure peers are compared on)
  --warm: also a cached build of the unchanged site, and one after editing one page's body
  --no-clean: skip the clean builds (with --warm: only the warm figures)
  --no-search: the site with `search: false` (no Pagefind index), site.yaml restored afterwards
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from corpus import REPO, make_site
from corpus import source as corpus_source

ATOLL = [sys.executable, "-m", "atoll"]


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """(wall s, cpu s of the whole process tree, peak RSS MB of its largest process)."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def report(label: str, n: int, runs: list[tuple[float, float, float]]) -> None:
    for i, (wall, cpu, mem) in enumerate(runs, 1):
        print(f"  {label} run {i}: {wall:.2f} s wall, {cpu:.2f} s cpu, {mem:.0f} MB peak")
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    mem = statistics.median(r[2] for r in runs)
    print(f"{label} {n} pages: median {wall:.2f} s wall ({n / wall:.0f} pages/s), {cpu:.2f} s cpu, "
          f"{mem:.0f} MB peak (largest process), {len(runs)} runs", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int)
    parser.add_argument("--warm", action="store_true")
    parser.add_argument("--no-clean", action="store_true")
    parser.add_argument("--no-search", action="store_true")
    args = parser.parse_args()
    site = make_site(args.n)
    config = site / "site.yaml"
    original_config = config.read_text()
    if args.no_search:
        config.write_text(original_config + "search: false\n")
    try:
        return run(args, site)
    finally:
        config.write_text(original_config)


def run(args: argparse.Namespace, site: Path) -> int:
    print(f"corpus: {args.n} posts from the {corpus_source()} generator (bench/corpus.py), "
          f"search {'off' if args.no_search else 'on'}", flush=True)
    out = site / "dist"
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    if not args.no_clean:
        clean = []
        for _ in range(args.runs):
            shutil.rmtree(out, ignore_errors=True)
            clean.append(timed([*ATOLL, "build", "--site", str(site), "--no-cache", *jobs]))
        report("clean", args.n, clean)
    if args.warm:
        shutil.rmtree(site / ".atoll", ignore_errors=True)
        timed([*ATOLL, "build", "--site", str(site), *jobs])  # fills the cache
        report("warm, unchanged", args.n,
               [timed([*ATOLL, "build", "--site", str(site), *jobs]) for _ in range(args.runs)])
        page = site / "content" / "blog" / "post-00001.md"
        original = page.read_text()
        edited = []
        try:
            for i in range(args.runs):
                page.write_text(original + f"\nEdited paragraph {i}.\n")
                edited.append(timed([*ATOLL, "build", "--site", str(site), *jobs]))
        finally:
            page.write_text(original)
        report("warm, one page edited", args.n, edited)
    return 0


if __name__ == "__main__":
    sys.exit(main())
