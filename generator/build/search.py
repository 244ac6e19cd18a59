"""The search index: Pagefind run over the finished output, before it goes live.

Only what the layouts mark ``data-pagefind-body`` is indexed (the default
theme marks the body of public pages; protected prompt pages and drafts carry
``data-pagefind-ignore="all"``), so listings, the 404 page and anything
members-only stay out. The binary comes from the ``pagefind[bin]`` package;
nothing is downloaded at build time. ``search: false`` in site.yaml skips it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from atoll.errors import SiteError

INDEX_DIR = "pagefind"


def _executable() -> str:
    try:
        import pagefind_bin  # type: ignore[import-untyped]
    except ImportError as exc:
        raise SiteError("search is on, but Pagefind is not installed", "site.yaml", None,
                        "pip install 'pagefind[bin]', or set search: false in site.yaml") from exc
    return str(pagefind_bin.get_executable())


def index_site(folder: Path, *, into: Path | None = None) -> None:
    """Write ``folder/pagefind/`` (or ``into``) for the HTML files in ``folder``; raise SiteError on failure."""
    where = ["--output-path", str(into)] if into is not None else ["--output-subdir", INDEX_DIR]
    # heading anchors ("#") and code labels are page furniture, not text to find
    command = [_executable(), "--site", str(folder), *where, "--exclude-selectors", ".headerlink, .code-head",
               "--silent"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0 and "any html files" in done.stdout + done.stderr:
        return  # no page has indexable text yet: no index, and the search box says so
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SiteError(f"building the search index failed: {detail[-1] if detail else done.returncode}",
                        "site.yaml", None, "set search: false in site.yaml to build without search")


def reindex_in_place(folder: Path) -> list[str]:
    """Rebuild ``folder/pagefind/`` beside the live one and swap it in (the dev server's
    folder is served while it changes); returns the index's files, relative to ``folder``."""
    scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}.atoll-search-", dir=folder.parent))
    try:
        fresh = scratch / INDEX_DIR
        index_site(folder, into=fresh)
        live = folder / INDEX_DIR
        if live.exists():
            os.replace(live, scratch / "old")
        if fresh.is_dir():
            os.replace(fresh, live)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [p.relative_to(folder).as_posix() for p in live.rglob("*") if p.is_file()]
