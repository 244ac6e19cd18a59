"""Rendering what changed: every task whose inputs differ from the previous build's.

The rest are reused (``atoll build`` hard-links their files from the previous
output; the dev server leaves them in place). The same function serves both,
so both keep the build state the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from atoll.build import parallel
from atoll.build.incremental import BuildState, Entry, Fingerprints, ReuseCheck, SourceRecord, stat_of
from atoll.build.inplace import Folders
from atoll.build.markupcache import MarkupCache
from atoll.build.model import SiteModel
from atoll.build.planning import Plan
from atoll.build.tasks import Task
from atoll.errors import BuildFailed

if TYPE_CHECKING:
    from atoll.build.render import Result

Progress = Callable[[int, int], None]

# Below this many renders, a first pass would not show its pages noticeably sooner.
FIRST_PASS_MIN = 200


@dataclass(frozen=True)
class FirstPass:
    """Outputs to render before the rest, when there are many to render (the dev server: the
    pages open in a browser, after a layout edit). ``place`` gets them once they are rendered
    (in the staging folder, as ``flat`` places them), and before the rest are."""

    outputs: frozenset[str]
    place: Callable[[list[Task]], None]


@dataclass(frozen=True)
class Rendering:
    """The outcome of rendering a plan, and the state the next build starts from."""

    rendered: list[Task]  # (the plan's other tasks were reused)
    feed_html: dict[str, str]  # post source -> its HTML, for the feed
    state: BuildState
    changed: bool  # whether ``state`` differs from the previous one's entries


def render_changed(plan: Plan, previous: BuildState, records: dict[str, SourceRecord], *, drafts: bool,
                   staging: Path, old_output: Folders | None, jobs: int | None = None,
                   progress: Progress | None = None, check_files: bool = True,
                   markup_cache: MarkupCache | None = None, candidates: frozenset[str] | None = None,
                   same_deps: bool = True, flat: bool = False, first: FirstPass | None = None) -> Rendering:
    """Render into ``staging`` every task whose inputs changed since ``previous`` was recorded.

    ``records`` are this build's sources (from loading). ``check_files`` also
    re-renders outputs whose file in ``old_output`` was changed or deleted by hand
    since (``atoll build``; the dev server owns its folder). ``markup_cache`` keeps
    rendered markdown between builds (:mod:`atoll.build.markupcache`). ``candidates``: the
    outputs whose own inputs may differ, when the caller knows (the dev server after front
    matter or body edits); with ``same_deps`` every dependency is as ``previous`` recorded it
    (body-only edits), otherwise the outputs whose recorded dependencies changed are rendered
    too. ``flat``: the renders go into ``staging`` flat, for an in-place update
    (:func:`~atoll.build.inplace.scratch_file`).
    ``first``: outputs rendered and handed over before the others (:class:`FirstPass`).
    """
    model = plan.model
    fingerprints = Fingerprints(model, records, drafts)
    check = ReuseCheck(previous, fingerprints)
    if candidates is not None and not same_deps:
        stale = check.stale_outputs()
        candidates = None if stale is None else candidates | stale
    feed_posts = model.feed_posts
    known = previous.entries
    # a post newly in the feed is rendered for its HTML (kept for the feed's posts only)
    for_feed = {p.output for p in feed_posts if p.output not in known or known[p.output].html is None}
    if candidates is not None:  # the other outputs are the previous build's, unchecked
        todo = [t for t in plan.tasks if t.output in candidates or t.output in for_feed or t.output not in known]
        keys = {t.output: fingerprints.task_key(t) for t in todo}
        entries = dict(known)
        for gone in known.keys() - {t.output for t in plan.tasks}:
            del entries[gone]
    else:
        todo = []
        reused: list[Task] = []
        keys = {}
        for task in plan.tasks:
            keys[task.output] = key = fingerprints.task_key(task)
            ok = task.output not in for_feed and check.reusable(task, key, old_output, check_file=check_files)
            (reused if ok else todo).append(task)
        entries = {t.output: known[t.output] for t in reused}
    early = [t for t in todo if t.output in first.outputs] if first and len(todo) >= FIRST_PASS_MIN else []
    results = render_all_by_output(model, early, staging, jobs=jobs, markup_cache=markup_cache, flat=flat)
    stats = {o: stat_of(parallel.staged_file(staging, o, flat=flat)) for o, r in results.items() if not r.errors}
    if first and early and len(stats) == len(early):  # stated above, before ``place`` moves them
        first.place(early)
    results.update(render_all_by_output(model, [t for t in todo if t.output not in results], staging, jobs=jobs,
                                        progress=progress, markup_cache=markup_cache, flat=flat))
    errors = [e for t in todo for e in results[t.output].errors]
    if errors:
        raise BuildFailed(errors)
    for task in todo:
        result = results[task.output]
        stat = stats.get(task.output) or stat_of(parallel.staged_file(staging, task.output, flat=flat))
        entries[task.output] = Entry(fingerprints.fingerprint(task, result.deps), result.deps, keys[task.output],
                                     stat, result.html)
    dep_values = check.dep_values(entries, unchanged=candidates is not None and same_deps,
                                  rendered=(t.output for t in todo))
    state = BuildState(sources=records, entries=entries, output=previous.output,
                       global_key=fingerprints.global_key, dep_values=dep_values)
    feed_html = {p.source: entries[p.output].html or "" for p in feed_posts}
    changed = bool(todo) or entries.keys() != previous.entries.keys()
    return Rendering(todo, feed_html, state, changed)


def render_all_by_output(model: SiteModel, tasks: list[Task], staging: Path, *, jobs: int | None,
                         markup_cache: MarkupCache | None, flat: bool,
                         progress: Progress | None = None) -> dict[str, Result]:
    results = parallel.render_all(model, tasks, staging, jobs=jobs, progress=progress,
                                  markup_cache=markup_cache, flat=flat)
    return {task.output: result for task, result in zip(tasks, results, strict=True)}
