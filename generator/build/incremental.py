"""What a rebuild may skip: source and output fingerprints kept between builds.

Each output file is remembered with the dependencies its render recorded
(layouts loaded, collections read, pages linked to) and a fingerprint over
the values of those dependencies plus its own inputs. On the next build an
output whose fingerprint is unchanged is reused instead of rendered. The
state lives in memory in the dev server and on disk (:mod:`atoll.build.cache`)
for ``atoll build``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from atoll import __version__
from atoll.build.assets import asset_stamp
from atoll.build.collections import BLOG_URL, pager_at
from atoll.build.content import Page
from atoll.build.inplace import Folders
from atoll.build.layouts import layout_source
from atoll.build.model import SiteModel
from atoll.build.sources import text_digest
from atoll.build.tasks import Kind, Task

STATE_FORMAT = 7


@dataclass(frozen=True)
class SourceRecord:
    """A content file as last read: its stat, its text's digest and the page it gave."""

    stat: tuple[int, int]  # (size, mtime_ns)
    digest: str
    page: Page


@dataclass(frozen=True)
class Entry:
    """An output file as last written."""

    fingerprint: str
    deps: tuple[str, ...]
    key: str = ""  # the task's own inputs (Fingerprints.task_key) when it was rendered
    stat: tuple[int, int] | None = None  # (size, mtime_ns) of the written file
    html: str | None = None  # a post's HTML, kept for the feed


@dataclass(frozen=True)
class BuildState:
    """What one build leaves for the next; each build makes a new one."""

    version: str = f"{__version__}/{STATE_FORMAT}"
    sources: dict[str, SourceRecord] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    output: str | None = None  # the folder the entries describe
    global_key: str = ""  # Fingerprints.global_key of the build that wrote the entries
    dep_values: dict[str, str] = field(default_factory=dict)  # dependency -> value at that build
    index_files: dict[str, tuple[int, int]] = field(default_factory=dict)  # the search index's files, as written
    index_behind: bool = False  # the dev server stopped before its search index caught up with the pages
    # the cache file's parts it was loaded from (atoll.build.cache.Stored): not part of its value
    stored: Any = field(default=None, compare=False, repr=False)


def digest(text: str | bytes) -> str:
    return text_digest(text.encode("utf-8") if isinstance(text, str) else text)


def _metas_digest(pages: Iterable[Page]) -> str:
    """A digest of the pages' :attr:`~Page.meta`, in order."""
    return text_digest(b"".join(page.meta_digest for page in pages))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


class Fingerprints:
    """Dependency values for one build, each computed at most once."""

    def __init__(self, model: SiteModel, records: Mapping[str, SourceRecord], drafts: bool) -> None:
        self.model = model
        self.records = records  # this build's sources: their digests
        config = model.config
        self.global_key = digest(_canonical([
            __version__, drafts, repr(config), model.auth_json(), sorted(model.scripts.items()),
        ]))
        self._values: dict[str, str] = {}
        self._by_slug = {t.slug: t for t in model.tags}

    @staticmethod
    def meta(page: Page) -> str:
        return page.meta

    def _collection(self, name: str) -> str:
        m = self.model
        if name == "posts":
            return _metas_digest(m.posts)
        if name == "pages":
            return _metas_digest(m.pages)
        if name == "tags":
            return text_digest(b"".join(t.members_digest for t in m.tags)
                               + self.value("col:posts").encode() + self.value("col:pages").encode())
        return "unknown"

    def value(self, dep: str) -> str:
        if dep not in self._values:
            kind, _, name = dep.partition(":")
            if kind == "tpl":
                text = layout_source(self.model.config.root, name, self.model.config.theme)
                self._values[dep] = digest(text) if text is not None else "missing"
            elif kind == "col":
                self._values[dep] = self._collection(name)
            elif kind == "link":
                self._values[dep] = self.model.urls.get(name, "missing")
            elif kind == "file":  # a local file a page shows: its size and time (image width/height)
                self._values[dep] = asset_stamp(self.model.assets, name)
            elif kind == "nav":  # a section's sidebar; prev/next and breadcrumbs follow from it
                self._values[dep] = digest(repr(self.model.nav.sections.get(name)))
            else:
                self._values[dep] = "unknown"
        return self._values[dep]

    def task_key(self, task: Task) -> str:
        """The task's own inputs, apart from the dependencies its render records."""
        key = _TASK_KEYS.get(task.kind)
        return key(self, task) if key is not None else ""

    def _page_key(self, task: Task) -> str:
        page = self.model.pages[task.index]
        return f"{self.records[page.source].digest}|{page.url}|{self.model.layouts[page.source]}"

    def _listing_key(self, task: Task) -> str:
        m = self.model
        pager = pager_at(m.posts, m.config.per_page, BLOG_URL, task.index)  # what the listing shows
        intro = m.section_index
        record = self.records.get(intro.source) if intro else None
        return digest("\n".join([f"{task.index}/{pager.total}", intro.source if intro else "",
                                 record.digest if record else "",
                                 *(self.meta(p) for p in pager.items)]))

    def _gate_key(self, task: Task) -> str:
        """A prompt or 403 page shows the page's title and groups (in its meta) and nothing else."""
        return self.meta(self.model.pages[task.index])

    def _tag_key(self, task: Task) -> str:
        tag = self._by_slug[task.tag]
        return digest("\n".join([tag.name, *(self.meta(p) for p in tag.pages)]))

    def fingerprint(self, task: Task, deps: tuple[str, ...]) -> str:
        parts = [self.global_key, task.kind.value, task.output, task.url, self.task_key(task)]
        parts += [f"{d}={self.value(d)}" for d in deps]
        return digest("\n".join(parts))


