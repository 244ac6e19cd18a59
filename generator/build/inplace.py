"""Updating an output folder where it stands: what changed is rendered aside, then moved in.

Used by cached builds of the folder the cache describes (``atoll build``) and by
the dev server. Rendering goes to a scratch folder beside the output; only when
every page rendered does the output change. Then, in one journaled pass: stale
files deleted, each rendered file moved into place (protected pages first, so a
public page never points at one that is not there yet), the site files and
``public/`` copies that differ written; every file replaced or deleted is moved
into the scratch folder's journal first. If anything fails before
:meth:`Update.commit` (a move, the search index), :meth:`Update.roll_back` moves
every file back: a failed build has changed nothing.

Outputs under :data:`~atoll.build.protect.PROTECTED` go to the protected output
folder when there is one (``atoll build`` of a site with sign-in), and stay in
the output otherwise (the dev server keeps them there, never served).
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from atoll.build.protect import PROTECTED


def scratch_prefix(out: Path) -> str:
    return f".{out.name}.atoll-render-"


def sweep_scratch(out: Path) -> None:
    """Remove scratch folders that a killed build or session left beside ``out``."""
    if out.parent.is_dir():
        for leftover in out.parent.glob(f"{scratch_prefix(out)}*"):
            shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def scratch_folder(out: Path, *, background: bool = False) -> Iterator[Path]:
    """A fresh folder beside ``out`` for one build's renders, removed afterwards.

    ``background``: removed by a thread, for the dev server: after a layout edit it holds
    10,000 replaced files, seconds of deleting that no reader needs to wait for. A build
    waits, so that once it returns nothing of it is left beside the output (or still
    being deleted there, under a caller walking the site folder).
    """
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=scratch_prefix(out), dir=out.parent))
    try:
        yield scratch
    finally:
        if background:
            # Not a daemon thread: the process ends only once it is done.
            threading.Thread(target=shutil.rmtree, args=(scratch,), kwargs={"ignore_errors": True},
                             name="atoll-sweep", daemon=False).start()
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def scratch_file(scratch: Path, output: str) -> str:
    """Where the render of ``output`` waits in a scratch folder until it is moved in: one flat
    folder, named by a hash of the output, so that rendering makes no folder per page (the
    output folder has them already; on this file system a mkdir costs as much as writing
    the page, 0.1-0.5 ms)."""
    return os.path.join(scratch, hashlib.blake2b(output.encode("utf-8"), digest_size=16).hexdigest())


def file_entries(out: Path, start: str = "") -> Iterator[tuple[str, os.DirEntry[str]]]:
    """``(posix path relative to out, entry)`` for every file under ``out/start``, symlinks not followed."""
    stack = [start]
    while stack:
        rel = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(out, rel)))
        except FileNotFoundError:
            continue
        for entry in entries:
            path = f"{rel}/{entry.name}" if rel else entry.name
            if entry.is_dir(follow_symlinks=False):
                stack.append(path)
            else:
                yield path, entry


def files_in(out: Path, prefix: str = "") -> set[str]:
    """Every file under ``out`` (posix paths relative to it, after ``prefix``), symlinks not followed."""
    return {prefix + path for path, _ in file_entries(out)}


def _present(out: Path, protected: Path | None) -> set[str]:
    """The files of the output folders, protected ones named under PROTECTED."""
    found = files_in(out)
    if protected is not None:
        found |= files_in(protected, PROTECTED)
    return found


def move(source: Path | str, target: Path | str) -> None:
    """A rename (atomic); between file systems (a protected output elsewhere), a copy."""
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        shutil.move(source, target)


def copy_with_mtime(source: Path, target: Path | str) -> None:
    """Copy bytes and modification time (not the mode: the output's files get the umask's,
    as nginx running as another user must read them); a later build then compares stats."""
    shutil.copyfile(source, target)
    st = os.stat(source)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))


def same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def same_stat(source: Path, copy: Path) -> bool:
    """Whether ``copy`` is still the copy of ``source`` (same size and mtime): public/
    may hold big files, and reading them all on every build would be wasted."""
    try:
        a, b = source.stat(), copy.stat()
    except OSError:
        return False
    return a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns


def same_file(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


@dataclass(frozen=True)
class Folders:
    """Where a build's outputs are: ``out``, and ``protected`` for outputs under PROTECTED
    (None: they are kept inside ``out``, as the dev server does)."""

    out: Path
    protected: Path | None = None

    def path(self, output: str) -> Path:
        return Path(self.file(output))

    def file(self, output: str) -> str:
        """:meth:`path` as a plain string (pathlib's overhead shows on 10,000 outputs)."""
        if self.protected is not None and output.startswith(PROTECTED):
            return os.path.join(self.protected, output[len(PROTECTED):])
        return os.path.join(self.out, output)


class InPlace:
    """The output folders, holding ``present``: the files known to be in them (protected
    ones named under PROTECTED)."""

    def __init__(self, out: Path, present: set[str], protected: Path | None = None) -> None:
        self.folders = Folders(out, protected)
        self.present = present

    @property
    def out(self) -> Path:
        return self.folders.out

    @property
    def protected(self) -> Path | None:
        return self.folders.protected

    @classmethod
    def scan(cls, out: Path, protected: Path | None = None) -> InPlace:
        """The folders as they are on disk (a folder someone else may have changed)."""
        return cls(out, _present(out, protected), protected)

    def path(self, output: str) -> Path:
        return self.folders.path(output)

    def begin(self, scratch: Path, journal: str = ".journal") -> Update:
        """An update whose renders wait in ``scratch``; each update open at once on the
        same scratch folder needs its own ``journal`` name."""
        return Update(self, scratch, journal)


class Update:
    """One journaled change of an :class:`InPlace` output; files it replaces or deletes
    wait in ``scratch/<journal>`` until :meth:`commit` (or go back on :meth:`roll_back`)."""

    def __init__(self, target: InPlace, scratch: Path, journal: str = ".journal") -> None:
        self.target = target
        self.scratch = scratch
        self.journal = scratch / journal
        self._moved: list[tuple[str, str | None]] = []  # (live path, its old file in the journal, or None)
        self._made: list[str] = []  # folders created, to remove on roll back
        self._dirs: set[str] = set()  # folders known to exist
        self._journal_made = False
        self.changed: list[str] = []

    def apply(self, rendered: list[str], small: dict[str, bytes], copies: dict[str, Path],
              wanted: set[str]) -> list[str]:
        """Make the output hold exactly ``wanted``: stale files out, ``rendered`` (in the scratch
        folder, as :func:`scratch_file` names them) moved in, ``small`` and ``copies`` written where they differ."""
        for output in sorted(self.target.present - wanted):
            self._set_aside(output)
            self.changed.append(output)
        for output in sorted(rendered, key=lambda o: not o.startswith(PROTECTED)):
            self.put(output, scratch_file(self.scratch, output))
        for output, data in small.items():
            if not same_bytes(self.target.path(output), data):
                self.put(output, self._staged(output, data=data))
        for output, source in copies.items():
            if not same_stat(source, self.target.path(output)):
                self.put(output, self._staged(output, source=source))
        self.target.present = (self.target.present & wanted) | set(rendered) | set(small) | set(copies)
        return list(self.changed)

    def replace_folder(self, prefix: str, fresh: Path) -> None:
        """Make the outputs under ``prefix`` the files of ``fresh``: new names first, then changed
        files, stale ones last. A reader of files that name each other by content hash (Pagefind's
        entry file names its hashed index files) sees one whole version or the other."""
        new = files_in(fresh, prefix)
        live = {f for f in self.target.present if f.startswith(prefix)}
        for output in sorted(new - live):
            self.put(output, fresh / output[len(prefix):])
        for output in sorted(new & live):
            if not same_file(fresh / output[len(prefix):], self.target.path(output)):
                self.put(output, fresh / output[len(prefix):])
        for output in sorted(live - new):
            self._set_aside(output)
            self.changed.append(output)
        self.target.present = (self.target.present - live) | new

    def _staged(self, output: str, *, data: bytes | None = None, source: Path | None = None) -> Path:
        path = self.scratch / ".staged" / output
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is not None:
            path.write_bytes(data)
        elif source is not None:
            copy_with_mtime(source, path)
        return path

    def put(self, output: str, new: Path | str) -> None:
        """Move ``new`` in as ``output`` (one atomic rename), the old file journaled."""
        live = self.target.folders.file(output)
        self._make_parent(live)
        old = self._journal_path()
        journaled: str | None = old
        try:
            os.link(live, old)  # the live name keeps serving until the rename below
        except FileNotFoundError:
            journaled = None  # nothing there yet
        except OSError:
            shutil.copy2(live, old)
        self._moved.append((live, journaled))
        move(new, live)
        self.changed.append(output)

    def _set_aside(self, output: str) -> None:
        live = self.target.folders.file(output)
        if not os.path.lexists(live):
            return
        old = self._journal_path()
        move(live, old)
        self._moved.append((live, old))

    def _journal_path(self) -> str:
        if not self._journal_made:
            self.journal.mkdir(exist_ok=True)
            self._journal_made = True
        return os.path.join(self.journal, str(len(self._moved)))

    def _make_parent(self, live: str) -> None:
        parent = os.path.dirname(live)
        if parent in self._dirs:
            return
        missing = []
        while not os.path.isdir(parent):
            missing.append(parent)
            parent = os.path.dirname(parent)
        for folder in reversed(missing):
            os.mkdir(folder)
            self._made.append(folder)
        self._dirs.add(os.path.dirname(live))

    def roll_back(self) -> None:
        """Put every file back as it was before this update."""
        for live, old in reversed(self._moved):
            if old is not None:
                move(old, live)
            else:
                Path(live).unlink(missing_ok=True)
        for folder in reversed(self._made):
            try:
                os.rmdir(folder)
            except OSError:
                pass
        self._moved.clear()
        self.target.present = _present(self.target.out, self.target.protected)

    def commit(self) -> None:
        """Keep the update: remove folders its deletions left empty (the journal goes with the scratch folder)."""
        for live, old in self._moved:
            if old is not None and not os.path.lexists(live):
                self._prune(Path(live))
        self._moved.clear()

    def _prune(self, path: Path) -> None:
        roots = {self.target.out, self.target.protected}
        parent = path.parent
        while parent not in roots and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
