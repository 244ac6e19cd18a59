"""Rendering one output file: markdown through its layout, or a generated listing.

A :class:`SiteRenderer` (one per :class:`SiteModel` and process) holds the
reusable machinery: the Jinja2 environment and the template views. Each
output kind has one function in :data:`PREPARE` saying which layout it renders
with what; :meth:`SiteRenderer.render` does the rest the same way for all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jinja2
from markupsafe import Markup

from atoll.build.collections import BLOG_URL, pager_at
from atoll.build.content import Page
from atoll.build.layouts import layout_error, make_environment, raised_in_layout, render_layout
from atoll.build.markup import Extensions, LinkTable, MarkupRenderer, Rendered
from atoll.build.markupcache import MarkupCache
from atoll.build.model import SiteModel
from atoll.build.sources import with_body
from atoll.build.tasks import Kind, Task
from atoll.build.views import CollectionsView, TemplateViews
from atoll.errors import SiteError


@dataclass
class Result:
    output: str
    data: bytes | None = None
    html: str | None = None  # the page's own HTML, when the feed needs it
    # What the render read beyond its own task: "tpl:<layout>", "col:<collection>",
    # "link:<source>"; the incremental build re-renders the output when one changes.
    deps: tuple[str, ...] = ()
    errors: list[SiteError] = field(default_factory=list)


@dataclass(frozen=True)
class LayoutCall:
    """What one task renders: a layout, its context, and the markdown rendered for it."""

    layout: str
    context: dict[str, Any]
    markup: Rendered | None = None  # the page's body (or the blog's intro)
    page_source: str | None = None  # the page, for layout error messages
    deps: tuple[str, ...] = ()  # what else it reads ("nav:<section>")


_MARKUP: dict[str, MarkupRenderer] = {}


def markup_renderer(extensions: Extensions) -> MarkupRenderer:
    """This process's markdown renderer for an extension stack (building one costs more
    than converting a page)."""
    key = repr(extensions)
    if key not in _MARKUP:
        _MARKUP[key] = MarkupRenderer(extensions)
    return _MARKUP[key]


class SiteRenderer:
    """Renders :class:`Task` objects for one :class:`SiteModel`."""

    def __init__(self, model: SiteModel, markup_cache: MarkupCache | None = None) -> None:
        self.model = model
        self.markup_cache = markup_cache
        self.views = TemplateViews(model)
        self.links = LinkTable(model.urls, model.config.base_path, model.assets)
        self.env = make_environment(model.config.root, {
            "site": self.views.site, "url": self.views.url, "atoll": self.views.atoll,
        }, model.config.theme)

    def markdown(self, page: Page) -> Rendered:
        try:
            page = with_body(page, self.model.config.root)
        except SiteError as exc:
            return Rendered(html="", toc=[], links=(), errors=(exc,))
        extensions = self.model.config.markdown.extensions
        if self.markup_cache is not None:
            return self.markup_cache.render(page, self.links, extensions, markup_renderer(extensions).render)
        return markup_renderer(extensions).render(page, self.links)

    def render(self, task: Task) -> Result:
        result = Result(task.output)
        call: LayoutCall | None = None
        read: set[str] = set()
        try:
            call = PREPARE[task.kind](self, task)
            text, loaded = render_layout(self.env, call.layout,
                                         {**call.context, "collections": CollectionsView(self.views, read)})
        except Exception as exc:
            if not (isinstance(exc, jinja2.TemplateError) or raised_in_layout(exc)):
                raise
            result.errors.append(layout_error(exc, self.model.config.root, call.page_source if call else None))
            return result
        if call.markup is not None:
            read.update(f"link:{target}" for target in call.markup.links)
            read.update(f"file:{output}" for output in call.markup.files)
            if call.page_source is not None:  # the page's own body (not the blog's intro)
                result.errors.extend(call.markup.errors)
                if call.page_source in self.model.feed_sources:
                    result.html = call.markup.html
        if not result.errors:
            result.data = text.encode("utf-8")
            result.deps = tuple(sorted(read | loaded | set(call.deps)))
        return result


# ---------------------------------------------------------------- one function per kind


def _page(r: SiteRenderer, task: Task) -> LayoutCall:
    page = r.model.pages[task.index]
    rendered = r.markdown(page)
    context = {"page": r.views.page(page, rendered.html, rendered.toc), "nav": r.views.nav(page.section)}
    return LayoutCall(r.model.layouts[page.source], context, rendered, page.source,
                      (f"nav:{page.section}",) if page.section in r.model.nav.sections else ())


def _listing(r: SiteRenderer, task: Task) -> LayoutCall:
    m = r.model
    pager = pager_at(m.posts, m.config.per_page, BLOG_URL, task.index)
    intro = r.markdown(m.section_index) if m.section_index else None
    page = r.views.page(m.section_index, intro.html) if m.section_index and intro else {
        "title": "Blog", "description": "", "html": Markup(""), "toc": []}
    page["url"] = r.views.url(pager.url)
    return LayoutCall("list.html", {"page": page, "paginator": r.views.pager(pager)}, intro)


def _tag(r: SiteRenderer, task: Task) -> LayoutCall:
    tag = r.views.tag(next(t for t in r.model.tags if t.slug == task.tag))
    page = {"title": f"Tagged “{tag['name']}”", "description": "", "url": tag["url"]}
    return LayoutCall("tag.html", {"page": page, "tag": tag})


def _fixed(layout: str, title: str) -> Callable[[SiteRenderer, Task], LayoutCall]:
    """A generated page with nothing of its own but a title: the tags index, 404, callback."""
    def prepare(r: SiteRenderer, task: Task) -> LayoutCall:
        return LayoutCall(layout, {"page": {"title": title, "description": "", "url": r.views.url(task.url)}})
    return prepare


def _gate(gate: str) -> Callable[[SiteRenderer, Task], LayoutCall]:
    """A protected page's prompt ("sign-in") or 403 page ("forbidden"): title and groups, no body."""
    def prepare(r: SiteRenderer, task: Task) -> LayoutCall:
        page = r.model.pages[task.index]
        return LayoutCall("protected.html", {"page": r.views.gate_page(page, gate)}, page_source=page.source)
    return prepare


PREPARE: dict[Kind, Callable[[SiteRenderer, Task], LayoutCall]] = {
    Kind.PAGE: _page,
    Kind.LISTING: _listing,
    Kind.TAG: _tag,
    Kind.TAGS: _fixed("tags.html", "Tags"),
    Kind.NOT_FOUND: _fixed("404.html", "Page not found"),
    Kind.CALLBACK: _fixed("callback.html", "Signing in…"),
    Kind.PROMPT: _gate("sign-in"),
    Kind.FORBIDDEN: _gate("forbidden"),
}
if PREPARE.keys() != set(Kind):  # pragma: no cover - a new Kind without its function
    raise ImportError(f"render.PREPARE lacks {set(Kind) - PREPARE.keys()}")
