"""The shared benchmark corpus as an Atoll site (used by the bench scripts)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS_TOOL = REPO.parent / "shared" / "bench" / "make_corpus.py"


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
