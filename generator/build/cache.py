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
from dataclasses import replace
from pathlib import Path

from atoll.build import seal
from atoll.build.content import without_body
from atoll.build.incremental import BuildState
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
        state = _unpickled(data)
    except Exception as exc:  # noqa: BLE001 - any corruption: truncated file, bad pickle, missing class...
        return fresh, [f"{path}: build cache unreadable ({type(exc).__name__}); discarded it, "
                       f"this build renders everything"]
    if not isinstance(state, BuildState) or getattr(state, "version", None) != fresh.version:
        found = getattr(state, "version", "unknown")
        return fresh, [f"{path}: build cache is from another Atoll version ({found}); discarded it"]
    return state, []


def _unpickled(data: bytes) -> object:
    """``pickle.loads`` without the cyclic garbage collector, which unpickling a state of
    10,000 pages sets off again and again (two thirds of the load's time) for no garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)  # noqa: S301 - sealed by this user's key: our own file
    finally:
        if enabled:
            gc.enable()


def save(site_root: Path, state: BuildState, name: str = STATE_FILE) -> None:
    """Write atomically, so an interrupted save never leaves a half-written cache."""
    path = cache_path(site_root, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".state-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(seal.seal(pickle.dumps(_slim(state), protocol=pickle.HIGHEST_PROTOCOL)))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _slim(state: BuildState) -> BuildState:
    """The state without page bodies: a build reads the few it renders again from their files
    (:func:`atoll.build.sources.with_body`), and loading the cache is most of a warm build."""
    sources = {name: replace(record, page=without_body(record.page)) for name, record in state.sources.items()}
    return replace(state, sources=sources)


def clean(site_root: Path) -> bool:
    """Remove the cache folder; True if there was one."""
    folder = site_root / CACHE_DIR / "cache"
    if folder.is_dir():
        shutil.rmtree(folder)
        return True
    return False
