"""The Jinja2 environment for layouts, and layout errors with file and line.

Autoescape is always on and undefined names are errors (StrictUndefined), so a
typo in a layout fails the build instead of printing nothing.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache

from atoll.build.jsonblock import json_block
from atoll.errors import SiteError
from atoll.theme import shown_path, theme_dirs

LAYOUTS = "layouts"


def _format_date(value: dt.date | None, fmt: str = "%B %-d, %Y") -> str:
    return value.strftime(fmt) if value is not None else ""


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled layouts shared by every environment of this process (the dev server
    makes one per rebuild); Jinja checks each entry against its source's checksum."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _MemoryBytecodeCache()


class RecordingEnvironment(jinja2.Environment):
    """Lists the layouts each :func:`render_layout` loads (directly, by extends or by include)."""

    loaded: set[str] | None = None

    def _load_template(self, name: Any, globals: Any) -> jinja2.Template:  # noqa: A002 - Jinja's name
        if isinstance(name, str) and self.loaded is not None:
            self.loaded.add(f"tpl:{name}")
        return super()._load_template(name, globals)


def render_layout(env: RecordingEnvironment, name: str, context: Mapping[str, Any]) -> tuple[str, set[str]]:
    """The layout ``name`` rendered with ``context``, and the layouts it loaded (``"tpl:<name>"``)."""
    loaded: set[str] = set()
    env.loaded = loaded
    try:
        return env.get_template(name).render(context), loaded
    finally:
        env.loaded = None


def make_environment(site_root: Path, globals_: Mapping[str, Any],
                     theme: Path | None = None) -> RecordingEnvironment:
    """Layouts from the site's own ``layouts/``, then its theme's, then the default theme's."""
    dirs = theme_dirs(site_root, LAYOUTS, theme)
    env = RecordingEnvironment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=-1,
        bytecode_cache=_BYTECODE,
    )
    env.filters["date"] = _format_date
    env.filters["json_block"] = json_block
    env.filters["isodate"] = lambda d: d.isoformat() if d is not None else ""
    env.globals.update(globals_)
    return env


def layout_source(site_root: Path, name: str, theme: Path | None = None) -> str | None:
    """The text of the layout ``name`` resolves to (site's own first), or None."""
    for d in theme_dirs(site_root, LAYOUTS, theme):
        path = d / name
        if path.is_file():
            return path.read_text(encoding="utf-8", errors="replace")
    return None


def layout_names(site_root: Path, theme: Path | None = None) -> set[str]:
    """Every ``*.html`` layout name available to the site (its own and the themes')."""
    names: set[str] = set()
    for d in theme_dirs(site_root, LAYOUTS, theme):
        names.update(p.relative_to(d).as_posix() for p in d.rglob("*.html"))
    return names


def _display_path(filename: str | None, site_root: Path) -> str:
    """A template file as a site-relative path when it is the site's, else as the theme's."""
    return shown_path(site_root, Path(filename), LAYOUTS) if filename else LAYOUTS


def _layout_frames(exc: BaseException) -> list[traceback.FrameSummary]:
    # Jinja rewrites tracebacks so template frames carry the template's file and line.
    return [f for f in traceback.extract_tb(exc.__traceback__)
            if f.filename.endswith(".html") or f"/{LAYOUTS}/" in f.filename]


def raised_in_layout(exc: BaseException) -> bool:
    """Whether a plain Python error (TypeError, ...) came from a layout's expression."""
    return bool(_layout_frames(exc))


def layout_error(exc: Exception, site_root: Path, page_source: str | None = None) -> SiteError:
    """Translate a Jinja2 error (syntax, undefined name, ...) into a :class:`SiteError`."""
    during = (page_source,) if page_source else ()
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return SiteError(f"layout syntax error: {exc.message}",
                         _display_path(exc.filename, site_root), exc.lineno)
    if isinstance(exc, jinja2.TemplateNotFound):
        return SiteError(f"layout {exc.name!r} not found", page_source, None,
                         f"add {LAYOUTS}/{exc.name} or fix the name", during)
    frames = _layout_frames(exc)
    filename, lineno = (frames[-1].filename, frames[-1].lineno) if frames else (None, None)
    message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else str(exc)
    hint = None
    if isinstance(exc, jinja2.UndefinedError):
        hint = "check the spelling, or guard it with {% if ... is defined %}"
    return SiteError(f"layout error: {message}", _display_path(filename, site_root), lineno, hint, during)
