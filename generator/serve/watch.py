"""Change detection for the dev server: watchdog events, debounced into rebuild requests.

Editors save in bursts (a temp file, a rename, a backup) and `git checkout`
touches many files at once: events are gathered until the site has been quiet
for a moment, then one rebuild runs. Events that arrive during a rebuild
trigger exactly one more, so no save is ever lost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from atoll.serve.rebuild import Changes

WATCHED = ("content", "layouts", "scripts", "public")
CONFIG = "site.yaml"
QUIET = 0.03  # seconds without events before a rebuild starts
MAX_WAIT = 0.3  # ...but never wait longer than this after the first event


def relevant(site_root: Path, path: str) -> str | None:
    """The site-relative path of a changed source file, or None (editor droppings, output...)."""
    changed = Path(path)
    try:
        # The folder resolved, not the file: a new symbolic link out of the site is a change too.
        rel = (changed.parent.resolve() / changed.name).relative_to(site_root)
    except ValueError:
        return None
    if not rel.parts:
        return None
    name = rel.parts[-1]
    if name.startswith(".#") or name.endswith(("~", ".swp", ".swx", ".tmp")) or name == "4913":
        return None
    if rel.parts == (CONFIG,):
        return CONFIG
    if rel.parts[0] in WATCHED and not any(part.startswith(".") for part in rel.parts):
        return rel.as_posix()
    return None


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return  # a file in it changed: that file's own event says which
        if event.is_directory and event.event_type in ("created", "moved"):
            self.watcher.watch_new_folder(Path(str(getattr(event, "dest_path", "") or event.src_path)))
        paths = [str(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        found = [rel for rel in (relevant(self.watcher.site_root, p) for p in paths) if rel]
        if found:
            # a folder created, deleted or moved changes which files exist below it
            rescan = event.is_directory and event.event_type in ("created", "deleted", "moved")
            self.watcher.poke(found, rescan=rescan)


class Watcher:
    """Calls ``on_change(changes)`` (in its own thread) after each quiet burst of source changes."""

    def __init__(self, site_root: Path, on_change: Callable[[Changes], None]) -> None:
        self.site_root = site_root.resolve()
        self.on_change = on_change
        self._observer = Observer()
        self._pending = threading.Event()
        self._last_event = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._paths: set[str] = set()
        self._rescan = False
        self._thread = threading.Thread(target=self._run, name="atoll-rebuild", daemon=True)

    def start(self) -> None:
        # Only the source folders, recursively: the output folders beside them change
        # by thousands of files on each rebuild and are none of our business.
        self._handler = _Handler(self)
        self._observer.schedule(self._handler, str(self.site_root), recursive=False)
        self._watched: set[str] = set()
        for name in WATCHED:
            self.watch_new_folder(self.site_root / name)
        self._observer.start()
        self._thread.start()

    def watch_new_folder(self, path: Path) -> None:
        """Watch a source folder that appeared after start-up (e.g. a new layouts/)."""
        if path.parent == self.site_root and path.name in WATCHED and path.is_dir() \
                and path.name not in self._watched:
            self._watched.add(path.name)
            self._observer.schedule(self._handler, str(path), recursive=True)

    def stop(self) -> None:
        self._stop.set()
        self._pending.set()
        self._observer.stop()
        self._observer.join(timeout=5)
        self._thread.join(timeout=5)

    def poke(self, paths: list[str], *, rescan: bool = False) -> None:
        with self._lock:
            self._paths.update(paths)
            self._rescan = self._rescan or rescan
        self._last_event = time.monotonic()
        self._pending.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._pending.wait()
            if self._stop.is_set():
                return
            first = time.monotonic()
            while time.monotonic() - self._last_event < QUIET and time.monotonic() - first < MAX_WAIT:
                time.sleep(QUIET / 3)
            with self._lock:
                self._pending.clear()  # events from here on ask for one more rebuild
                changes = Changes(frozenset(self._paths), self._rescan)
                self._paths, self._rescan = set(), False
            self.on_change(changes)
