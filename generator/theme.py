"""Where the default theme lives: inside the wheel, or at the root of a checkout.

The repository root is the example site, and its ``layouts/``, ``scripts/``
and ``public/`` folders are the default theme; the wheel carries copies of
them as ``atoll/themes/default/``.
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


def theme_dirs(site_root: Path, folder: str) -> list[Path]:
    """The site's own ``folder`` first, then the default theme's (each only if present)."""
    dirs = [site_root / folder, default_theme() / folder]
    unique: list[Path] = []
    for d in dirs:
        if d.is_dir() and all(d.resolve() != u.resolve() for u in unique):
            unique.append(d)
    return unique
