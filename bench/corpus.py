"""The shared benchmark corpus as an Atoll site (used by the bench scripts).

The corpus generator is the shared one (``make_corpus.py``), found in
``$ATOLL_BENCH_SHARED`` (default: ``shared/bench/`` beside the checkout, or beside
the folder of worktrees the checkout is in).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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


def make_site(n: int, name: str = "atoll-bench-site") -> Path:
    """A site whose content/blog/ is the N-page corpus (made once, cached in $TMPDIR)."""
    site = Path(tempfile.gettempdir()) / f"{name}-{n}"
    blog = site / "content" / "blog"
    if not (blog / f"post-{n:05d}.md").exists():
        shutil.rmtree(site, ignore_errors=True)
        site.mkdir(parents=True)
        subprocess.run([sys.executable, str(CORPUS_TOOL), str(blog), str(n)], check=True,
                       stdout=subprocess.DEVNULL)
        (site / "site.yaml").write_text("title: Bench\nbase_url: https://bench.example/\n")
    return site
