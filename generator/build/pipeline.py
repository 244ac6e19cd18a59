"""``build(config)``: the whole pipeline, stage by stage, read top to bottom.

discover -> load pages -> bundle scripts -> plan URLs and collections ->
render what changed (every core) -> site files (feed, sitemap, robots) ->
search index (Pagefind, over the staged output) -> write atomically. Each
stage returns data for the next; the build state the next build starts from
is what rendering returns.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

from atoll.build import cache
from atoll.build.bundling import bundle_scripts
from atoll.build.collections import atom_feed, robots_txt, sitemap
from atoll.build.content import Page
from atoll.build.incremental import BuildState, SourceRecord
from atoll.build.loading import load_pages
from atoll.build.output import Staging, check_output_location, check_protected_location
from atoll.build.planning import Plan, plan_site
from atoll.build.reuse import Progress, render_changed
from atoll.build.search import index_site
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


def site_files(plan: Plan, feed_html: dict[str, str]) -> dict[str, bytes]:
    """feed.xml, sitemap.xml and robots.txt (they need every page rendered first)."""
    model = plan.model
    config = model.config
    entries = [(p.url, p.updated or p.date) for p in model.public_pages]
    entries += [(t.url, None) for t in plan.tasks if t.kind.in_sitemap]
    out = {
        "feed.xml": atom_feed(config, list(model.feed_posts), feed_html).encode("utf-8"),
        "sitemap.xml": sitemap(config, entries).encode("utf-8"),
    }
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


def build(config: SiteConfig, *, out: Path | None = None, drafts: bool = False, jobs: int | None = None,
          progress: Progress | None = None, use_cache: bool = True,
          protected_out: Path | None = None) -> BuildReport:
    """Build the site into ``out`` (default: the configured output folder), and its protected
    pages into ``protected_out`` (default: ``config.protected_out(out)``).

    With the cache (the default), outputs whose inputs are unchanged since the
    last build are hard-linked from the previous output instead of rendered;
    the result is byte-identical to a clean build's.
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
    old_output = out if previous.output == str(out) and out.is_dir() else None

    staging = Staging(out, protected if config.auth is not None else None)
    try:
        rendering = render_changed(plan, previous, site.records, drafts=drafts, staging=staging.path,
                                   old_output=old_output, jobs=jobs, progress=progress)
        for task in rendering.reused:
            staging.link(task.output, os.path.join(old_output or "", task.output))
        for output, data in {**plan.files, **site_files(plan, rendering.feed_html)}.items():
            staging.write(output, data)
        for output, source in plan.copies.items():
            staging.copy(output, source)
        if config.search:
            index_site(staging.path)
        sweeper = staging.commit()
    except SiteError as exc:
        staging.discard()
        raise BuildFailed([exc]) from exc
    except BaseException:
        staging.discard()
        raise
    if use_cache and (site.changed or rendering.changed or previous.output != str(out)):
        cache.save(config.root, replace(rendering.state, output=str(out)))
    if sweeper is not None:
        sweeper.join()
    return BuildReport(
        pages=len(plan.tasks), assets=len(plan.copies) + len(plan.files), output=out,
        protected=protected if config.auth is not None else None,
        seconds=time.perf_counter() - started, notes=tuple(notes + site.notes),
        rendered=len(rendering.rendered),
    )
