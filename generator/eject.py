"""``atoll eject PATH``: copy one file of the default theme into a site, to override it.

A site's own ``layouts/``, ``scripts/`` and ``public/`` win over the theme's
file by file, so overriding the header is copying ``layouts/partials/header.html``
and editing it; every other file keeps coming from the installed theme (and
upgrades with Atoll).
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

from atoll.errors import SiteError
from atoll.theme import THEME_FOLDERS, default_theme


def theme_files() -> list[str]:
    """Every file of the default theme, as ``layouts/partials/header.html``."""
    root = default_theme()
    found = []
    for folder in THEME_FOLDERS:
        top = root / folder
        found += [p.relative_to(root).as_posix() for p in sorted(top.rglob("*"))
                  if p.is_file() and "__pycache__" not in p.parts and p.name != "__init__.py"]
    return found


def eject(site: Path, name: str) -> Path:
    """Copy the theme's file ``name`` (e.g. ``layouts/partials/header.html``) into ``site``."""
    wanted = PurePosixPath(name.replace("\\", "/")).as_posix().lstrip("./")
    files = theme_files()
    if wanted not in files:
        near = [f for f in files if f.endswith("/" + wanted.rsplit("/", 1)[-1])] or \
               [f for f in files if f.startswith(wanted.split("/", 1)[0] + "/")][:12]
        hint = "theme files like it: " + ", ".join(near) if near else \
            f"theme files live under {', '.join(f + '/' for f in THEME_FOLDERS)}"
        raise SiteError(f"the default theme has no file {name!r}", None, None, hint)
    target = site / wanted
    if target.exists():
        raise SiteError(f"{wanted} already exists in the site: it already overrides the theme's", None, None,
                        "delete it first to start again from the theme's copy")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(default_theme() / wanted, target)
    return target
