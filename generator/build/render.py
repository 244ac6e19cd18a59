"""Rendering one output file: markdown through its layout, or a generated listing.

A :class:`SiteModel` (computed once, in the main process) holds everything a
render needs; a :class:`SiteRenderer` (one per process) holds the reusable
machinery: the Markdown instance, the Jinja2 environment and the template
views of the collections.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, overload

import jinja2
from markupsafe import Markup

from atoll import __version__
from atoll.build.collections import BLOG_URL, Pager, Tag, paginate, slugify
from atoll.build.content import Page
from atoll.build.layouts import layout_error, make_environment, raised_in_layout
from atoll.build.markup import MarkupRenderer, Rendered
from atoll.config import SiteConfig, with_base
from atoll.errors import SiteError

TAGS_URL = "/tags/"


@dataclass(frozen=True)
class SiteModel:
    config: SiteConfig
    pages: tuple[Page, ...]  # the pages being built, sorted by source
    urls: dict[str, str]  # content-relative source -> site URL, for .md links
    posts: tuple[Page, ...]  # newest first
    tags: tuple[Tag, ...]
    layouts: dict[str, str]  # page source -> layout file name
    scripts: dict[str, str]  # script name -> output path ("_atoll/islands.1a2b.js")
    # script name -> outputs of the scripts it loads, for <link rel="modulepreload">
    preload: dict[str, tuple[str, ...]] = field(default_factory=dict)
    section_index: Page | None = None  # content/blog/index.md: title and intro of /blog/
    feed_sources: frozenset[str] = frozenset()  # posts whose HTML the feed needs

    def auth_json(self) -> str | None:
        """The auth config as it goes into each page's JSON data block."""
        auth = self.config.auth
        if auth is None:
            return None
        base = self.config.base_path
        data = {
            "authority": auth.authority,
            "client_id": auth.client_id,
            "scope": auth.scope,
            "redirect_path": with_base(base, auth.redirect_path),
            "post_login_path": with_base(base, auth.post_login_path),
            "post_logout_path": with_base(base, auth.post_logout_path),
            "companion_url": auth.companion_url,
            "cognito_domain": auth.cognito_domain,
            "browser_tokens": auth.browser_tokens,
            "base_path": base,
        }
        # "</" would end the <script> element early; JSON allows escaping "/".
        return json.dumps(data, sort_keys=True).replace("</", "<\\/")


class Views(Sequence[dict[str, Any]]):
    """Pages as template views, each built on first access: a layout that only counts
    a collection (``tag.pages | length``) or shows its first few does not pay for all."""

    def __init__(self, pages: Sequence[Page], view: Callable[[Page], dict[str, Any]]) -> None:
        self._pages, self._view = pages, view

    def __len__(self) -> int:
        return len(self._pages)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._view(p) for p in self._pages[index]]
        return self._view(self._pages[index])


@dataclass(frozen=True)
class Task:
    """One output file to render."""

    kind: str  # "page", "listing", "tag", "tags", "404", "callback"
    output: str
    url: str
    index: int = -1  # page index for "page"; pager number for "listing"
    tag: str = ""  # tag slug for "tag"


@dataclass
class Result:
    output: str
    data: bytes | None = None
    html: str | None = None  # the page's own HTML, when the feed needs it
    # What the render read beyond its own task: "tpl:<layout>", "col:<collection>",
    # "link:<source>"; the incremental build re-renders the output when one changes.
    deps: tuple[str, ...] = ()
    errors: list[SiteError] = field(default_factory=list)


