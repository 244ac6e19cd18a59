"""``build(config)``: the whole pipeline, stage by stage, read top to bottom.

discover -> read pages -> plan URLs and collections -> render (both cores) ->
site files (feed, sitemap, robots) -> write atomically.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from atoll.build import cache, parallel
from atoll.build.collections import (
    BLOG_URL,
    FEED_ENTRIES,
    atom_feed,
    collect_tags,
    output_for_url,
    paginate,
    robots_txt,
    sitemap,
    sort_posts,
)
from atoll.build.content import Page
from atoll.build.incremental import BuildState, Entry, Fingerprints, ReuseCheck, SourceRecord, stat_of
from atoll.build.layouts import layout_names
from atoll.build.output import Staging, check_output_location
from atoll.build.render import TAGS_URL, SiteModel, Task
from atoll.build.scripts import bundle, closure, load_sources
from atoll.build.sources import SourceFile, discover_content, discover_public
from atoll.config import SiteConfig
from atoll.errors import BuildFailed, ErrorList, SiteError

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildReport:
    pages: int  # HTML files rendered from content/ and generated listings
    assets: int  # files copied from public/ and scripts
    output: Path
    seconds: float
    notes: tuple[str, ...] = ()
    rendered: int = 0  # outputs rendered (the rest were unchanged and reused)


@dataclass
class Plan:
    """What the build will write: render tasks, copied files and generated text."""

    model: SiteModel
    tasks: list[Task]
    copies: dict[str, Path] = field(default_factory=dict)  # output -> public/ file
    files: dict[str, bytes] = field(default_factory=dict)  # output -> bytes (scripts)


# ---------------------------------------------------------------- stages


def read_pages(sources: Iterable[SourceFile], errors: ErrorList, state: BuildState,
               jobs: int | None = None, maybe_changed: set[str] | None = None) -> list[Page]:
    """Parse every page, reusing the previous parse of files whose stat or digest is unchanged.

    With ``maybe_changed`` (from a file watcher), only those sources are looked at again.
    """
    # A stat is trusted only for files older than this: a file saved twice within the
    # file system's timestamp granularity can keep its size and mtime ("racily clean").
    settled = time.time_ns() - 2_000_000_000
    pages: dict[str, Page] = {}
    todo: list[tuple[SourceFile, str | None]] = []
    order = []
    for source in sources:
        order.append(source.source)
        record = state.sources.get(source.source)
        if record is not None and maybe_changed is not None and source.source not in maybe_changed:
            pages[source.source] = record.page
            continue
        try:
            st = stat_of(source.path)
        except FileNotFoundError:  # deleted since discovery; the next build will not see it
            continue
        except OSError:
            st = None
        if record is not None and record.stat == st and st is not None and st[1] < settled:
            pages[source.source] = record.page
        else:
            todo.append((source, record.digest if record is not None else None))
    for result in parallel.read_all(todo, jobs=jobs):
        name = result.source.source
        if result.gone:
            continue
        if result.errors:
            errors.extend(result.errors)
            state.sources.pop(name, None)
            continue
        assert result.stat is not None and result.digest is not None
        record = state.sources.get(name)
        if result.page is None and record is not None:  # same bytes as last time
            record.stat = result.stat
        elif result.page is not None:
            state.sources[name] = SourceRecord(result.stat, result.digest, result.page)
        pages[name] = state.sources[name].page
        state.dirty = True
    for gone in set(state.sources) - set(pages):
        del state.sources[gone]
        state.dirty = True
    return [pages[name] for name in order if name in pages]


def choose_layout(page: Page, available: set[str], errors: ErrorList) -> str:
    if page.layout:
        name = page.layout if page.layout.endswith(".html") else page.layout + ".html"
        if name not in available:
            choices = ", ".join(sorted(n[:-5] for n in available if "/" not in n))
            errors.add(SiteError(f"front matter: unknown layout {page.layout!r}", page.source,
                                 page.lines.get("layout"), f"layouts available: {choices}"))
        return name
    if page.is_post and "post.html" in available:
        return "post.html"
    return "page.html"


def plan_site(config: SiteConfig, pages: list[Page], public: list[SourceFile], errors: ErrorList) -> Plan:
    """Decide every output file; collisions and unknown layouts are errors."""
    section_index = next((p for p in pages if p.is_section_index), None)
    listed = [p for p in pages if not p.is_section_index]
    posts = sort_posts(listed)
    tags = collect_tags(listed)
    available = layout_names(config.root)
    layouts = {p.source: choose_layout(p, available, errors) for p in listed}

    scripts: dict[str, str] = {}
    preload: dict[str, tuple[str, ...]] = {}
    files: dict[str, bytes] = {}
    if config.auth is not None:
        try:
            bundled = bundle(load_sources(config.root))
            for script in bundled.values():
                scripts[script.name] = script.output
                files[script.output] = script.data
                preload[script.name] = tuple(bundled[d].output for d in closure(bundled, script.name))
        except SiteError as exc:
            errors.add(exc)
        for required in ("islands.js", "callback.js"):
            if required not in scripts and not errors:
                errors.add(SiteError(f"the auth scripts are incomplete: scripts/{required} is missing",
                                     "site.yaml", None, "restore it from the default theme (atoll new)"))

    claims: dict[str, str] = {}  # output -> who claims it

    def claim(output: str, who: str, source: str | None = None, line: int | None = None) -> bool:
        if output in claims:
            url = "/" + output.removesuffix("index.html")
            errors.add(SiteError(f"the URL {url} is claimed by both {who} and {claims[output]}",
                                 source, line, "give one of them another 'slug' or 'permalink'"))
            return False
        claims[output] = who
        return True

    tasks: list[Task] = []
    for index, page in enumerate(listed):
        line = page.lines.get("permalink") or page.lines.get("slug") or 1
        if claim(page.output, page.source, page.source, line):
            tasks.append(Task("page", page.output, page.url, index=index))
    blog_intro = section_index.source if section_index else "the blog listing"
    for pager in paginate(posts, config.per_page, BLOG_URL):
        if claim(output_for_url(pager.url), blog_intro):
            tasks.append(Task("listing", output_for_url(pager.url), pager.url, index=pager.number))
    if tags:
        claim(output_for_url(TAGS_URL), "the tags index")
        tasks.append(Task("tags", output_for_url(TAGS_URL), TAGS_URL))
    for tag in tags:
        if claim(output_for_url(tag.url), f"the page of tag {tag.name!r}"):
            tasks.append(Task("tag", output_for_url(tag.url), tag.url, tag=tag.slug))
    claim("404.html", "the 404 page")
    tasks.append(Task("404", "404.html", "/404.html"))
    if config.auth is not None:
        url = config.auth.redirect_path
        if claim(output_for_url(url), "the sign-in callback page (auth.redirect_path)"):
            tasks.append(Task("callback", output_for_url(url), url))
    for name in ("feed.xml", "sitemap.xml", "robots.txt"):
        claims[name] = f"the generated {name}"
    for output in files:
        claims[output] = "Atoll's scripts"

    copies: dict[str, Path] = {}
    for f in public:
        if f.rel == "robots.txt":  # the site's own robots.txt replaces the generated one
            claims.pop("robots.txt")
        if f.rel in claims:
            errors.add(SiteError(f"this file and {claims[f.rel]} would both be written to {f.rel}",
                                 f.source, None, "rename or move one of them"))
        copies[f.rel] = Path(f.path)

    model = SiteModel(
        config=config,
        pages=tuple(listed),
        urls={p.rel: p.url for p in pages},
        posts=tuple(posts),
        tags=tuple(tags),
        layouts=layouts,
        scripts=scripts,
        preload=preload,
        section_index=section_index,
        feed_sources=frozenset(p.source for p in posts[:FEED_ENTRIES]),
    )
    return Plan(model=model, tasks=tasks, copies=copies, files=files)


def site_files(plan: Plan, feed_html: dict[str, str]) -> dict[str, bytes]:
    """feed.xml, sitemap.xml and robots.txt (they need every page rendered first)."""
    model = plan.model
    config = model.config
    entries = [(p.url, p.updated or p.date) for p in model.pages]
    entries += [(t.url, None) for t in plan.tasks if t.kind in ("listing", "tags", "tag")]
    out = {
        "feed.xml": atom_feed(config, list(model.posts), feed_html).encode("utf-8"),
        "sitemap.xml": sitemap(config, entries).encode("utf-8"),
    }
    if "robots.txt" not in plan.copies:
        out["robots.txt"] = robots_txt(config).encode("utf-8")
    return out


# ---------------------------------------------------------------- the pipeline


@dataclass(frozen=True)
class KnownSources:
    """Content files already discovered (by a watcher's bookkeeping), and which may have changed."""

    sources: list[SourceFile]
    notes: list[str]
    maybe_changed: set[str]


def load_site(config: SiteConfig, *, drafts: bool = False, state: BuildState | None = None,
              jobs: int | None = None, known: KnownSources | None = None) -> tuple[Plan, list[str]]:
    """Read and validate everything; raise :class:`BuildFailed` listing every mistake."""
    errors = ErrorList()
    if known is None:
        sources, notes = discover_content(config.root)
        maybe_changed = None
    else:
        sources, notes, maybe_changed = known.sources, known.notes, known.maybe_changed
    pages = read_pages(sources, errors, state if state is not None else BuildState(), jobs=jobs,
                       maybe_changed=maybe_changed)
    if not drafts:
        pages = [p for p in pages if not p.draft]
    plan = plan_site(config, pages, discover_public(config.root), errors)
    errors.raise_if_any()
    return plan, notes


@dataclass
class Rendering:
    """The outcome of rendering a plan: which outputs were rendered, which reused."""

    rendered: list[Task]
    reused: list[Task]
    entries: dict[str, Entry]
    feed_html: dict[str, str]


def render_changed(plan: Plan, state: BuildState, *, drafts: bool, staging: Path, old_output: Path | None,
                   jobs: int | None = None, progress: Progress | None = None,
                   check_files: bool = True) -> Rendering:
    """Render into ``staging`` every task whose inputs changed since ``state`` was recorded.

    ``check_files`` also re-renders outputs whose file in ``old_output`` was
    changed or deleted by hand since (``atoll build``; the dev server owns its folder).
    """
    model = plan.model
    fingerprints = Fingerprints(model, {s: r.digest for s, r in state.sources.items()}, drafts)
    check = ReuseCheck(state, fingerprints)
    feed_outputs = {p.output for p in model.posts if p.source in model.feed_sources}
    todo: list[Task] = []
    reused: list[Task] = []
    keys: dict[str, str] = {}
    for task in plan.tasks:
        keys[task.output] = key = fingerprints.task_key(task)
        ok = check.reusable(task, key, old_output, check_file=check_files)
        if ok and task.output in feed_outputs and state.entries[task.output].html is None:
            ok = False  # newly in the feed: its HTML is needed
        (reused if ok else todo).append(task)
    results = parallel.render_all(model, todo, staging, jobs=jobs, progress=progress)
    errors = [e for r in results for e in r.errors]
    if errors:
        raise BuildFailed(errors)
    entries = {t.output: state.entries[t.output] for t in reused}
    for task, result in zip(todo, results, strict=True):
        entries[task.output] = Entry(fingerprints.fingerprint(task, result.deps), result.deps, keys[task.output],
                                     stat_of(staging / task.output), result.html)
    if todo or entries.keys() != state.entries.keys():
        state.dirty = True
    check.record(entries)
    feed_html = {model.pages[t.index].source: entries[t.output].html or ""
                 for t in plan.tasks if t.output in feed_outputs}
    return Rendering(todo, reused, entries, feed_html)


def build(config: SiteConfig, *, out: Path | None = None, drafts: bool = False, jobs: int | None = None,
          progress: Progress | None = None, use_cache: bool = True) -> BuildReport:
    """Build the site into ``out`` (default: the configured output folder).

    With the cache (the default), outputs whose inputs are unchanged since the
    last build are hard-linked from the previous output instead of rendered;
    the result is byte-identical to a clean build's.
    """
    started = time.perf_counter()
    out = (out if out is not None else config.root / config.output).resolve()
    try:
        check_output_location(config.root, out)
    except SiteError as exc:
        raise BuildFailed([exc]) from exc
    state, notes = cache.load(config.root) if use_cache else (BuildState(), [])
    plan, more_notes = load_site(config, drafts=drafts, state=state, jobs=jobs)
    old_output = out if state.output == str(out) and out.is_dir() else None

    staging = Staging(out)
    try:
        rendering = render_changed(plan, state, drafts=drafts, staging=staging.path, old_output=old_output,
                                   jobs=jobs, progress=progress)
        for task in rendering.reused:
            staging.link(task.output, os.path.join(old_output or "", task.output))
        for output, data in {**plan.files, **site_files(plan, rendering.feed_html)}.items():
            staging.write(output, data)
        for output, source in plan.copies.items():
            staging.copy(output, source)
        sweeper = staging.commit()
    except BaseException:
        staging.discard()
        raise
    if state.output != str(out):
        state.dirty = True
    state.output = str(out)
    if use_cache and state.dirty:
        cache.save(config.root, state)
    if sweeper is not None:
        sweeper.join()
    return BuildReport(
        pages=len(plan.tasks), assets=len(plan.copies) + len(plan.files), output=out,
        seconds=time.perf_counter() - started, notes=tuple(notes + more_notes),
        rendered=len(rendering.rendered),
    )
