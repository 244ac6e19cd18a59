"""The persistent build cache: ``<site>/.atoll/cache/state.pickle``.

Safe to delete at any time (`atoll clean`). A cache that cannot be read, or was
written by another version of Atoll, is discarded with a note, never trusted.
Saves are sealed (:mod:`atoll.build.seal`: an HMAC under a key kept outside the
site) and a load unpickles only a file whose seal checks, so a cache file that
came with a checkout cannot run code.
"""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import tempfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from atoll.build import seal
from atoll.build.content import without_body
from atoll.build.incremental import BuildState, SourceRecord
from atoll.build.markupcache import FOLDER as MARKUP_FOLDER
from atoll.build.markupcache import MarkupCache

CACHE_DIR = ".atoll"
STATE_FILE = "state.pickle"  # `atoll build`'s; `atoll serve` keeps its own beside it


def serve_output(site_root: Path) -> Path:
    """Where `atoll serve` writes the site it serves (never `dist/`: no drafts get deployed)."""
    return site_root / CACHE_DIR / "serve"


def markup_cache(site_root: Path) -> MarkupCache:
    """Rendered markdown by content, shared by `atoll build` and `atoll serve`."""
    return MarkupCache(site_root / CACHE_DIR / "cache" / MARKUP_FOLDER)


def cache_path(site_root: Path, name: str = STATE_FILE) -> Path:
    return site_root / CACHE_DIR / "cache" / name


PARTS = 64  # a state's sources and entries are pickled in this many parts, by a hash of their names


@dataclass(frozen=True)
class Part:
    """One pickled part of a state's sources or entries, and what it unpickled to."""

    items: dict[str, Any]
    data: bytes


@dataclass(frozen=True)
class Stored:
    """The parts a state was loaded from: saving a later state pickles again only the parts
    in which a record or an entry is not the very object loaded (after a one-page edit, one
    part of each), instead of all 10,000 records (a fifth of a cached build's time)."""

    sources: tuple[Part, ...]
    entries: tuple[Part, ...]


def load(site_root: Path, name: str = STATE_FILE) -> tuple[BuildState, list[str]]:
    """The saved state, or a fresh one (with a note saying why the saved one was dropped)."""
    path = cache_path(site_root, name)
    if not path.exists():
        return BuildState(), []
    fresh = BuildState()
    try:
        data = seal.unseal(path.read_bytes())
    except seal.BrokenSeal as exc:
        return fresh, [f"{path}: build cache not written by this user's Atoll ({exc}); ignored it, "
                       f"this build renders everything"]
    except OSError as exc:
        return fresh, [f"{path}: build cache unreadable ({exc.strerror}); this build renders everything"]
    try:
        saved = _unpickled(data)
        header = saved[0] if isinstance(saved, tuple) and len(saved) == 3 else saved  # else: an older format
        if not isinstance(header, BuildState) or header.version != fresh.version:
            found = getattr(header, "version", "unknown")
            return fresh, [f"{path}: build cache is from another Atoll version ({found}); discarded it"]
        _, source_data, entry_data = saved
        stored = Stored(tuple(Part(_unpickled(d), d) for d in source_data),
                        tuple(Part(_unpickled(d), d) for d in entry_data))
    except Exception as exc:  # noqa: BLE001 - any corruption: truncated file, bad pickle, missing class...
        return fresh, [f"{path}: build cache unreadable ({type(exc).__name__}); discarded it, "
                       f"this build renders everything"]
    return replace(header, sources=_joined(stored.sources), entries=_joined(stored.entries), stored=stored), []


def _joined(parts: tuple[Part, ...]) -> dict[str, Any]:
    joined: dict[str, Any] = {}
    for part in parts:
        joined.update(part.items)
    return joined


def _unpickled(data: bytes) -> Any:
    """``pickle.loads`` without the cyclic garbage collector, which unpickling a state of
    10,000 pages sets off again and again (two thirds of the load's time) for no garbage.
    The state's million objects are then frozen out of the collector's sight: they live as
    long as the build, and each later collection would go over them all again (a tenth of
    a cached 10,000-page build's time). They are still freed when the build drops them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        state = pickle.loads(data)  # noqa: S301 - sealed by this user's key: our own file
        gc.freeze()
        return state
    finally:
        if enabled:
            gc.enable()


def save(site_root: Path, state: BuildState, name: str = STATE_FILE, *, like: BuildState | None = None) -> None:
    """Write atomically, so an interrupted save never leaves a half-written cache. ``like``:
    the state loaded at the start, whose parts are written as read where nothing in them changed."""
    path = cache_path(site_root, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = like.stored if like is not None else None
    header = replace(state, sources={}, entries={}, stored=None)
    saved = (header, _pickled(state.sources, stored.sources if stored else (), _slim),
             _pickled(state.entries, stored.entries if stored else ()))
    fd, tmp = tempfile.mkstemp(prefix=".state-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(seal.seal(pickle.dumps(saved, protocol=pickle.HIGHEST_PROTOCOL)))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _part_of(name: str) -> int:
    return zlib.crc32(name.encode("utf-8")) % PARTS


def _pickled(items: Mapping[str, Any], loaded: tuple[Part, ...],
             slim: Callable[[dict[str, Any]], dict[str, Any]] = dict) -> list[bytes]:
    """``items`` in :data:`PARTS` pickled parts; a part of ``loaded`` whose items are all the
    ones loaded (the same objects) is taken as it was read."""
    groups: list[dict[str, Any]] = [{} for _ in range(PARTS)]
    for key, value in items.items():
        groups[_part_of(key)][key] = value
    parts = []
    for i, group in enumerate(groups):
        old = loaded[i].items if len(loaded) == PARTS else None
        if old is not None and len(old) == len(group) and all(old.get(k) is v for k, v in group.items()):
            parts.append(loaded[i].data)
        else:
            parts.append(pickle.dumps(slim(group), protocol=pickle.HIGHEST_PROTOCOL))
    return parts


def _slim(records: dict[str, SourceRecord]) -> dict[str, SourceRecord]:
    """The records without page bodies: a build reads the few it renders again from their files
    (:func:`atoll.build.sources.with_body`), and loading the cache is most of a warm build."""
    return {name: replace(record, page=without_body(record.page)) for name, record in records.items()}


def clean(site_root: Path) -> bool:
    """Remove the cache folder; True if there was one."""
    folder = site_root / CACHE_DIR / "cache"
    if folder.is_dir():
        shutil.rmtree(folder)
        return True
    return False
