"""Change detection for the dev server: watchdog events, debounced into rebuild requests.

Editors save in bursts (a temp file, a rename, a backup) and `git checkout`
touches many files at once: events are gathered until the site has been quiet
for a moment, then one rebuild runs. The moment is short once every file in the
burst was last seen finished (closed after writing, or renamed into place: the
last step of every editor's save) and longer while one may still be written.
Events that arrive during a rebuild trigger exactly one more, so no save is
ever lost.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from atoll.serve.rebuild import Changes
from atoll.theme import THEME_FOLDERS

WATCHED = ("content", "layouts", "scripts", "public")
CONFIG = "site.yaml"
QUIET = 0.03  # seconds without events before a rebuild starts
SETTLED_QUIET = 0.005  # ...when every file in the burst was last closed after writing or moved into place
MAX_WAIT = 0.3  # ...but never wait longer than this after the first event


def source_folders(site_root: Path, theme: Path | None = None) -> tuple[tuple[str, ...], ...]:
    """The watched folders, site-relative: content/, layouts/, scripts/, public/, and the
    site.yaml theme's layouts/, scripts/ and public/ when that theme is inside the site."""
    folders: list[tuple[str, ...]] = [(name,) for name in WATCHED]
    if theme is not None and theme.resolve().is_relative_to(site_root.resolve()):
        inside = theme.resolve().relative_to(site_root.resolve()).parts
        folders += [(*inside, name) for name in THEME_FOLDERS]
    return tuple(dict.fromkeys(folders))


def relevant(site_root: Path, path: str, folders: tuple[tuple[str, ...], ...] | None = None) -> str | None:
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
    inside = any(rel.parts[:len(folder)] == folder for folder in folders or source_folders(site_root))
    if inside and not any(part.startswith(".") for part in rel.parts):
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
        site_root, folders = self.watcher.site_root, self.watcher.folders
        source = relevant(site_root, str(event.src_path), folders)
        dest = relevant(site_root, str(getattr(event, "dest_path", "") or ""), folders)
        # Finished: closed after writing, or renamed into place. Anything else (a file created,
        # written, deleted or renamed away, as a backup-then-write save starts) may have more coming.
        file = not event.is_directory
        seen = {**({source: file and event.event_type == "closed"} if source else {}),
                **({dest: file} if dest else {})}
        if seen:
            # a folder created, deleted or moved changes which files exist below it
            rescan = event.is_directory and event.event_type in ("created", "deleted", "moved")
            self.watcher.poke(seen, rescan=rescan)


class Watcher:
    """Calls ``on_change(changes)`` (in its own thread) after each quiet burst of source changes."""

    def __init__(self, site_root: Path, on_change: Callable[[Changes], None], theme: Path | None = None) -> None:
        self.site_root = site_root.resolve()
        self.folders = source_folders(self.site_root, theme)
        self.on_change = on_change
        self._observer = Observer()
        self._pending = threading.Event()
        self._poked = threading.Event()
        self._last_event = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._paths: set[str] = set()
        self._writing: set[str] = set()  # of those, the ones not last seen finished
        self._rescan = False
        self._thread = threading.Thread(target=self._run, name="atoll-rebuild", daemon=True)

    def start(self) -> None:
        # Only the source folders, recursively: the output folders beside them change
        # by thousands of files on each rebuild and are none of our business.
        self._handler = _Handler(self)
        self._observer.schedule(self._handler, str(self.site_root), recursive=False)
        self._watched: set[tuple[str, ...]] = set()
        for folder in self.folders:
            self.watch_new_folder(self.site_root.joinpath(*folder))
        self._observer.start()
        self._thread.start()

    def watch_new_folder(self, path: Path) -> None:
        """Watch a source folder that appeared after start-up (e.g. a new layouts/)."""
        try:
            folder = path.resolve().relative_to(self.site_root).parts
        except ValueError:
            return
        if folder in self.folders and folder not in self._watched and path.is_dir():
            self._watched.add(folder)
            self._observer.schedule(self._handler, str(path), recursive=True)

    def stop(self) -> None:
        self._stop.set()
        self._pending.set()
        self._observer.stop()
        self._observer.join(timeout=5)
        self._thread.join(timeout=5)

    def poke(self, seen: dict[str, bool], *, rescan: bool = False) -> None:
        """Note changed files: ``{site-relative path: whether it was last seen finished}``."""
        with self._lock:
            self._paths.update(seen)
            self._rescan = self._rescan or rescan
            for path, finished in seen.items():
                (self._writing.discard if finished else self._writing.add)(path)
            self._last_event = time.monotonic()
        self._pending.set()
        self._poked.set()

    def _quiet_left(self, first: float) -> float:
        """Seconds to wait before the burst that began at ``first`` is rebuilt."""
        with self._lock:
            quiet = QUIET if self._writing else SETTLED_QUIET
            now = time.monotonic()
            return min(self._last_event + quiet - now, first + MAX_WAIT - now)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._pending.wait()
            if self._stop.is_set():
                return
            first = time.monotonic()
            while True:
                self._poked.clear()
                if (left := self._quiet_left(first)) <= 0:
                    break
                self._poked.wait(left)  # woken early by the next event: the wait may be shorter now
            with self._lock:
                self._pending.clear()  # events from here on ask for one more rebuild
                changes = Changes(frozenset(self._paths), self._rescan)
                self._paths, self._rescan = set(), False
                self._writing.clear()
            self.on_change(changes)
