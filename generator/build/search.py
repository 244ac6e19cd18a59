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
import threading
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


class IndexStopped(Exception):
    """Pagefind was stopped before it finished, as asked (the dev server is closing)."""


def index_site(folder: Path, *, into: Path | None = None, background: bool = False,
               stop: threading.Event | None = None) -> None:
    """Write ``folder/pagefind/`` (or ``into``) for the HTML files in ``folder``; raise SiteError on failure.

    ``background``: at a lower CPU priority (``nice``), so that it yields the cores to the
    dev server's rebuilds while it runs behind them. ``stop``: when it is set, Pagefind is
    killed and :class:`IndexStopped` raised. Pagefind never outlives the call."""
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
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    try:
        out, err = _output(proc, stop)
    except BaseException:  # stopped, or Ctrl-C: no Pagefind left writing an index nobody reads
        proc.kill()
        proc.communicate()
        raise
    if proc.returncode != 0 and "any html files" in out + err:
        return  # no page has indexable text yet: no index, and the search box says so
    if proc.returncode != 0:
        detail = (err or out).strip().splitlines()
        raise SiteError(f"building the search index failed: {detail[-1] if detail else proc.returncode}",
                        "site.yaml", None, "set search: false in site.yaml to build without search")


def _output(proc: subprocess.Popen[str], stop: threading.Event | None) -> tuple[str, str]:
    """What ``proc`` printed once it has exited; :class:`IndexStopped` as soon as ``stop`` is set."""
    while True:
        try:
            return proc.communicate(timeout=None if stop is None else 0.2)
        except subprocess.TimeoutExpired:  # retried: communicate loses no output
            if stop is not None and stop.is_set():
                raise IndexStopped from None


def index_stats(folder: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file of ``folder``'s search index: a later build compares them,
    so an index file changed or deleted by hand is written again."""
    stats = {}
    for path, entry in file_entries(folder, INDEX_DIR):
        st = entry.stat(follow_symlinks=False)
        stats[path] = (st.st_size, st.st_mtime_ns)
    return stats
