"""Local files that pages refer to: page bundles, public/ files, image sizes.

A file under content/ that is not markdown travels with the pages beside it
(a page bundle): ``content/guide/diagram.png`` is written to
``guide/diagram.png``, and ``![](diagram.png)`` in ``content/guide/index.md``
(or in any other page of that folder) points at it wherever the page's own URL
is. Files of ``public/`` are written where they are (``public/img/x.png`` ->
``img/x.png``). Both kinds are "assets": site-relative output path -> the
file on disk.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from atoll.build.content import Page
from atoll.errors import ErrorList, SiteError

PAGE_SUFFIXES = (".md",)


def local_target(page_rel: str, ref: str) -> str | None:
    """The site-relative output path a reference in ``content/<page_rel>`` means, or None
    when it is not a local file reference (a URL, a fragment, ``mailto:``...).

    ``diagram.png`` in ``guide/index.md`` -> ``guide/diagram.png``; ``/img/x.png`` -> ``img/x.png``.
    """
    parts = urlsplit(ref)
    if parts.scheme or parts.netloc or not parts.path or ref.startswith("//"):
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        return posixpath.normpath(path.lstrip("/")) if path.strip("/") else ""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), path))
    return None if joined.startswith("../") or joined == ".." else joined


def looks_like_file(output: str) -> bool:
    """``guide/notes.pdf`` names a file; ``guide/`` or ``tags/python`` names a page."""
    name = output.rsplit("/", 1)[-1]
    return "." in name.strip(".") and not name.endswith((".html", *PAGE_SUFFIXES))


@lru_cache(maxsize=4096)
def _size(path: str, _stamp: tuple[int, int]) -> tuple[int, int] | None:
    import imagesize  # type: ignore[import-untyped]  # only once a page shows an image

    try:
        width, height = imagesize.get(path)
    except (OSError, ValueError):
        return None
    return (int(width), int(height)) if width > 0 and height > 0 else None


def image_size(path: str) -> tuple[int, int] | None:
    """Width and height from the image file's header (PNG, JPEG, GIF, WebP, SVG...), or None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return _size(path, (st.st_size, st.st_mtime_ns))


def asset_stamp(assets: Mapping[str, str], output: str) -> str:
    """What a page that shows ``output`` depends on: the file's size and time, or "missing"."""
    path = assets.get(output)
    if path is None:
        return "missing"
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}"


def check_image(page: Page, assets: Mapping[str, str], errors: ErrorList) -> None:
    """A page's ``image:`` (its social card) must be an http(s) URL or a local image file."""
    if "image" not in page.extra:
        return
    value = page.extra["image"]
    line = page.lines.get("image")
    if not isinstance(value, str) or not value.strip():
        errors.add(SiteError(f"front matter: 'image' must be an image path or URL, got {value!r}", page.source, line))
        return
    parts = urlsplit(value)
    if parts.scheme or value.startswith("//"):
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.add(SiteError(f"front matter: 'image' must be an http(s) URL or a path, got {value!r}",
                                 page.source, line))
        return
    target = local_target(page.rel, value)
    if target is None or target not in assets:
        errors.add(SiteError(f"front matter: 'image' {value!r} is neither beside this page in content/ nor in public/",
                             page.source, line, "e.g. image: card.png (next to the page) or image: /img/card.png"))


def page_image(page: Page) -> str | None:
    """The site path (or URL) of a page's checked ``image:``."""
    value = page.extra.get("image")
    if not isinstance(value, str) or not value:
        return None
    target = local_target(page.rel, value)
    return value if target is None else "/" + target
