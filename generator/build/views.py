"""What layouts see: pages, the site, tags and pagers as plain template values.

:class:`TemplateViews` (one per :class:`SiteModel` and process) builds each view
once, on first use. :class:`CollectionsView` is the ``collections`` object of
one render: it records which collections that render read, which the
incremental build needs to know when a listing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any, overload

from markupsafe import Markup

from atoll import __version__
from atoll.build.assets import page_image
from atoll.build.collections import BLOG_URL, TAGS_URL, Pager, Tag, slugify
from atoll.build.content import KEPT_FIELDS, Page
from atoll.build.model import SiteModel
from atoll.build.nav import Link, NavItem
from atoll.build.protect import listed_in
from atoll.config import SiteConfig, with_base


def _count_headings(toc: list[dict[str, Any]]) -> int:
    return sum(1 + _count_headings(item.get("children", [])) for item in toc)


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


class TemplateViews:
    """The template values of one site model, each computed at most once."""

    def __init__(self, model: SiteModel) -> None:
        self.model = model
        self.base = model.config.base_path
        self._views: dict[str, dict[str, Any]] = {}
        self._navs: dict[str, list[dict[str, Any]]] = {}

    def url(self, path: str) -> str:
        """A site path with the base path in front: ``url('/css/site.css')``."""
        return with_base(self.base, path)

    @cached_property
    def site(self) -> dict[str, Any]:
        c: SiteConfig = self.model.config
        return {
            "title": c.title, "base_url": c.base_url, "base_path": c.base_path,
            "description": c.description, "author": c.author, "language": c.language,
            "menu": [{"title": m.title, "url": self.url(m.url)} for m in c.menu if m.url not in self._missing],
            "params": c.params, "auth": c.auth is not None, "search": c.search,
            "image_url": self.absolute(c.image) if c.image else None,
        }

    @cached_property
    def _missing(self) -> set[str]:
        """Generated sections this site does not have (no posts, no tags): menus leave them out."""
        m = self.model
        missing = set() if m.posts or m.section_index else {BLOG_URL}
        return missing if m.tags else missing | {TAGS_URL}

    def absolute(self, path: str) -> str:
        """A site path (or URL) as a full URL under ``base_url``, for canonical and card tags."""
        return with_base(self.model.config.base_url, path)

    @cached_property
    def atoll(self) -> dict[str, Any]:
        m = self.model
        return {
            "version": __version__,
            "auth_config": m.auth_json(),
            "scripts": {name: self.url(path) for name, path in m.scripts.items()},
            "preload": {name: [self.url(p) for p in paths] for name, paths in m.preload.items()},
        }

    def page(self, page: Page, html: str | None = None, toc: list[Any] | None = None) -> dict[str, Any]:
        """A page's view; with ``html``, the one its own layout gets (body and toc included)."""
        view: dict[str, Any] = dict(page.extra)
        view.update(
            title=page.title, description=page.description, date=page.date, updated=page.updated,
            tags=[{"name": t, "url": self.url(f"{TAGS_URL}{slugify(t)}/")} for t in page.tags],
            draft=page.draft, layout=page.layout, auth=page.auth, source=page.source,
            section=page.section, url=self.url(page.url),
            permalink_url=self.model.config.base_url + page.url.lstrip("/"),
        )
        access = self.model.protection.of(page)
        view["members_only"] = access is not None
        view["groups"] = list(access.groups) if access is not None else []
        if html is not None:
            view["html"] = Markup(html)  # noqa: S704 - Markdown's output, meant as HTML
            view["toc"] = toc or []
            view["toc_count"] = _count_headings(view["toc"])
            view["canonical"] = view["permalink_url"]
            image = page_image(page)
            view["image_url"] = self.absolute(image) if image else None
            links = self.model.nav.links.get(page.source)
            if links is not None:
                view.update(prev=self._link(links.prev), next=self._link(links.next),
                            crumbs=[self._link(c) for c in links.crumbs])
        return view

    def _link(self, link: Link | None) -> dict[str, str] | None:
        return {"title": link.title, "url": self.url(link.url)} if link is not None else None

    def nav(self, section: str) -> list[dict[str, Any]]:
        """A section's sidebar tree as template data (built once per model and section)."""
        if section not in self._navs:
            self._navs[section] = [self._nav_item(i) for i in self.model.nav.sections.get(section, ())]
        return self._navs[section]

    def _nav_item(self, item: NavItem) -> dict[str, Any]:
        return {"title": item.title, "url": self.url(item.url) if item.url is not None else None,
                "children": [self._nav_item(c) for c in item.children]}

    def listed(self, page: Page) -> dict[str, Any]:
        """A page as listings show it (no body), built once per model; a protected page by
        its title only, since listings are public."""
        view = self._views.get(page.source)
        if view is None:
            view = self._views[page.source] = self.gate_page(page) if page in self.model.protection \
                else self.page(page)
        return view

    def gate_page(self, page: Page, gate: str | None = None) -> dict[str, Any]:
        """What may be shown of a protected page in public: its title, URL, tags and who may read it
        (``gate``: "sign-in" for its prompt, "forbidden" for its 403 page)."""
        access = self.model.protection.of(page)
        auth = self.model.config.auth
        view: dict[str, Any] = dict.fromkeys(page.extra, "")  # the author's own keys, emptied
        view.update(dict.fromkeys(KEPT_FIELDS))  # computed from the body for public pages, never for these
        view.update(
            title=page.title, description="", date=None, updated=None, draft=page.draft, layout=page.layout,
            url=self.url(page.url), permalink_url=self.model.config.base_url + page.url.lstrip("/"),
            members_only=True, auth="required", groups=list(access.groups) if access is not None else [],
            tags=[{"name": t, "url": self.url(f"{TAGS_URL}{slugify(t)}/")} for t in page.tags],
            source=page.source, section=page.section, gate=gate,
            autostart=gate == "sign-in" and auth is not None and auth.signed_out == "redirect",
        )
        return view

    @cached_property
    def posts(self) -> Views:
        return Views(self.model.posts, self.listed)

    @cached_property
    def pages(self) -> Views:
        m = self.model
        return Views([p for p in m.pages if listed_in(m.config, p, m.protection)], self.listed)

    def tag(self, tag: Tag) -> dict[str, Any]:
        return {"name": tag.name, "slug": tag.slug, "url": self.url(tag.url), "pages": Views(tag.pages, self.listed)}

    @cached_property
    def tags(self) -> list[dict[str, Any]]:
        return [self.tag(t) for t in self.model.tags]

    def pager(self, pager: Pager) -> dict[str, Any]:
        return {
            "number": pager.number, "total": pager.total,
            "pages": [self.listed(p) for p in pager.items],
            "prev_url": self.url(pager.prev_url) if pager.prev_url else None,
            "next_url": self.url(pager.next_url) if pager.next_url else None,
        }


class CollectionsView:
    """``collections`` in one render's layouts; each collection read is added to ``read``
    as ``"col:<name>"`` (a listing must be rendered again when that collection changes)."""

    def __init__(self, views: TemplateViews, read: set[str]) -> None:
        self._views, self._read = views, read

    @property
    def posts(self) -> Views:
        self._read.add("col:posts")
        return self._views.posts

    @property
    def pages(self) -> Views:
        self._read.add("col:pages")
        return self._views.pages

    @property
    def tags(self) -> list[dict[str, Any]]:
        self._read.add("col:tags")
        return self._views.tags
