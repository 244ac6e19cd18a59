"""``build(config)``: the whole pipeline, stage by stage, read top to bottom.

discover -> load pages -> bundle scripts -> plan URLs and collections ->
render what changed (every core) -> site files (feed, sitemap, robots) ->
search index (Pagefind, over the staged output) -> write atomically. Each
stage returns data for the next; the build state the next build starts from
is what rendering returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from atoll.build import cache
from atoll.build.bundling import bundle_scripts
from atoll.build.collections import atom_feed, robots_txt, sitemap
from atoll.build.content import Page
from atoll.build.incremental import BuildState, SourceRecord
from atoll.build.inplace import Folders, InPlace, scratch_folder, sweep_scratch
from atoll.build.loading import load_pages
from atoll.build.markupcache import MarkupCache
from atoll.build.output import MARKER, MARKER_TEXT, Staging, check_output_location, check_protected_location
from atoll.build.planning import Plan, plan_site
from atoll.build.protect import PROTECTED
from atoll.build.reuse import Progress, Rendering, render_changed
from atoll.build.search import INDEX_PREFIX, index_site, index_stats
from atoll.build.sources import SourceFile, discover_bundles, discover_content, discover_public
from atoll.config import SiteConfig
from atoll.errors import BuildFailed, SiteError


@dataclass(frozen=True)
class BuildReport:
    pages: int  # HTML files rendered from content/ and generated listings
    assets: int  # files copied from public/ and scripts
    output: Path
    seconds: float
    protected: Path | None = None  # the protected output, when the site has one
    notes: tuple[str, ...] = ()
    rendered: int = 0  # outputs rendered (the rest were unchanged and reused)


@dataclass(frozen=True)
class LoadedSite:
    """A site read, validated and planned: everything rendering needs."""

    plan: Plan
    records: dict[str, SourceRecord]  # for the next build's loading
    changed: frozenset[str]  # content files that differ from the previous build's records
    notes: list[str]


def site_files(plan: Plan, feed_html: dict[str, str], *, feed_only: bool = False) -> dict[str, bytes]:
    """feed.xml, sitemap.xml and robots.txt (they need every page rendered first);
    ``feed_only`` when the others cannot have changed (no page's URL or date did)."""
    model = plan.model
    config = model.config
    out = {"feed.xml": atom_feed(config, list(model.feed_posts), feed_html).encode("utf-8")}
    if feed_only:
        return out
    entries = [(p.url, p.updated or p.date) for p in model.public_pages]
    entries += [(t.url, None) for t in plan.tasks if t.kind.in_sitemap]
    out["sitemap.xml"] = sitemap(config, entries).encode("utf-8")
    if "robots.txt" not in plan.copies:
        out["robots.txt"] = robots_txt(config).encode("utf-8")
    return out


def plan_pages(config: SiteConfig, pages: list[Page], *, drafts: bool) -> tuple[Plan, list[SiteError]]:
    """Bundle the scripts and plan every output of ``pages``."""
    if not drafts:
        pages = [p for p in pages if not p.draft]
    scripts = bundle_scripts(config)
    plan, errors = plan_site(config, pages, discover_public(config.root, config.theme), scripts,
                             discover_bundles(config.root))
    return plan, [*scripts.errors, *errors]


def load_site(config: SiteConfig, previous: dict[str, SourceRecord], *, drafts: bool = False,
              jobs: int | None = None, sources: list[SourceFile] | None = None,
              maybe_changed: set[str] | None = None) -> LoadedSite:
    """Read and validate everything; raise :class:`BuildFailed` listing every mistake.

    ``sources`` and ``maybe_changed`` come from a file watcher's bookkeeping: the
    content files as it knows them, and those that may have changed since ``previous``.
    """
    notes: list[str] = []
    if sources is None:
        sources, notes = discover_content(config.root)
    loaded = load_pages(sources, previous, jobs=jobs, maybe_changed=maybe_changed)
    plan, errors = plan_pages(config, loaded.pages, drafts=drafts)
    if loaded.errors or errors:
        raise BuildFailed([*loaded.errors, *errors])
    return LoadedSite(plan, loaded.records, loaded.changed, notes + list(plan.notes))


@contextmanager
def undone_on_failure(undo: Callable[[], None]) -> Iterator[None]:
    """Run ``undo`` if the block fails; an author-facing SiteError becomes BuildFailed."""
    try:
        yield
    except SiteError as exc:
        undo()
        raise BuildFailed([exc]) from exc
    except BaseException:
        undo()
        raise


def swap_in(plan: Plan, previous: BuildState, site: LoadedSite, folders: Folders, old_output: Folders | None, *,
            drafts: bool, jobs: int | None, progress: Progress | None, markup: MarkupCache | None) -> Rendering:
    """Write the whole site into a staging folder beside the output, index it, then swap it in
    (and the protected pages into their folder); unchanged outputs are hard-linked from ``old_output``."""
    staging = Staging(folders.out, folders.protected)
    with undone_on_failure(staging.discard):
        rendering = render_changed(plan, previous, site.records, drafts=drafts, staging=staging.path,
                                   old_output=old_output, jobs=jobs, progress=progress, markup_cache=markup)
        rendered = {task.output for task in rendering.rendered}
        for task in plan.tasks:
            if task.output not in rendered:  # reused: the previous build's file
                staging.link(task.output, str(old_output.path(task.output)) if old_output else task.output)
        for output, data in {**plan.files, **site_files(plan, rendering.feed_html)}.items():
            staging.write(output, data)
        for output, source in plan.copies.items():
            staging.copy(output, source)
        if plan.model.config.search:
            index_site(staging.path)
        sweeper = staging.commit()
    if sweeper is not None:
        sweeper.join()
    return rendering


def write_in_place(plan: Plan, rendering: Rendering, output: InPlace, scratch: Path, *,
                   index_stale: Callable[[list[str]], bool], same_outputs: bool = False,
                   placed: frozenset[str] = frozenset()) -> list[str]:
    """Make ``output`` hold ``plan``'s files: the rendered ones moved in from ``scratch``, site
    files and copies written where they differ, stale files deleted, and the search index
    rebuilt when ``index_stale(changed outputs)`` says so. A failure undoes every change.
    ``same_outputs``: the plan has the previous one's outputs, URLs and dates (only bodies
    changed), so of the other files only the feed can differ. ``placed``: rendered outputs
    already moved in (a first pass's).
    Returns the outputs written or deleted (the index's files apart)."""
    search = plan.model.config.search
    copies = {} if same_outputs else plan.copies
    if same_outputs:
        small = site_files(plan, rendering.feed_html, feed_only=True)
        wanted = set(output.present)
    else:
        small = {MARKER: MARKER_TEXT.encode("utf-8"), **plan.files, **site_files(plan, rendering.feed_html)}
        if output.protected is not None:
            small[PROTECTED + MARKER] = MARKER_TEXT.encode("utf-8")
        wanted = {task.output for task in plan.tasks} | set(small) | set(copies)
        if search:  # kept until it is brought up to date below
            wanted |= {f for f in output.present if f.startswith(INDEX_PREFIX)}
    update = output.begin(scratch)
    with undone_on_failure(update.roll_back):
        changed = update.apply([t.output for t in rendering.rendered if t.output not in placed], small, copies,
                               wanted)
        if search and index_stale(changed):  # rebuilt whole: Pagefind has no incremental mode
            index_site(output.out, into=scratch / ".index")
            update.replace_folder(INDEX_PREFIX, scratch / ".index")
    update.commit()
    return changed


def update_in_place(plan: Plan, previous: BuildState, site: LoadedSite, folders: Folders, *,
                    drafts: bool, jobs: int | None, progress: Progress | None,
                    markup: MarkupCache | None) -> tuple[Rendering, dict[str, tuple[int, int]] | None]:
    """Render what changed aside and move it into the folders the cache describes: an unchanged
    site touches no file, one edited page writes about one file (and the search index).
    Also returns the search index's file stats when they are known to be the previous ones."""
    sweep_scratch(folders.out)
    output = InPlace.scan(folders.out, folders.protected)
    rebuilt = False

    def index_stale(changed: list[str]) -> bool:
        nonlocal rebuilt
        rebuilt = any(o.endswith(".html") for o in changed) or index_stats(folders.out) != previous.index_files
        return rebuilt

    with scratch_folder(folders.out) as scratch:
        rendering = render_changed(plan, previous, site.records, drafts=drafts, staging=scratch, flat=True,
                                   old_output=folders, jobs=jobs, progress=progress, markup_cache=markup)
        write_in_place(plan, rendering, output, scratch, index_stale=index_stale)
    return rendering, None if rebuilt else previous.index_files


def build(config: SiteConfig, *, out: Path | None = None, drafts: bool = False, jobs: int | None = None,
          progress: Progress | None = None, use_cache: bool = True,
          protected_out: Path | None = None) -> BuildReport:
    """Build the site into ``out`` (default: the configured output folder), and its protected
    pages into ``protected_out`` (default: ``config.protected_out(out)``).

    With the cache (the default) and the output folder(s) it describes, only outputs
    whose inputs changed since the last build are rendered (their markdown taken from
    the markup cache where the same body was converted before), and the folders are
    updated where they stand; otherwise the whole site is written aside and swapped in.
    Either way the result is byte-identical to a clean build's, and a build that fails
    changes nothing.
    """
    started = time.perf_counter()
    out = (out if out is not None else config.root / config.output).resolve()
    protected = (protected_out or config.protected_out(out)).resolve()
    try:
        check_output_location(config.root, out)
        if config.auth is not None:
            check_protected_location(config.root, out, protected)
    except SiteError as exc:
        raise BuildFailed([exc]) from exc
    previous, notes = cache.load(config.root) if use_cache else (BuildState(), [])
    site = load_site(config, previous.sources, drafts=drafts, jobs=jobs)
    plan = site.plan
    folders = Folders(out, protected if config.auth is not None else None)
    markup = cache.markup_cache(config.root) if use_cache else None
    if use_cache and previous.output == str(out) and all(
            (folder / MARKER).is_file() for folder in (folders.out, folders.protected) if folder is not None):
        rendering, index = update_in_place(plan, previous, site, folders, drafts=drafts, jobs=jobs,
                                           progress=progress, markup=markup)
    else:
        index = None
        old_output = folders if previous.output == str(out) and out.is_dir() else None
        rendering = swap_in(plan, previous, site, folders, old_output, drafts=drafts, jobs=jobs,
                            progress=progress, markup=markup)
    if not config.search:
        index = {}
    elif index is None:
        index = index_stats(out)
    if use_cache and (site.changed or rendering.changed or previous.output != str(out)
                      or index != previous.index_files):
        cache.save(config.root, replace(rendering.state, output=str(out), index_files=index), like=previous)
    return BuildReport(
        pages=len(plan.tasks), assets=len(plan.copies) + len(plan.files), output=out,
        protected=folders.protected, seconds=time.perf_counter() - started, notes=tuple(notes + site.notes),
        rendered=len(rendering.rendered),
    )
