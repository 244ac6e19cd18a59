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


class Staging:
    """A fresh folder beside ``out``; :meth:`commit` swaps it in, :meth:`discard` drops it."""

    def __init__(self, out: Path) -> None:
        self.out = out.resolve()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self._sweep_leftovers()
        self.path = _fresh_folder(self.out.parent, _staging_prefix(self.out))
        (self.path / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        self._made_dirs: set[str] = {""}

    def _sweep_leftovers(self) -> None:
        """Remove staging folders that an interrupted build (Ctrl-C, kill) left behind."""
        prefix = _staging_prefix(self.out)
        for entry in self.out.parent.iterdir():
            if entry.name.startswith(prefix) and entry.is_dir() and not entry.is_symlink():
                if (entry / MARKER).exists() or not any(entry.iterdir()):
                    shutil.rmtree(entry, ignore_errors=True)

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
        shutil.copyfile(source, self._target(output))

    def link(self, output: str, existing: str) -> None:
        """Reuse an unchanged file of the previous output (a hard link; a copy where links fail)."""
        target = self._target(output)
        try:
            os.link(existing, target)
        except OSError:
            shutil.copy2(existing, target)

    def commit(self) -> threading.Thread | None:
        """Swap the staging folder in place of the output folder.

        The previous output is deleted by the returned (started) thread, so that
        the caller's remaining work overlaps it; join it before exiting.
        """
        if not self.out.exists():
            os.rename(self.path, self.out)
            return None
        old = Path(tempfile.mkdtemp(prefix=_staging_prefix(self.out), dir=self.out.parent))
        os.rmdir(old)
        os.rename(self.out, old)
        os.rename(self.path, self.out)
        sweeper = threading.Thread(target=shutil.rmtree, args=(old,), kwargs={"ignore_errors": True},
                                   name="atoll-sweep", daemon=False)
        sweeper.start()
        return sweeper

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
