"""Rendered markdown kept by content, so a layout edit or a moved page does not re-run markdown.

An entry is keyed by everything the conversion reads from the page and the site:
the page's body, the folder its relative links and files start from, the base
path, the site's ``markdown:`` extensions with their settings, and the versions
of Atoll, Python-Markdown, pymdown-extensions and Pygments. What it reads from
the rest of the site is checked when the entry is used: the pages it linked to
must keep their URLs, and every local file it looked up (page bundle or
``public/``, found or not: an image's width and height come from the file) must
still be the same file, or still be missing. Protection rules do not enter the
markup (a protected page's body converts the same; only its layout differs).

Pages with author errors are not kept (their build fails anyway). Entries are
JSON, sealed like the build state (:mod:`atoll.build.seal`), one file each
under ``.atoll/cache/markup/``, so worker processes read and write them without
going through the parent; an entry that is unreadable or unsealed is ignored
and rendered again. ``atoll clean`` removes them with the rest of the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from atoll import __version__
from atoll.build import seal
from atoll.build.assets import asset_stamp
from atoll.build.content import Page

if TYPE_CHECKING:  # Markdown loads only when something renders
    from atoll.build.markup import Extensions, LinkTable, Rendered

FORMAT = 1
FOLDER = "markup"
ENGINES = ("markdown", "pymdown-extensions", "pygments")


def _versions() -> str:
    found = [__version__, str(FORMAT)]
    for name in ENGINES:
        try:
            found.append(version(name))
        except PackageNotFoundError:  # pragma: no cover - an installed dependency
            found.append("none")
    return "/".join(found)


class MarkupCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._seal_key = seal.user_key()
        self._versions = _versions()

    def key(self, page: Page, table: LinkTable, extensions: Extensions) -> str:
        what = "\0".join([self._versions, repr(extensions), table.base_path, posixpath.dirname(page.rel), page.body])
        return hashlib.blake2b(what.encode("utf-8"), digest_size=20).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str, table: LinkTable) -> Rendered | None:
        from atoll.build.markup import Rendered  # loaded by then (the caller renders)

        try:
            data = json.loads(seal.unseal(self._path(key).read_bytes(), self._seal_key))
            links: dict[str, str] = data["links"]
            files: dict[str, str] = data["files"]
            if any(table.urls.get(target) != url for target, url in links.items()):
                return None  # a linked page moved or went away: the links must be resolved again
            if any(asset_stamp(table.assets, output) != stamp for output, stamp in files.items()):
                return None  # a file it shows or links was replaced, added or removed
            return Rendered(html=data["html"], toc=data["toc"], links=tuple(links), errors=(), files=tuple(files))
        except (OSError, ValueError, KeyError, TypeError, seal.BrokenSeal):
            return None

    def put(self, key: str, rendered: Rendered, table: LinkTable) -> None:
        data = {"html": rendered.html, "toc": rendered.toc,
                "links": {target: table.urls[target] for target in rendered.links},
                "files": {output: asset_stamp(table.assets, output) for output in rendered.files}}
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_bytes(seal.seal(json.dumps(data, ensure_ascii=False).encode("utf-8"), self._seal_key))
        os.replace(tmp, path)

    def render(self, page: Page, table: LinkTable, extensions: Extensions,
               render: Callable[[Page, LinkTable], Rendered]) -> Rendered:
        """``render(page, table)``, or what it gave for the same inputs before."""
        key = self.key(page, table, extensions)
        found = self.get(key, table)
        if found is not None:
            return found
        rendered = render(page, table)
        if not rendered.errors:
            try:
                self.put(key, rendered, table)
            except OSError:  # a full disk or a read-only cache costs speed, not the build
                pass
        return rendered