class ReuseCheck:
    """Decides, task by task, whether the previous output is still right.

    A task's fingerprint is a function of the global key, its own key and the
    values of its recorded dependencies; when none of those changed since the
    previous build, the fingerprint has not either, and it is not recomputed.
    That keeps a one-page rebuild of a 10,000-page site from hashing 10,000 keys.
    """

    def __init__(self, state: BuildState, fingerprints: Fingerprints) -> None:
        self.state = state
        self.fingerprints = fingerprints
        self.same_global = state.global_key == fingerprints.global_key

    @cached_property
    def changed_deps(self) -> set[str]:
        return {dep for dep, old in self.state.dep_values.items()
                if self.fingerprints.value(dep) != old} if self.same_global else set()

    def stale_outputs(self) -> set[str] | None:
        """The previous outputs whose recorded dependencies changed (None: any may have, as the
        global key did)."""
        if not self.same_global:
            return None
        changed = self.changed_deps
        return {output for output, entry in self.state.entries.items() if not changed.isdisjoint(entry.deps)}

    def unchanged(self, task: Task, entry: Entry, key: str) -> bool:
        if self.same_global and entry.key == key and self.changed_deps.isdisjoint(entry.deps):
            return True
        return entry.fingerprint == self.fingerprints.fingerprint(task, entry.deps)

    def reusable(self, task: Task, key: str, old_output: Folders | None, *, check_file: bool = True) -> bool:
        """Whether the previous build's file for ``task`` can be reused as it is."""
        entry = self.state.entries.get(task.output)
        if entry is None or old_output is None or not self.unchanged(task, entry, key):
            return False
        if not check_file:
            return True
        try:  # a hand-edited or deleted output file is rendered again
            st = os.stat(old_output.file(task.output))
        except OSError:
            return False
        return entry.stat == (st.st_size, st.st_mtime_ns)

    def dep_values(self, entries: dict[str, Entry], *, unchanged: bool = False,
                   rendered: Iterable[str] = ()) -> dict[str, str]:
        """The values of every dependency ``entries`` recorded, as this build sees them;
        ``unchanged``: the caller knows the previous build's values still hold, and the
        entries are the previous build's but for the outputs ``rendered``."""
        before = self.state.entries
        if unchanged and self.same_global and entries.keys() == before.keys() and all(
                set(entries[output].deps) == set(before[output].deps) for output in rendered):
            return self.state.dep_values  # the same dependencies, with the same values
        deps = {dep for entry in entries.values() for dep in entry.deps}
        known = self.state.dep_values if unchanged and self.same_global else {}
        return {dep: known[dep] if dep in known else self.fingerprints.value(dep) for dep in deps}


def stat_of(path: Path | str) -> tuple[int, int]:
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns)



# The kinds whose output depends on more than their recorded dependencies; the rest key on "".
_TASK_KEYS = {Kind.PAGE: Fingerprints._page_key, Kind.LISTING: Fingerprints._listing_key,
              Kind.TAG: Fingerprints._tag_key, Kind.PROMPT: Fingerprints._gate_key,
              Kind.FORBIDDEN: Fingerprints._gate_key}
