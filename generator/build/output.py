"""Writing the output folder atomically, and refusing dangerous output locations.

A build writes into a staging folder beside the output and swaps it in only
when everything succeeded, so a failed or interrupted build leaves the previous
output as it was. Only the output folder itself and Atoll's own staging
folders (``.<name>.atoll-staging-*``) are ever removed.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
from pathlib import Path

from atoll.build.inplace import copy_with_mtime
from atoll.build.protect import PROTECTED
from atoll.errors import SiteError

SOURCE_FOLDERS = ("content", "layouts", "scripts", "public")
MARKER = ".atoll-build"
MARKER_TEXT = "This folder is written by `atoll build`; it is replaced on every build.\n"


def check_output_location(site_root: Path, out: Path) -> None:
    """Refuse an output folder that is, contains or is inside a source folder."""
    out = out.resolve()
    root = site_root.resolve()
    if out == root or out in root.parents:
        raise SiteError(f"output folder {out} contains the site itself; choose a folder such as "
                        f"{root / 'dist'}", None)
    for name in SOURCE_FOLDERS:
        src = (root / name).resolve()
        if out == src or src.is_relative_to(out) or out.is_relative_to(src):
            raise SiteError(
                f"output folder {out} overlaps the source folder {name}/; a build replaces its "
                f"output folder, so it must be separate", None, hint="use --out dist (the default)")
    if out.exists() and not out.is_dir():
        raise SiteError(f"output path {out} exists and is not a folder", None)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SiteError(
            f"output folder {out} is not empty and was not written by Atoll; refusing to replace it",
            None, hint="empty it, or pick another folder with --out")


def check_protected_location(site_root: Path, out: Path, protected: Path) -> None:
    """The protected output: the rules of :func:`check_output_location`, and apart from the public output
    (inside it, every protected page would be public)."""
    protected, out = protected.resolve(), out.resolve()
    if protected == out or protected.is_relative_to(out) or out.is_relative_to(protected):
        raise SiteError(f"protected output folder {protected} overlaps the public output {out}; protected "
                        "pages must never be inside what is published", None,
                        hint="leave protected_output unset (the default is the output's path with -protected "
                             "appended) or pick a folder beside the output with --protected-out")
    try:
        check_output_location(site_root, protected)
    except SiteError as exc:
        raise SiteError(exc.message.replace("output folder", "protected output folder", 1)
                        .replace("output path", "protected output path", 1), None,
                        hint=exc.hint and exc.hint.replace("--out", "--protected-out")) from None


def _staging_prefix(out: Path) -> str:
    return f".{out.name}.atoll-staging-"


def _fresh_folder(parent: Path, prefix: str) -> Path:
    """A new, uniquely named folder with the mode a plain ``mkdir`` gives under the user's umask
    (``tempfile.mkdtemp`` makes it 0700, and the staging folder becomes the output folder)."""
    while True:
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


def _sweep_leftovers(out: Path) -> None:
    """Remove staging folders that an interrupted build (Ctrl-C, kill) left behind."""
    prefix = _staging_prefix(out)
    for entry in out.parent.iterdir():
        if entry.name.startswith(prefix) and entry.is_dir() and not entry.is_symlink():
            if (entry / MARKER).exists() or not any(entry.iterdir()):
                shutil.rmtree(entry, ignore_errors=True)


def _remove_all(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def _swap(new: Path, target: Path) -> list[Path]:
    """Rename ``new`` to ``target``; the previous ``target`` (renamed aside) is returned for deletion."""
    if not target.exists():
        os.rename(new, target)
        return []
    old = Path(tempfile.mkdtemp(prefix=_staging_prefix(target), dir=target.parent))
    os.rmdir(old)
    os.rename(target, old)
    os.rename(new, target)
    return [old]


class Staging:
    """A fresh folder beside ``out``; :meth:`commit` swaps it in, :meth:`discard` drops it.

    With ``protected``, whatever was written under :data:`~atoll.build.protect.PROTECTED`
    becomes the protected output at commit, swapped in the same way (before the public
    output, so a new public page never points at a protected page that is not there yet).
    """

    def __init__(self, out: Path, protected: Path | None = None) -> None:
        self.out = out.resolve()
        self.protected = protected.resolve() if protected is not None else None
        self.out.parent.mkdir(parents=True, exist_ok=True)
        for target in (self.out, self.protected):
            if target is not None and target.parent.is_dir():
                _sweep_leftovers(target)
        self.path = _fresh_folder(self.out.parent, _staging_prefix(self.out))
        (self.path / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        self._made_dirs: set[str] = {""}

    def _target(self, output: str) -> str:
        """The staging path for ``output``, its folder made (once per folder)."""
        target = os.path.join(self.path, output)
        parent = output.rpartition("/")[0]
        if parent not in self._made_dirs:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            self._made_dirs.add(parent)
        return target

    def write(self, output: str, data: bytes) -> None:
        with open(self._target(output), "wb") as f:
            f.write(data)

    def copy(self, output: str, source: Path) -> None:
        copy_with_mtime(source, self._target(output))

    def link(self, output: str, existing: str) -> None:
        """Reuse an unchanged file of the previous output (a hard link; a copy where links fail)."""
        target = self._target(output)
        try:
            os.link(existing, target)
        except OSError:
            shutil.copy2(existing, target)

    def commit(self) -> threading.Thread | None:
        """Swap the staging folder(s) in place of the output folder(s).

        The previous outputs are deleted by the returned (started) thread, so that
        the caller's remaining work overlaps it; join it before exiting.
        """
        old: list[Path] = []
        if self.protected is not None:
            inner = self.path / PROTECTED.rstrip("/")
            if not inner.is_dir():
                inner.mkdir()
            (inner / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
            self.protected.parent.mkdir(parents=True, exist_ok=True)
            staged = _fresh_folder(self.protected.parent, _staging_prefix(self.protected))
            os.rmdir(staged)
            shutil.move(inner, staged)  # a rename on one file system
            old += _swap(staged, self.protected)
        old += _swap(self.path, self.out)
        if not old:
            return None
        sweeper = threading.Thread(target=_remove_all, args=(old,), name="atoll-sweep", daemon=False)
        sweeper.start()
        return sweeper

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
