"""Where the default theme lives: inside the wheel, or at the root of a checkout.

The repository root is the example site, and its ``layouts/``, ``scripts/``
and ``public/`` folders are the default theme; the wheel carries copies of
them as ``atoll/themes/default/``. A site may name one more theme folder in
``site.yaml`` (``theme:``), looked up between its own folders and the default.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

THEME_FOLDERS = ("layouts", "scripts", "public")


@cache
def default_theme() -> Path:
    packaged = Path(__file__).parent / "themes" / "default"
    if (packaged / "layouts").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "layouts").is_dir():
        return checkout
    raise RuntimeError("Atoll's default theme is missing from this installation; reinstall atoll")


def theme_dirs(site_root: Path, folder: str, theme: Path | None = None) -> list[Path]:
    """Where ``folder`` is looked up, first match wins: the site's own, then its
    ``theme`` folder's (site.yaml), then the default theme's (each only if present)."""
    dirs = [site_root / folder, *([theme / folder] if theme else []), default_theme() / folder]
    unique: list[Path] = []
    for d in dirs:
        if d.is_dir() and all(d.resolve() != u.resolve() for u in unique):
            unique.append(d)
    return unique


def shown_path(site_root: Path, path: Path, name: str) -> str:
    """How error messages name a file or folder under ``theme_dirs(..., name)``:
    site-relative when it is in the site's folder (its own or its theme's), else
    as the default theme's."""
    if path.is_relative_to(site_root):  # as written: a linked folder is named by its link
        return path.relative_to(site_root).as_posix()
    resolved, root = path.resolve(), site_root.resolve()
    if resolved.is_relative_to(root):
        return resolved.relative_to(root).as_posix()
    default = (default_theme() / name).resolve()
    if resolved.is_relative_to(default):
        return "/".join([f"(default theme) {name}", *resolved.relative_to(default).parts])
    return resolved.as_posix()  # a theme folder outside the site's
