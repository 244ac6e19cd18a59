"""Keeping the dev server's output folder up to date, one small rebuild at a time.

Unlike ``atoll build``, the dev server updates its output in place: rendered
files are moved in one by one (each move is atomic), unchanged ones are left
alone and outputs that no longer exist are deleted. A rebuild that fails
changes nothing, so the server keeps serving the last good build. After any
sequence of rebuilds the folder equals what a clean ``atoll build --drafts``
of the same sources writes.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from atoll.build.cache import markup_cache
from atoll.build.content import Page
from atoll.build.incremental import BuildState
from atoll.build.inplace import Folders, InPlace, Update, scratch_folder, sweep_scratch
from atoll.build.loading import Loaded, load_pages
from atoll.build.output import MARKER
from atoll.build.parallel import render_all
from atoll.build.pipeline import plan_pages, undone_on_failure, write_in_place
from atoll.build.planning import Plan
from atoll.build.replan import rendered_anew, replaced, replan_listed
from atoll.build.reuse import FirstPass, Rendering, render_changed
from atoll.build.search import INDEX_DIR, INDEX_PREFIX, index_site
from atoll.build.sources import CONTENT, SourceFile, content_source, discover_content
from atoll.build.tasks import Kind, Task
from atoll.config import SiteConfig, load_config
from atoll.errors import BuildFailed, SiteError

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
    shown: tuple[str, ...] = ()  # URLs of pages moved in before the rest were rendered (``viewed``)


@dataclass(frozen=True)
class Shortcut:
    """A rebuild that keeps the previous plan's pages in their places (:meth:`LiveBuilder._shortcut`)."""

    plan: Plan
    candidates: frozenset[str]  # the outputs whose own inputs may differ
    listed: bool  # what listings show changed too (not only bodies): collections, tags, the sitemap


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
        self.output = InPlace(self.out, set())  # and the files this builder has written into it
        self.markup = markup_cache(self.site_root)
        self.lock = threading.Lock()
        self._check_files = False
        self._sources: dict[str, SourceFile] | None = None  # content files, as of the last scan
        self._ordered: list[SourceFile] | None = None  # the same, in order
        self._plan: Plan | None = None  # the last good rebuild's, for page edits (_shortcut)
        self._page_tasks: dict[str, Task] = {}  # page source -> its task in the plan (and index in its pages)
        self._told: set[str] = set()  # notes already shown
        self._notes: list[str] = []  # notes of the current rebuild
        self.index_due = False  # pages changed since the search index was last brought up to date
        self._rebuilds = 0  # rebuilds that left the index due, so far
        self._unsettled: frozenset[str] = frozenset()  # files changed since the last rebuild that succeeded
        self.closing = threading.Event()  # set when the server stops: a search index run is given up

    def rebuild(self, changes: Changes | None = None, *, index: bool = True, viewed: frozenset[str] = frozenset(),
                shown: Callable[[tuple[str, ...]], None] | None = None) -> Rebuild:
        """One rebuild; raises :class:`~atoll.errors.BuildFailed` (and changes nothing) on author errors.

        With ``changes`` from a watcher, only the content files named there are
        looked at again; without, every file is (stat first, then bytes). With
        ``index`` false the search index is left for :meth:`refresh_index` (the dev
        server reloads the browser first: Pagefind reads every page).

        ``viewed``: URLs open in a browser. When many pages must be rendered (a layout
        edit), these are rendered first and moved in, and ``shown`` is called with their
        URLs before the rest are rendered, so the author sees the edit in a second
        instead of after the whole site. If the rest fails, they are moved back too.
        """
        with self.lock:
            if changes is not None and self._unsettled:
                changes = replace(changes, paths=changes.paths | self._unsettled)
            try:
                result = self._rebuild(changes, index=index, viewed=viewed, shown=shown)
            except BaseException:
                # Until a rebuild succeeds, the files of those that failed are looked at again:
                # the state still holds what they were before.
                self._unsettled = changes.paths if changes is not None else frozenset()
                raise
            self._unsettled = frozenset()
            return result

    def _rebuild(self, changes: Changes | None, *, index: bool, viewed: frozenset[str],
                 shown: Callable[[tuple[str, ...]], None] | None) -> Rebuild:
        started = time.perf_counter()
        sources, maybe_changed = self._known_sources(changes)
        loaded = load_pages(sources, self.state.sources, jobs=self.jobs, maybe_changed=maybe_changed)
        shortcut = self._shortcut(changes, loaded)
        if shortcut is None:
            plan, errors = plan_pages(self.configure(load_config(self.site_root)), loaded.pages,
                                      drafts=self.drafts)
            if loaded.errors or errors:
                raise BuildFailed([*loaded.errors, *errors])
        else:
            plan = shortcut.plan
        rendering, changed, early = self._render_and_write(plan, loaded, index=index, shortcut=shortcut,
                                                           viewed=viewed, shown=shown)
        self.state = replace(rendering.state, output=str(self.out))
        self._check_files = False  # from now on the folder is ours alone
        self._plan = plan
        if shortcut is None:  # (a shortcut keeps every page's task)
            self._page_tasks = {plan.model.pages[t.index].source: t for t in plan.tasks if t.kind is Kind.PAGE}
        return Rebuild(rendered=len(rendering.rendered), total=len(plan.tasks), changed=tuple(changed),
                       seconds=time.perf_counter() - started, shown=early)

    def take_notes(self) -> list[str]:
        """Notes about skipped content/ files seen by the last rebuild (failed or not), each given once."""
        with self.lock:
            notes = [note for note in self._notes if note not in self._told]
            self._told.update(notes)
            return notes

    def _shortcut(self, changes: Changes | None, loaded: Loaded) -> Shortcut | None:
        """The common cases, fast: only existing pages changed, in their bodies or in what
        listings show of them.

        When their titles, dates, tags, URLs... (``Page.meta``) are as before, the previous
        plan holds with the new pages in it: no listing, tag page, sitemap or link elsewhere
        can differ, and rendering finds only these pages changed. When those changed but the
        pages keep their places, the plan is made again by difference
        (:func:`~atoll.build.replan.replan_listed`). Anything else returns None: the site is
        planned again.
        """
        plan = self._plan
        if plan is None or changes is None or changes.rescan or not changes.paths or loaded.errors:
            return None
        if not changes.paths <= self._page_tasks.keys():
            return None  # a layout, a script, site.yaml, the blog's intro, a new page...
        edited: dict[int, Page] = {}
        for name in loaded.changed:
            task = self._page_tasks.get(name)
            record = loaded.records.get(name)
            if task is None or record is None:
                return None
            edited[task.index] = record.page
        pages = plan.model.pages
        if all(page.meta == pages[index].meta for index, page in edited.items()):
            outputs = frozenset(self._page_tasks[page.source].output for page in edited.values())
            kept = replace(plan, model=replace(plan.model, pages=replaced(pages, edited)))
            return Shortcut(kept, outputs, listed=False)
        replanned = replan_listed(plan, edited)
        if replanned is None:
            return None
        return Shortcut(replanned, rendered_anew(plan, replanned, edited), listed=True)

    def _known_sources(self, changes: Changes | None) -> tuple[list[SourceFile], set[str] | None]:
        """The content files, and those that may have changed (None: any may have)."""
        if changes is None or changes.rescan or self._sources is None:
            sources, self._notes = discover_content(self.site_root)
            self._sources = {s.source: s for s in sources}
            self._ordered = sources
            return sources, None
        in_content = [p for p in changes.paths if p.startswith(f"{CONTENT}/")]
        self._notes = []  # other files in content/ are page bundles' files, not notes
        changed = {p for p in in_content if p.endswith(".md")}
        for name in changed:
            source = content_source(self.site_root, name)
            if source is not None and self._sources.get(name) != source:
                self._sources[name] = source
                self._ordered = None
            elif source is None and self._sources.pop(name, None) is not None:
                self._ordered = None
        if self._ordered is None:
            self._ordered = sorted(self._sources.values(), key=lambda s: s.rel)
        return self._ordered, changed

    def _render_and_write(self, plan: Plan, loaded: Loaded, *, index: bool, shortcut: Shortcut | None,
                          viewed: frozenset[str], shown: Callable[[tuple[str, ...]], None] | None,
                          ) -> tuple[Rendering, list[str], tuple[str, ...]]:
        """Render what changed into a scratch folder, then update the output folder in place
        (:mod:`atoll.build.inplace`), the search index with it when a page changed (or, without
        ``index``, later). Also returns the URLs of the pages moved in first (see :meth:`rebuild`)."""
        old_output = Folders(self.out) if self.state.output == str(self.out) else None
        with scratch_folder(self.out, background=True) as scratch:
            first: list[Update] = []
            urls: tuple[str, ...] = ()

            def place(tasks: list[Task]) -> None:
                nonlocal urls
                update = self.output.begin(scratch, journal=".journal-first")
                outputs = [t.output for t in tasks]
                first.append(update)
                update.apply(outputs, {}, {}, self.output.present | set(outputs))
                urls = tuple(t.url for t in tasks)
                if shown is not None:
                    shown(urls)

            def undo_first() -> None:
                for update in first:
                    update.roll_back()

            early = FirstPass(frozenset(t.output for t in plan.tasks if t.url in viewed), place) if viewed else None
            with undone_on_failure(undo_first):
                rendering = render_changed(plan, self.state, loaded.records, drafts=self.drafts, staging=scratch,
                                           flat=True, old_output=old_output, jobs=self.jobs,
                                           check_files=self._check_files, markup_cache=self.markup,
                                           candidates=None if shortcut is None else shortcut.candidates,
                                           same_deps=shortcut is None or not shortcut.listed, first=early)
                placed = [output for update in first for output in update.changed]

                def index_stale(changed: list[str]) -> bool:
                    stale = self.index_due or bool(changed) or bool(placed) or not (self.out / INDEX_DIR).is_dir()
                    self.index_due = stale and not index
                    self._rebuilds += self.index_due
                    return stale and index

                changed = write_in_place(plan, rendering, self.output, scratch, index_stale=index_stale,
                                         same_outputs=shortcut is not None and not shortcut.listed,
                                         placed=frozenset(placed))
            for update in first:
                update.commit()
        return rendering, placed + changed, urls

    def refresh_index(self) -> bool:
        """Bring the search index up to date with the pages in the output, if a rebuild left it
        behind; True if it did. Pagefind runs without the lock, so rebuilds go on meanwhile
        (each file it reads is whole: they are moved in); one that lands during the run
        leaves the index due again. Raises BuildFailed if Pagefind fails, and
        :class:`~atoll.build.search.IndexStopped` once :attr:`closing` is set."""
        with self.lock:
            if not self.index_due:
                return False
            seen = self._rebuilds
        with scratch_folder(self.out, background=True) as scratch:
            try:
                index_site(self.out, into=scratch / ".index", background=True, stop=self.closing)
            except SiteError as exc:
                raise BuildFailed([exc]) from exc
            with self.lock:
                self.index_due = self._rebuilds != seen  # a rebuild landed meanwhile: run again
                if self._plan is None or not self._plan.model.config.search:
                    return False  # search was turned off meanwhile: the rebuild removed the index
                update = self.output.begin(scratch)
                with undone_on_failure(update.roll_back):
                    update.replace_folder(INDEX_PREFIX, scratch / ".index")
                update.commit()
        return True

    def warm_up(self) -> None:
        """Render one page of the last plan aside, and drop it. The first rebuild after a start
        then finds markdown, highlighting and the layouts loaded, as every later rebuild does
        (the start's pages were rendered by worker processes, or not at all after a restart:
        without this the first rebuild after a restart of the 10,000-post benchmark site took
        150-170 ms instead of 25 ms)."""
        with self.lock:
            plan = self._plan
            task = next((t for t in plan.tasks if t.kind is Kind.PAGE), None) if plan is not None else None
            if plan is None or task is None:
                return
            with scratch_folder(self.out) as scratch:  # swept at the next start if the server is killed meanwhile
                render_all(plan.model, [task], scratch, jobs=1, flat=True)

    def resume(self, state: BuildState) -> bool:
        """Start from a previous session's state and output folder, if they belong together.

        Otherwise start from an empty folder. Either way the first rebuild checks every
        output file it reuses, so a folder changed behind our back is rendered again.
        """
        self._check_files = True
        sweep_scratch(self.out)  # render folders a killed session left behind
        if state.output == str(self.out) and (self.out / MARKER).is_file():
            self.state = state
            self.output = InPlace.scan(self.out)
            self.index_due = state.index_behind
            return True
        if self.out.exists():
            shutil.rmtree(self.out)
        return False

    def session_state(self) -> BuildState:
        """The state to keep for the next session: it says whether the search index is behind."""
        return replace(self.state, index_behind=self.index_due)

    def reset_output(self) -> None:
        """Start from an empty output folder."""
        self.resume(BuildState())
