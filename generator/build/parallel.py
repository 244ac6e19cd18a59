"""Rendering on every core: a fork-based process pool over render tasks.

Workers inherit the :class:`SiteModel` through fork (nothing is pickled but
task indices), build their Markdown and Jinja2 machinery once, and write their
files straight into the staging folder; only errors, links and the feed's
HTML travel back.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.pool
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from atoll.build.inplace import scratch_file
from atoll.build.markupcache import MarkupCache
from atoll.build.model import SiteModel
from atoll.build.sources import ReadResult, SourceFile, read_source
from atoll.build.tasks import Task

if TYPE_CHECKING:  # rendering's modules (Markdown, Pygments, Jinja2) load only when something renders
    from atoll.build.render import Result, SiteRenderer

# Below this many tasks, starting processes costs more than it saves.
PARALLEL_THRESHOLD = 200
CHUNK = 64

_model: SiteModel | None = None
_tasks: Sequence[Task] = ()
_staging: Path | None = None
_flat = False
_renderer: SiteRenderer | None = None
_markup_cache: MarkupCache | None = None


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# Signals a worker holds back until it has dropped the handlers it inherited.
_HELD = frozenset({signal.SIGTERM, signal.SIGINT})


@contextmanager
def worker_pool(jobs: int) -> Iterator[multiprocessing.pool.Pool]:
    """A fork-based pool of ``jobs`` workers, terminated on leaving.

    A fork inherits the parent's signal set-up: under `atoll serve`, asyncio's wakeup fd and
    SIGTERM handler. A SIGTERM that reached a worker before it had dropped them (the pool's
    own, when the work is done before the last worker has started) would be written to the
    server's wakeup fd, and the server would stop as if killed. So the workers are forked,
    from this thread and from the pool's threads started here, with those signals blocked,
    and each unblocks them once its handlers are the default ones.
    """
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_init) as pool:
            # a Ctrl-C held meanwhile is raised here, where leaving terminates the workers
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            yield pool
    finally:  # if the pool could not start
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _worker_init() -> None:
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    # Freezing what the fork inherited also keeps those pages shared with the parent.
    gc.freeze()
    collect_less_often()


def collect_less_often() -> None:
    """Set for a process that builds: reading, planning and rendering make millions of
    short-lived objects, and with the cyclic collector's default thresholds it runs
    thousands of times per build for almost no garbage (and walks the whole site's
    state each time it reaches the oldest generation: 0.1 s of a 1 s cached build, and
    a quarter of a dev-server rebuild after a tag edit on 10,000 pages)."""
    gc.set_threshold(50_000, 20, 100)


def _render_range(bounds: tuple[int, int]) -> list[Result]:
    """Render tasks[start:stop] in this process; write their files; return slim results."""
    from atoll.build.render import SiteRenderer  # loaded by render_all before the fork

    global _renderer
    assert _model is not None and _staging is not None  # noqa: S101 - set by the pool's initializer
    if _renderer is None or _renderer.model is not _model or _renderer.markup_cache is not _markup_cache:
        _renderer = SiteRenderer(_model, _markup_cache)
    results = []
    made: set[str] = set()
    for task in _tasks[bounds[0]:bounds[1]]:
        result = _renderer.render(task)
        if result.data is not None:
            target = staged_file(_staging, task.output, flat=_flat)
            parent = os.path.dirname(target)
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            with open(target, "wb") as f:
                f.write(result.data)
            result.data = None
        results.append(result)
    return results


def staged_file(staging: Path, output: str, *, flat: bool) -> str:
    """Where a render of ``output`` is written: its place in the staging tree, or with
    ``flat`` (a scratch folder for an in-place update) :func:`~atoll.build.inplace.scratch_file`."""
    return scratch_file(staging, output) if flat else os.path.join(staging, output)


def _use_pool(jobs: int, count: int) -> bool:
    return jobs > 1 and count >= PARALLEL_THRESHOLD and "fork" in multiprocessing.get_all_start_methods()


def _read_chunk(items: list[tuple[SourceFile, str | None]]) -> list[ReadResult]:
    return [read_source(source, known) for source, known in items]


def read_all(items: Sequence[tuple[SourceFile, str | None]], *, jobs: int | None = None) -> list[ReadResult]:
    """Read and parse pages (``(source, known digest)`` pairs), in order, on every core."""
    jobs = jobs or default_jobs()
    if not _use_pool(jobs, len(items)):
        return _read_chunk(list(items))
    size = max(CHUNK, -(-len(items) // (jobs * 4)))
    chunks = [list(items[i:i + size]) for i in range(0, len(items), size)]
    with worker_pool(jobs) as pool:
        return [result for chunk in pool.imap(_read_chunk, chunks) for result in chunk]


def render_all(model: SiteModel, tasks: Sequence[Task], staging: Path, *, jobs: int | None = None,
               progress: Callable[[int, int], None] | None = None,
               markup_cache: MarkupCache | None = None, flat: bool = False) -> list[Result]:
    """Render every task into ``staging`` (where :func:`staged_file` says); results come back
    in task order."""
    if not tasks:
        return []
    import atoll.build.render  # noqa: F401 - once, before the workers fork
    global _model, _tasks, _staging, _markup_cache, _flat
    _model, _tasks, _staging, _markup_cache, _flat = model, tasks, staging, markup_cache, flat
    jobs = jobs or default_jobs()
    chunks = [(i, min(i + CHUNK, len(tasks))) for i in range(0, len(tasks), CHUNK)]
    results: list[Result] = []
    try:
        if not _use_pool(jobs, len(tasks)):
            for bounds in chunks:
                results.extend(_render_range(bounds))
                if progress:
                    progress(bounds[1], len(tasks))
            return results
        by_start: dict[int, list[Result]] = {}
        with worker_pool(jobs) as pool:
            done = 0
            for bounds, chunk in zip(chunks, pool.imap(_render_range, chunks), strict=True):
                by_start[bounds[0]] = chunk
                done += len(chunk)
                if progress:
                    progress(done, len(tasks))
        for bounds in chunks:
            results.extend(by_start[bounds[0]])
        return results
    finally:
        _model, _tasks, _staging, _markup_cache, _flat = None, (), None, None, False
