"""Loading: content files -> pages, reusing the previous build's parse where the file is unchanged."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from atoll.build import parallel
from atoll.build.content import Page
from atoll.build.incremental import SourceRecord, stat_of
from atoll.build.sources import SourceFile
from atoll.errors import SiteError

# A stat is trusted only for files older than this: a file saved twice within the
# file system's timestamp granularity can keep its size and mtime ("racily clean").
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class Loaded:
    """The pages read, in source order, and what the next build needs to know of them."""

    sources: list[SourceFile]  # the content files, in order
    records: dict[str, SourceRecord]  # source -> its stat, digest and page, for the next load
    changed: frozenset[str]  # sources whose record differs from the previous one (new, edited, gone)
    errors: list[SiteError]

    @cached_property
    def pages(self) -> list[Page]:
        """The pages, in source order (made when asked: the dev server's shortcuts keep the previous plan's)."""
        return [self.records[s.source].page for s in self.sources if s.source in self.records]


def _unread(sources: Sequence[SourceFile], previous: Mapping[str, SourceRecord],
            maybe_changed: set[str] | None) -> tuple[dict[str, SourceRecord], list[SourceFile]]:
    """The previous records still good (unchanged stat, or not named by the watcher), and the rest."""
    settled = time.time_ns() - RACY_NS
    kept: dict[str, SourceRecord] = {}
    todo: list[SourceFile] = []
    if maybe_changed is not None:  # the common case, without a loop over every source
        named = [source for source in sources if source.source in maybe_changed]
        kept = dict(previous)
        for name in maybe_changed:
            kept.pop(name, None)
        if kept.keys() == {source.source for source in sources} - maybe_changed:  # each other has its record
            sources = named
        else:
            kept = {}
    for source in sources:
        record = previous.get(source.source)
        if record is not None and maybe_changed is not None and source.source not in maybe_changed:
            kept[source.source] = record
            continue
        try:
            st: tuple[int, int] | None = stat_of(source.path)
        except FileNotFoundError:  # deleted since discovery; the next build will not see it
            continue
        except OSError:
            st = None
        if record is not None and record.stat == st and st is not None and st[1] < settled:
            kept[source.source] = record
        else:
            todo.append(source)
    return kept, todo


def load_pages(sources: list[SourceFile], previous: Mapping[str, SourceRecord], *, jobs: int | None = None,
               maybe_changed: set[str] | None = None) -> Loaded:
    """Parse every page whose file may have changed since ``previous`` was recorded.

    With ``maybe_changed`` (from a file watcher), only those sources are looked at again.
    """
    records, todo = _unread(sources, previous, maybe_changed)
    known = [(s, previous[s.source].digest if s.source in previous else None) for s in todo]
    errors: list[SiteError] = []
    changed: set[str] = set()
    for result in parallel.read_all(known, jobs=jobs):
        name = result.source.source
        if result.gone:
            continue
        if result.errors:
            errors.extend(result.errors)
            changed.add(name)
            continue
        if result.stat is None or result.digest is None:  # pragma: no cover - read_source sets both
            raise RuntimeError(f"{name}: read without a stat")
        page = result.page if result.page is not None else previous[name].page  # None: same bytes
        records[name] = SourceRecord(result.stat, result.digest, page)
        changed.add(name)
    changed |= previous.keys() - records.keys()
    return Loaded(sources, records, frozenset(changed), errors)