class SiteRenderer:
    """Renders :class:`Task` objects for one :class:`SiteModel` (one per process)."""

    def __init__(self, model: SiteModel) -> None:
        self.model = model
        config = model.config
        self.base = config.base_path
        self.markup = MarkupRenderer(model.urls, self.base)
        self._deps: set[str] = set()
        self._views: dict[str, dict[str, Any]] = {}
        self.env = make_environment(config.root, self._deps, {
            "site": self.site_view,
            "collections": self,
            "url": self.url,
            "atoll": {
                "version": __version__,
                "auth_config": model.auth_json(),
                "scripts": {name: self.url(path) for name, path in model.scripts.items()},
                "preload": {name: [self.url(p) for p in paths] for name, paths in model.preload.items()},
            },
        })

    # ------------------------------------------------------------ views

    def url(self, path: str) -> str:
        """A site path with the base path in front: ``url('/css/site.css')``."""
        return with_base(self.base, path)

    @cached_property
    def site_view(self) -> dict[str, Any]:
        c: SiteConfig = self.model.config
        return {
            "title": c.title, "base_url": c.base_url, "base_path": c.base_path,
            "description": c.description, "author": c.author, "language": c.language,
            "menu": [{"title": m.title, "url": self.url(m.url)} for m in c.menu],
            "params": c.params, "auth": c.auth is not None,
        }

    def page_view(self, page: Page, html: str | None = None, toc: list[Any] | None = None) -> dict[str, Any]:
        view: dict[str, Any] = dict(page.extra)
        view.update(
            title=page.title, description=page.description, date=page.date, updated=page.updated,
            tags=[{"name": t, "url": self.url(self.tag_url(t))} for t in page.tags],
            draft=page.draft, layout=page.layout, auth=page.auth, source=page.source,
            section=page.section, url=self.url(page.url),
            permalink_url=self.model.config.base_url + page.url.lstrip("/"),
        )
        if html is not None:
            view["html"] = Markup(html)
            view["toc"] = toc or []
        return view

    def tag_url(self, name: str) -> str:
        return f"{TAGS_URL}{slugify(name)}/"

    def _view(self, page: Page) -> dict[str, Any]:
        """A page's template view, built once per renderer and only when some render needs it."""
        view = self._views.get(page.source)
        if view is None:
            view = self._views[page.source] = self.page_view(page)
        return view

    @cached_property
    def _posts(self) -> Views:
        return Views(self.model.posts, self._view)

    @cached_property
    def _pages(self) -> Views:
        return Views(self.model.pages, self._view)

    def _tag_view(self, tag: Tag) -> dict[str, Any]:
        return {"name": tag.name, "slug": tag.slug, "url": self.url(tag.url), "pages": Views(tag.pages, self._view)}

    @cached_property
    def _tags(self) -> list[dict[str, Any]]:
        return [self._tag_view(t) for t in self.model.tags]

    # `collections.posts` etc. in a layout: each read is recorded as a dependency.
    @property
    def posts(self) -> Views:
        self._deps.add("col:posts")
        return self._posts

    @property
    def pages(self) -> Views:
        self._deps.add("col:pages")
        return self._pages

    @property
    def tags(self) -> list[dict[str, Any]]:
        self._deps.add("col:tags")
        return self._tags

    def _markdown(self, page: Page) -> Rendered:
        rendered = self.markup.render(page)
        self._deps.update(f"link:{target}" for target in rendered.links)
        return rendered

    def _pager_view(self, pager: Pager) -> dict[str, Any]:
        return {
            "number": pager.number, "total": pager.total,
            "pages": [self._view(p) for p in pager.items],
            "prev_url": self.url(pager.prev_url) if pager.prev_url else None,
            "next_url": self.url(pager.next_url) if pager.next_url else None,
        }

    # ------------------------------------------------------------ rendering

    def render(self, task: Task) -> Result:
        result = Result(task.output)
        source = None
        self._deps.clear()
        try:
            if task.kind == "page":
                page = self.model.pages[task.index]
                source = page.source
                rendered = self._markdown(page)
                result.errors.extend(rendered.errors)
                if page.source in self.model.feed_sources:
                    result.html = rendered.html
                view = self.page_view(page, rendered.html, rendered.toc)
                text = self._render_layout(self.model.layouts[page.source], page=view)
            else:
                text = self._render_generated(task)
        except Exception as exc:
            if not (isinstance(exc, jinja2.TemplateError) or raised_in_layout(exc)):
                raise
            result.errors.append(layout_error(exc, self.model.config.root, source))
            return result
        if not result.errors:
            result.data = text.encode("utf-8")
            result.deps = tuple(sorted(self._deps))
        return result

    def _render_layout(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(**context)

    def _render_generated(self, task: Task) -> str:
        m = self.model
        if task.kind == "listing":
            posts = list(m.posts)
            pager = paginate(posts, m.config.per_page, BLOG_URL)[task.index - 1]
            intro = m.section_index
            page = self.page_view(intro, self._markdown(intro).html) if intro else {
                "title": "Blog", "description": "", "html": Markup(""), "toc": []}
            page["url"] = self.url(pager.url)
            return self._render_layout("list.html", page=page, paginator=self._pager_view(pager))
        if task.kind == "tag":
            tag = self._tag_view(next(t for t in self.model.tags if t.slug == task.tag))
            page = {"title": f"Tagged “{tag['name']}”", "description": "", "url": tag["url"]}
            return self._render_layout("tag.html", page=page, tag=tag)
        if task.kind == "tags":
            return self._render_layout("tags.html", page={"title": "Tags", "description": "",
                                                          "url": self.url(TAGS_URL)})
        if task.kind == "404":
            return self._render_layout("404.html", page={"title": "Page not found", "description": "",
                                                         "url": self.url("/404.html")})
        if task.kind == "callback":
            return self._render_layout("callback.html", page={"title": "Signing in…", "description": "",
                                                              "url": self.url(task.url)})
        raise ValueError(f"unknown task kind {task.kind!r}")
