"""The search index: Pagefind run over the finished output, before it goes live.

Only what the layouts mark ``data-pagefind-body`` is indexed (the default
theme marks the body of public pages; protected prompt pages and drafts carry
``data-pagefind-ignore="all"``), so listings, the 404 page and anything
members-only stay out. The binary comes from the ``pagefind[bin]`` package;
nothing is downloaded at build time. ``search: false`` in site.yaml skips it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from atoll.build.inplace import file_entries
from atoll.errors import SiteError

INDEX_DIR = "pagefind"
INDEX_PREFIX = f"{INDEX_DIR}/"
PUBLIC_PAGES = "{*.html,[!.]*/**/*.html}"  # HTML files outside dot-folders


def _executable() -> str:
    try:
        import pagefind_bin  # type: ignore[import-untyped]
    except ImportError as exc:
        raise SiteError("search is on, but Pagefind is not installed", "site.yaml", None,
                        "pip install 'pagefind[bin]', or set search: false in site.yaml") from exc
    return str(pagefind_bin.get_executable())


def index_site(folder: Path, *, into: Path | None = None, background: bool = False) -> None:
    """Write ``folder/pagefind/`` (or ``into``) for the HTML files in ``folder``; raise SiteError on failure.

    ``background``: at a lower CPU priority (``nice``), so that it yields the cores to the
    dev server's rebuilds while it runs behind them."""
    where = ["--output-path", str(into)] if into is not None else ["--output-subdir", INDEX_DIR]
    # heading anchors ("#") and code labels are page furniture, not text to find
    # Pages in dot-folders are no page of the site: the staging folder holds the protected
    # pages under .atoll-protected/ until they move to their own folder, and the dev server
    # keeps them there; their text must never reach the public index.
    command = [_executable(), "--site", str(folder), *where, "--glob", PUBLIC_PAGES,
               "--exclude-selectors", ".headerlink, .code-head", "--silent"]
    nice = shutil.which("nice") if background else None
    if nice is not None:
        command = [nice, "-n", "10", *command]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0 and "any html files" in done.stdout + done.stderr:
        return  # no page has indexable text yet: no index, and the search box says so
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SiteError(f"building the search index failed: {detail[-1] if detail else done.returncode}",
                        "site.yaml", None, "set search: false in site.yaml to build without search")


def index_stats(folder: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file of ``folder``'s search index: a later build compares them,
    so an index file changed or deleted by hand is written again."""
    stats = {}
    for path, entry in file_entries(folder, INDEX_DIR):
        st = entry.stat(follow_symlinks=False)
        stats[path] = (st.st_size, st.st_mtime_ns)
    return stats
