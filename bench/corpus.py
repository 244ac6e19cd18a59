"""The benchmark corpus as an Atoll site (used by every bench script), and how to get it.

    python bench/corpus.py OUT N             # N posts into OUT/ (a folder of .md files)
    python bench/corpus.py OUT N --own       # always the repository's own generator

The posts come from the shared corpus generator (``make_corpus.py``, the one
other site generators are measured on) when it is present, so numbers stay
comparable with theirs; it is looked for in ``$ATOLL_BENCH_SHARED``, else in
``shared/bench/`` beside the checkout or beside the folder of worktrees it is
in. Without it (a fresh clone), the repository's own generator
(``corpusgen.py``, the same kind of corpus, not the same bytes) makes them.
``$ATOLL_BENCH_CORPUS=own`` forces the own generator for the bench scripts too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import corpusgen

REPO = Path(__file__).resolve().parent.parent


def _shared_bench() -> Path:
    if os.environ.get("ATOLL_BENCH_SHARED"):
        return Path(os.environ["ATOLL_BENCH_SHARED"])
    for up in (REPO.parent, REPO.parent.parent):
        if (up / "shared" / "bench" / "make_corpus.py").is_file():
            return up / "shared" / "bench"
    return REPO.parent / "shared" / "bench"


SHARED_BENCH = _shared_bench()
CORPUS_TOOL = SHARED_BENCH / "make_corpus.py"


def source(own: bool = False) -> str:
    """Which generator makes the corpus: "shared" or "own"."""
    if own or os.environ.get("ATOLL_BENCH_CORPUS") == "own" or not CORPUS_TOOL.is_file():
        return "own"
    return "shared"


def write_corpus(out: Path, n: int, *, own: bool = False) -> str:
    """N posts into ``out``; which generator made them."""
    used = source(own)
    if used == "shared":
        subprocess.run([sys.executable, str(CORPUS_TOOL), str(out), str(n)], check=True, stdout=subprocess.DEVNULL)
    else:
        corpusgen.generate(out, n)
    return used


def make_site(n: int, name: str = "atoll-bench-site") -> Path:
    """A site whose content/blog/ is the N-post corpus (made once per generator, cached in $TMPDIR)."""
    site = Path(tempfile.gettempdir()) / f"{name}-{source()}-{n}"
    blog = site / "content" / "blog"
    if not (blog / f"post-{n:05d}.md").exists():
        shutil.rmtree(site, ignore_errors=True)
        site.mkdir(parents=True)
        write_corpus(blog, n)
        (site / "site.yaml").write_text("title: Bench\nbase_url: https://bench.example/\n")
    return site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the N-post benchmark corpus into OUT.")
    parser.add_argument("out", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--own", action="store_true", help="use the repository's own generator even when the "
                                                           "shared one is present")
    args = parser.parse_args(argv)
    used = write_corpus(args.out, args.n, own=args.own)
    print(f"{args.n} posts in {args.out} ({used} generator"
          f"{': ' + str(CORPUS_TOOL) if used == 'shared' else ': bench/corpusgen.py'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
