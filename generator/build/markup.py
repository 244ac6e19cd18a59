"""Markdown -> HTML with Python-Markdown, Pygments and ``.md`` link resolution.

One :class:`MarkupRenderer` is built per process and reused for every page
(`Markdown.reset()` between pages): building the extension stack is far
costlier than converting a page.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from atoll.build import fastinline
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
class Rendered:
    html: str
    toc: list[dict[str, Any]]  # Python-Markdown toc tokens (level, id, name, children)
    links: tuple[str, ...]  # content-relative sources of the pages this one links to
    errors: tuple[SiteError, ...]


class _LinkResolver(Treeprocessor):
    """Rewrites relative ``.md`` links to the target page's URL; records misses."""

    def __init__(self, md: markdown.Markdown, owner: MarkupRenderer) -> None:
        super().__init__(md)
        self.owner = owner

    def run(self, root: etree.Element) -> None:
        for element in root.iter("a"):
            href = element.get("href")
            if href:
                new = self.owner.resolve_href(href)
                if new is not None:
                    element.set("href", new)


class _LinkExtension(Extension):
    def __init__(self, owner: MarkupRenderer) -> None:
        super().__init__()
        self.owner = owner

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Markdown's API
        # after inline processing (30 is 'inline'), before toc (5) and prettify
        md.treeprocessors.register(_LinkResolver(md, self.owner), "atoll_links", 15)


class MarkupRenderer:
    """Renders pages of one site; ``urls`` maps content-relative sources to URLs."""

    def __init__(self, urls: Mapping[str, str], base_path: str = "/") -> None:
        self.urls = urls
        self.base_path = base_path
        self.md = markdown.Markdown(
            extensions=[*EXTENSIONS, FencedCodeExtension(), _LinkExtension(self)],
            extension_configs=EXTENSION_CONFIGS,
            output_format="html",
        )
        fastinline.install(self.md)
        self._page: Page | None = None
        self._links: list[str] = []
        self._broken: list[str] = []

    def resolve_href(self, href: str) -> str | None:
        """The rewritten href for a relative ``.md`` link, or None to leave it alone."""
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.endswith(".md"):
            return None
        assert self._page is not None
        if parts.path.startswith("/"):
            target = parts.path.lstrip("/")
        else:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(self._page.rel), parts.path))
        url = self.urls.get(target)
        if url is None:
            self._broken.append(href)
            return None
        self._links.append(target)
        new = with_base(self.base_path, url)
        return f"{new}#{parts.fragment}" if parts.fragment else new

    def render(self, page: Page) -> Rendered:
        self._page, self._links, self._broken = page, [], []
        self.md.reset()
        html = self.md.convert(page.body)
        toc = list(getattr(self.md, "toc_tokens", []))
        errors = tuple(self._broken_link_error(page, href) for href in self._broken)
        return Rendered(html=html, toc=toc, links=tuple(dict.fromkeys(self._links)), errors=errors)

    @staticmethod
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
