#!/usr/bin/env python3
"""Clean builds of Atoll against Hugo and the Python peers, as paired ratios from one run.

    .venv/bin/python bench/peers.py N [--tools "hugo mkdocs pelican"] [--rounds 1] [--search] [--bare]

Each round runs the shared ``compare_peers.sh`` (see bench/corpus.py for where it
is found): every peer, then Atoll, builds the same N-page corpus, each one warm-up
plus 3 measured clean builds (median wall s, cpu s of the whole process tree, peak
MiB of its largest process), back to back, so each ratio compares builds made under
the same machine load. Peers install under $PEERS (default ~/ssg-peers), outside
the repository. Prints the figures, then Atoll's ratio to each peer (below 1.0:
Atoll is faster); with several rounds, the median ratio over the rounds too.

The peers build no search index, so Atoll is timed with ``search: false`` unless
``--search`` asks for its Pagefind index too; ``--bare`` renders with the core
Markdown extensions only (tables, attr_list, md_in_html, sane_lists, toc), without
the authoring ones the default list adds (admonitions, tabs, keys, smart symbols...).
The site's ``site.yaml`` is written here, into ``$PEERS/site-N/``, where
compare_peers.sh puts the corpus.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

from corpus import REPO, SHARED_BENCH

LINE = re.compile(r"^(?P<tool>\S+) (?P<n>\d+): runs=\d+ wall s [\d.]+ / (?P<wall>[\d.]+) / [\d.]+ \| "
                  r"cpu s [\d.]+ / (?P<cpu>[\d.]+) / [\d.]+ \| peak MB \d+ / (?P<mem>\d+) / \d+")
OURS = "ours"


def write_site_config(n: int, *, search: bool, bare: bool) -> None:
    """The site.yaml of the Atoll site compare_peers.sh builds (it supplies only content/)."""
    site = Path(os.environ.get("PEERS", Path.home() / "ssg-peers")) / f"site-{n}"
    site.mkdir(parents=True, exist_ok=True)
    extensions = "markdown: {extensions: []}\n" if bare else ""
    (site / "site.yaml").write_text(f"title: Benchmark\nsearch: {'true' if search else 'false'}\n{extensions}")


def one_round(n: int, tools: str) -> dict[str, tuple[float, float, float]]:
    """``{tool: (wall, cpu, peak MiB)}`` medians from one run of compare_peers.sh."""
    ours = f"{sys.executable} -m atoll build --site {{site}} --out {{out}} --no-cache"
    proc = subprocess.run(["sh", str(SHARED_BENCH / "compare_peers.sh"), str(n), tools, "--", *ours.split()],
                          cwd=REPO, capture_output=True, text=True, check=False)
    figures = {}
    for line in proc.stdout.splitlines():
        if (m := LINE.match(line)) is not None:
            print("  " + line, flush=True)
            figures[m["tool"]] = (float(m["wall"]), float(m["cpu"]), float(m["mem"]))
    if proc.returncode != 0 or OURS not in figures:
        raise SystemExit(f"compare_peers.sh failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int)
    parser.add_argument("--tools", default="hugo mkdocs pelican")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--search", action="store_true", help="build Atoll's search index too")
    parser.add_argument("--bare", action="store_true", help="core Markdown extensions only")
    args = parser.parse_args()
    write_site_config(args.n, search=args.search, bare=args.bare)
    print(f"atoll with search {'on' if args.search else 'off'} (the peers build no search index), "
          f"{'core' if args.bare else 'default'} Markdown extensions", flush=True)
    ratios: dict[str, list[tuple[float, float]]] = {}
    for number in range(1, args.rounds + 1):
        print(f"round {number}: clean builds of {args.n} pages", flush=True)
        figures = one_round(args.n, args.tools)
        wall, cpu, _ = figures[OURS]
        for tool, (peer_wall, peer_cpu, peer_mem) in figures.items():
            if tool == OURS:
                continue
            ratios.setdefault(tool, []).append((wall / peer_wall, cpu / peer_cpu))
            print(f"  atoll / {tool}: wall {wall / peer_wall:.2f}x, cpu {cpu / peer_cpu:.2f}x, "
                  f"peak memory {figures[OURS][2]:.0f} vs {peer_mem:.0f} MiB", flush=True)
    if args.rounds > 1:
        for tool, pairs in ratios.items():
            wall_ratio = statistics.median(p[0] for p in pairs)
            cpu_ratio = statistics.median(p[1] for p in pairs)
            print(f"median over {args.rounds} rounds, atoll / {tool}: wall {wall_ratio:.2f}x, cpu {cpu_ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
