"""The documentation sidebar: each section's pages as a tree, computed once per build.

A section is a top folder of content/ other than the blog (``content/docs/``).
Its tree follows the folders: a sub-folder is a group, titled and linked by
its ``index.md``. Order within a folder: the entries its ``index.md`` lists in
``nav:`` (file or folder names, like MkDocs' ``nav``), then the other pages by
``order:`` (a number) and title. ``nav_title:`` gives a page a shorter label
(Starlight's ``sidebar.label``). From the tree come each page's previous/next
links (reading order) and breadcrumbs.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from atoll.build.content import BLOG_SECTION, Page
from atoll.errors import ErrorList, SiteError

NAV_FIELDS = ("nav", "nav_title", "order")


@dataclass(frozen=True)
class NavItem:
    title: str
    url: str | None  # the page's site URL (no base path); None for a folder without index.md
    source: str | None = None
    children: tuple[NavItem, ...] = ()


@dataclass(frozen=True)
class Link:
    title: str
    url: str  # site URL, no base path


@dataclass(frozen=True)
class PageLinks:
    prev: Link | None = None
    next: Link | None = None
    crumbs: tuple[Link, ...] = ()


@dataclass(frozen=True)
class SiteNav:
    sections: dict[str, tuple[NavItem, ...]] = field(default_factory=dict)  # section -> its tree
    links: dict[str, PageLinks] = field(default_factory=dict)  # page source -> its links


@dataclass
class _Folder:
    path: str  # content-relative, e.g. "docs/sign-in"
    index: Page | None = None
    pages: list[Page] = field(default_factory=list)
    folders: dict[str, _Folder] = field(default_factory=dict)


def _label(page: Page) -> str:
    value = page.extra.get("nav_title")
    return value if isinstance(value, str) and value.strip() else page.title


def _order(page: Page) -> float:
    value = page.extra.get("order")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else float("inf")


def check_fields(page: Page, errors: ErrorList) -> None:
    """``nav``, ``nav_title`` and ``order`` must have the right types."""
    extra = page.extra
    if "order" in extra and (isinstance(extra["order"], bool) or not isinstance(extra["order"], (int, float))):
        errors.add(SiteError(f"front matter: 'order' must be a number, got {extra['order']!r}",
                             page.source, page.lines.get("order")))
    if "nav_title" in extra and not isinstance(extra["nav_title"], str):
        errors.add(SiteError(f"front matter: 'nav_title' must be text, got {extra['nav_title']!r}",
                             page.source, page.lines.get("nav_title")))
    nav = extra.get("nav")
    if nav is not None and not (page.rel.endswith("/index.md") or page.rel == "index.md"):
        errors.add(SiteError("front matter: 'nav' only works in a folder's index.md", page.source,
                             page.lines.get("nav"), "move it to the index.md of the folder it orders"))
    elif nav is not None and (not isinstance(nav, list) or not all(isinstance(n, str) for n in nav)):
        errors.add(SiteError(f"front matter: 'nav' must be a list of file or folder names, got {nav!r}",
                             page.source, page.lines.get("nav"), "e.g. nav: [getting-started.md, guides/]"))


def in_nav(page: Page) -> bool:
    """Whether the page is in a section's tree (a top-level page or a blog post is not)."""
    return bool(page.section) and page.section != BLOG_SECTION


def _tree(pages: Iterable[Page]) -> dict[str, _Folder]:
    sections: dict[str, _Folder] = {}
    for page in pages:
        if not in_nav(page):
            continue
        parts = page.rel.split("/")
        folder = sections.setdefault(parts[0], _Folder(parts[0]))
        for name in parts[1:-1]:
            folder = folder.folders.setdefault(name, _Folder(f"{folder.path}/{name}"))
        if parts[-1] == "index.md":
            folder.index = page
        else:
            folder.pages.append(page)
    return sections


def _items(folder: _Folder, errors: ErrorList) -> list[NavItem]:
    entries: dict[str, Any] = {p.rel.rsplit("/", 1)[1]: p for p in folder.pages}
    entries.update({f"{name}/": sub for name, sub in folder.folders.items()})
    listed: list[str] = []
    nav = folder.index.extra.get("nav") if folder.index is not None else None
    if folder.index is not None and isinstance(nav, list):
        for entry in nav:
            if not isinstance(entry, str):
                continue
            key = entry if entry in entries else (entry.rstrip("/") + "/" if entry.rstrip("/") + "/" in entries
                                                  else posixpath.normpath(entry))
            if key not in entries:
                known = ", ".join(sorted(entries)) or "none"
                errors.add(SiteError(f"front matter: 'nav' lists {entry!r}, which is not a page or folder "
                                     f"in content/{folder.path}/", folder.index.source,
                                     folder.index.lines.get("nav"), f"entries here: {known}"))
            elif key not in listed:
                listed.append(key)

    def rank(key: str) -> tuple[float, str]:
        value = entries[key]
        page = value if isinstance(value, Page) else value.index
        return (_order(page), _label(page).lower()) if page is not None else (float("inf"), key)

    order = listed + sorted((k for k in entries if k not in listed), key=rank)
    items: list[NavItem] = []
    for key in order:
        value = entries[key]
        if isinstance(value, Page):
            items.append(NavItem(_label(value), value.url, value.source))
        else:
            children = tuple(_items(value, errors))
            index = value.index
            title = _label(index) if index is not None else key.rstrip("/").replace("-", " ").capitalize()
            items.append(NavItem(title, index.url if index else None, index.source if index else None, children))
    return items


def _walk(items: Sequence[NavItem], trail: tuple[Link, ...], order: list[tuple[NavItem, tuple[Link, ...]]]) -> None:
    for item in items:
        if item.url is not None:
            order.append((item, trail))
        here = (*trail, Link(item.title, item.url)) if item.url is not None else trail
        _walk(item.children, here, order)


def build_nav(pages: Sequence[Page], errors: ErrorList) -> SiteNav:
    """Every section's tree, and each of its pages' previous/next links and breadcrumbs."""
    for page in pages:
        check_fields(page, errors)
    sections: dict[str, tuple[NavItem, ...]] = {}
    links: dict[str, PageLinks] = {}
    for name, folder in sorted(_tree(pages).items()):
        items = _items(folder, errors)
        if folder.index is not None:
            items.insert(0, NavItem(_label(folder.index), folder.index.url, folder.index.source))
        sections[name] = tuple(items)
        order: list[tuple[NavItem, tuple[Link, ...]]] = []
        root = (Link(_label(folder.index), folder.index.url),) if folder.index is not None else ()
        _walk(items[1:] if folder.index is not None else items, root, order)
        if folder.index is not None:
            order.insert(0, (items[0], ()))
        for i, (item, trail) in enumerate(order):
            if item.source is None:
                continue
            prev = Link(order[i - 1][0].title, order[i - 1][0].url or "") if i else None
            nxt = Link(order[i + 1][0].title, order[i + 1][0].url or "") if i + 1 < len(order) else None
            links[item.source] = PageLinks(prev, nxt, trail)
    return SiteNav(sections, links)
