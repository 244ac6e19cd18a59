"""Keeping the dev server's output folder up to date, one small rebuild at a time.

Unlike ``atoll build``, the dev server updates its output in place: rendered
files are moved in one by one (each move is atomic), unchanged ones are left
alone and outputs that no longer exist are deleted. A rebuild that fails
changes nothing, so the server keeps serving the last good build. After any
sequence of rebuilds the folder equals what a clean ``atoll build --drafts``
of the same sources writes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.build import KnownSources, load_site, render_changed, site_files
from generator.config import SiteConfig, load_config
from generator.incremental import BuildState
from generator.output import MARKER, MARKER_TEXT
from generator.sources import CONTENT, SourceFile, discover_content

Configure = Callable[[SiteConfig], SiteConfig]


@dataclass(frozen=True)
class Changes:
    """What a file watcher saw since the last rebuild (site-relative posix paths)."""

    paths: frozenset[str]
    rescan: bool = False  # folders moved or created: discover content/ again


@dataclass(frozen=True)
class Rebuild:
    rendered: int
    total: int
    changed: tuple[str, ...]  # output files written or deleted
    seconds: float


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


class LiveBuilder:
    """Rebuilds ``site_root`` into ``out`` (drafts included unless asked otherwise)."""

    def __init__(self, site_root: Path, out: Path, *, configure: Configure = lambda c: c,
                 drafts: bool = True, jobs: int | None = None) -> None:
        self.site_root = site_root.resolve()
        self.out = out.resolve()
        self.configure = configure
        self.drafts = drafts
        self.jobs = jobs
        self.state = BuildState()
        self.files: set[str] = set()  # every file this builder has written into `out`
        self.lock = threading.Lock()
        self._sources: dict[str, SourceFile] | None = None  # content files, as of the last scan
        self._notes: list[str] = []

    def rebuild(self, changes: Changes | None = None) -> Rebuild:
        """One rebuild; raises :class:`~generator.errors.BuildFailed` (and changes nothing) on author errors.

        With ``changes`` from a watcher, only the content files named there are
        looked at again; without, every file is (stat first, then bytes).
        """
        with self.lock:
            return self._rebuild(changes)

    def _known_sources(self, changes: Changes | None) -> KnownSources:
        if changes is None or changes.rescan or self._sources is None:
            sources, notes = discover_content(self.site_root)
            self._sources, self._notes = {s.source: s for s in sources}, notes
            return KnownSources(sources, notes, {s.source for s in sources})
        changed = {p for p in changes.paths if p.startswith(f"{CONTENT}/") and p.endswith(".md")}
        for name in changed:
            path = self.site_root / name
            if path.is_file():
                self._sources[name] = SourceFile(name, name[len(CONTENT) + 1:], str(path))
            else:
                self._sources.pop(name, None)
        ordered = sorted(self._sources.values(), key=lambda s: s.rel)
        return KnownSources(ordered, self._notes, changed)

    def _rebuild(self, changes: Changes | None) -> Rebuild:
        started = time.perf_counter()
        config = self.configure(load_config(self.site_root))
        plan, _ = load_site(config, drafts=self.drafts, state=self.state, known=self._known_sources(changes))
        self.out.mkdir(parents=True, exist_ok=True)
        old_output = self.out if self.state.output == str(self.out) else None
        scratch = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.atoll-render-", dir=self.out.parent))
        try:
            rendering = render_changed(plan, self.state, drafts=self.drafts, staging=scratch,
                                       old_output=old_output, jobs=self.jobs, check_files=False)
            changed = [task.output for task in rendering.rendered]
            for output in changed:
                target = self.out / output
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(scratch / output, target)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        wanted = {task.output for task in plan.tasks}
        small = {MARKER: MARKER_TEXT.encode("utf-8"), **plan.files, **site_files(plan, rendering.feed_html)}
        for output, data in small.items():
            if not _same_bytes(self.out / output, data):
                self._write(output, data)
                changed.append(output)
        for output, source in plan.copies.items():
            if not _same_bytes(self.out / output, source.read_bytes()):
                target = self.out / output
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                changed.append(output)
        wanted |= set(small) | set(plan.copies)
        for stale in sorted(self.files - wanted):
            (self.out / stale).unlink(missing_ok=True)
            self._prune(self.out / stale)
            changed.append(stale)
        self.files = wanted
        self.state.output = str(self.out)
        return Rebuild(rendered=len(rendering.rendered), total=len(plan.tasks), changed=tuple(changed),
                       seconds=time.perf_counter() - started)

    def _write(self, output: str, data: bytes) -> None:
        target = self.out / output
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.atoll-tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)

    def _prune(self, path: Path) -> None:
        """Remove folders left empty by a deleted output, up to the output folder."""
        parent = path.parent
        while parent != self.out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent

    def reset_output(self) -> None:
        """Start from an empty output folder (a previous session's files are not trusted)."""
        if self.out.exists():
            shutil.rmtree(self.out)
