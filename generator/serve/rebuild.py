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
from dataclasses import dataclass, replace
from pathlib import Path

from atoll.build.incremental import BuildState, Entry, Fingerprints, SourceRecord, stat_of
from atoll.build.output import MARKER, MARKER_TEXT
from atoll.build.pipeline import KnownSources, Plan, load_site, render_changed, site_files
from atoll.build.render import SiteRenderer, Task
from atoll.build.sources import CONTENT, ReadResult, SourceFile, discover_content, read_source
from atoll.config import SiteConfig, load_config
from atoll.errors import BuildFailed

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


def _same_stat(source: Path, copy: Path) -> bool:
    """Whether ``copy`` is still the copy2 of ``source`` (same size and mtime): public/
    may hold big files, and reading them all on every rebuild would be wasted."""
    try:
        a, b = source.stat(), copy.stat()
    except OSError:
        return False
    return a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns


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
        self._check_files = False
        self._sources: dict[str, SourceFile] | None = None  # content files, as of the last scan
        self._notes: list[str] = []
        # What the last full rebuild planned, for the fast path of body-only edits
        self._plan: Plan | None = None
        self._page_tasks: dict[str, Task] = {}
        self._feed_html: dict[str, str] = {}
        self._renderer: SiteRenderer | None = None

    def rebuild(self, changes: Changes | None = None) -> Rebuild:
        """One rebuild; raises :class:`~atoll.errors.BuildFailed` (and changes nothing) on author errors.

        With ``changes`` from a watcher, only the content files named there are
        looked at again; without, every file is (stat first, then bytes).
        """
        with self.lock:
            fast = self._body_edit(changes)
            return fast if fast is not None else self._rebuild(changes)

    def _body_edit(self, changes: Changes | None) -> Rebuild | None:
        """The common case, fast: only the bodies of existing pages changed.

        Their titles, dates, tags, URLs... (``Page.meta``) are as before, so no
        listing, tag page, sitemap or link elsewhere can differ: only these pages
        (and the feed, if they are in it) are rendered again, with the machinery
        of the previous rebuild. Anything else returns None: the full path decides.
        """
        started = time.perf_counter()
        plan = self._plan
        if changes is None or changes.rescan or plan is None or self._sources is None or not changes.paths:
            return None
        model = plan.model
        intro = model.section_index.source if model.section_index else None
        if any(name not in self._page_tasks or name == intro for name in changes.paths):
            return None
        edited: dict[str, ReadResult] = {}
        for name in changes.paths:
            result = read_source(self._sources[name])
            old = model.pages[self._page_tasks[name].index]
            if result.page is None or result.page.meta != old.meta:
                return None  # gone, broken or re-described: the full path handles and reports it
            if result.page.body != old.body:
                edited[name] = result
        pages = list(model.pages)
        for name, result in edited.items():
            pages[self._page_tasks[name].index] = result.page  # type: ignore[assignment]
        model = replace(model, pages=tuple(pages))
        if self._renderer is None:
            self._renderer = SiteRenderer(model)
        self._renderer.model = model  # views of other pages stay valid: their metadata is unchanged
        tasks = [self._page_tasks[name] for name in sorted(edited)]
        results = [self._renderer.render(task) for task in tasks]
        errors = [e for r in results for e in r.errors]
        if errors:
            raise BuildFailed(errors)
        for name, result in edited.items():
            assert result.stat is not None and result.digest is not None and result.page is not None
            self.state.sources[name] = SourceRecord(result.stat, result.digest, result.page)
        fingerprints = Fingerprints(model, {n: r.digest for n, r in self.state.sources.items()}, self.drafts)
        changed = []
        for task, done in zip(tasks, results, strict=True):
            assert done.data is not None
            self._write(task.output, done.data)
            changed.append(task.output)
            self.state.entries[task.output] = Entry(
                fingerprints.fingerprint(task, done.deps), done.deps, fingerprints.task_key(task),
                stat_of(self.out / task.output), done.html)
            for dep in done.deps:
                self.state.dep_values.setdefault(dep, fingerprints.value(dep))
            if done.html is not None:
                self._feed_html[model.pages[task.index].source] = done.html
        self._plan = replace(plan, model=model)
        if any(name in model.feed_sources for name in edited):
            feed = site_files(self._plan, self._feed_html)["feed.xml"]
            if not _same_bytes(self.out / "feed.xml", feed):
                self._write("feed.xml", feed)
                changed.append("feed.xml")
        return Rebuild(rendered=len(tasks), total=len(plan.tasks), changed=tuple(changed),
                       seconds=time.perf_counter() - started)

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
        scratch = Path(tempfile.mkdtemp(prefix=self._scratch_prefix, dir=self.out.parent))
        try:
            rendering = render_changed(plan, self.state, drafts=self.drafts, staging=scratch,
                                       old_output=old_output, jobs=self.jobs, check_files=self._check_files)
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
            target = self.out / output
            if not _same_stat(source, target):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)  # keeps the mtime: the next rebuild compares stats only
                changed.append(output)
        wanted |= set(small) | set(plan.copies)
        for stale in sorted(self.files - wanted):
            (self.out / stale).unlink(missing_ok=True)
            self._prune(self.out / stale)
            changed.append(stale)
        self.files = wanted
        self.state.output = str(self.out)
        self._check_files = False  # from now on the folder is ours alone
        self._plan, self._feed_html, self._renderer = plan, dict(rendering.feed_html), None
        self._page_tasks = {plan.model.pages[t.index].source: t for t in plan.tasks if t.kind == "page"}
        return Rebuild(rendered=len(rendering.rendered), total=len(plan.tasks), changed=tuple(changed),
                       seconds=time.perf_counter() - started)

    @property
    def _scratch_prefix(self) -> str:
        return f".{self.out.name}.atoll-render-"

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

    def resume(self, state: BuildState) -> bool:
        """Start from a previous session's state and output folder, if they belong together.

        Otherwise start from an empty folder. Either way the first rebuild checks every
        output file it reuses, so a folder changed behind our back is rendered again.
        """
        self._check_files = True
        if self.out.parent.is_dir():  # render folders a killed session left behind
            for leftover in self.out.parent.glob(f"{self._scratch_prefix}*"):
                shutil.rmtree(leftover, ignore_errors=True)
        if state.output == str(self.out) and (self.out / MARKER).is_file():
            self.state = state
            self.files = {p.relative_to(self.out).as_posix() for p in self.out.rglob("*") if p.is_file()}
            return True
        if self.out.exists():
            shutil.rmtree(self.out)
        return False

    def reset_output(self) -> None:
        """Start from an empty output folder."""
        self.resume(BuildState())
