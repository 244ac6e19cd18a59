"""Markdown -> HTML with Python-Markdown, Pygments and ``.md`` link resolution.

One :class:`MarkupRenderer` is built per process and reused for every page
(`Markdown.reset()` between pages): building the extension stack is far
costlier than converting a page.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as etree  # noqa: N813 - Markdown's own name for it
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import markdown
from markdown.treeprocessors import Treeprocessor

from atoll.build import fastinline, gates
from atoll.build.content import Page
from atoll.build.highlight import FencedCodeExtension
from atoll.config import with_base
from atoll.errors import SiteError

EXTENSIONS = [
    "tables", "footnotes", "attr_list", "def_list", "abbr", "md_in_html", "sane_lists", "toc",
]
EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2-4"},
    "footnotes": {"BACKLINK_TITLE": "Back to the text of footnote %d"},
}


@dataclass(frozen=True)
class LinkTable:
    """What relative ``.md`` links resolve against: content-relative sources -> site URLs."""

    urls: Mapping[str, str]
    base_path: str = "/"


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: list[dict[str, Any]]  # Python-Markdown toc tokens (level, id, name, children)
    links: tuple[str, ...]  # content-relative sources of the pages this one links to
    errors: tuple[SiteError, ...]


def md_link_target(href: str, page_rel: str) -> tuple[str, str] | None:
    """``(content-relative source, fragment)`` that a relative ``.md`` link names, or None
    when ``href`` is not such a link (external, another kind of file, an anchor)."""
    if ".md" not in href:  # the common case, decided without parsing the URL
        return None
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.endswith(".md"):
        return None
    if parts.path.startswith("/"):
        return parts.path.lstrip("/"), parts.fragment
    return posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), parts.path)), parts.fragment


class _PageLinks(Treeprocessor):
    """One page's link pass: rewrites its relative ``.md`` links and lists what it found.

    A fresh one is registered for every page, so nothing of one page is left for the next.
    """

    def __init__(self, md: markdown.Markdown, page_rel: str, table: LinkTable) -> None:
        super().__init__(md)
        self.page_rel, self.table = page_rel, table
        self.found: list[str] = []
        self.broken: list[str] = []

    def run(self, root: etree.Element) -> None:
        for element in root.iter("a"):
            href = element.get("href")
            if not href:
                continue
            named = md_link_target(href, self.page_rel)
            if named is None:
                continue
            target, fragment = named
            url = self.table.urls.get(target)
            if url is None:
                self.broken.append(href)
                continue
            new = with_base(self.table.base_path, url)
            element.set("href", f"{new}#{fragment}" if fragment else new)
            self.found.append(target)


class MarkupRenderer:
    """Renders page bodies; one per process, reused for every page of every site."""

    def __init__(self) -> None:
        self.md = markdown.Markdown(
            extensions=[*EXTENSIONS, FencedCodeExtension()],
            extension_configs=EXTENSION_CONFIGS,
            output_format="html",
        )
        fastinline.install(self.md)
        gates.install(self.md)

    def render(self, page: Page, table: LinkTable) -> Rendered:
        links = _PageLinks(self.md, page.rel, table)
        # after inline processing (30 is 'inline'), before toc (5) and prettify; replaces the last page's
        self.md.treeprocessors.register(links, "atoll_links", 15)
        self.md.reset()
        html = self.md.convert(page.body)
        toc = list(getattr(self.md, "toc_tokens", []))
        errors = tuple(_broken_link_error(page, href) for href in links.broken)
        return Rendered(html=html, toc=toc, links=tuple(dict.fromkeys(links.found)), errors=errors)


def _broken_link_error(page: Page, href: str) -> SiteError:
    line = page.body_line
    for offset, text in enumerate(page.body.split("\n")):
        if href in text:
            line = page.body_line + offset
            break
    return SiteError(
        f"broken link: {href!r} does not match any page in content/", page.source, line,
        "link to another page with its path relative to this file, e.g. [Setup](../guide/setup.md)",
    )
