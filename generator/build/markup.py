"""Markdown -> HTML with Python-Markdown, pymdown-extensions, Pygments, and link resolution.

One :class:`MarkupRenderer` is built per process and reused for every page
(`Markdown.reset()` between pages): building the extension stack is far
costlier than converting a page.
"""

from __future__ import annotations

import posixpath
import xml.etree.ElementTree as etree  # noqa: N813 - Markdown's own name for it
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import markdown
from markdown.treeprocessors import Treeprocessor

from atoll.build import fastblocks, fastinline, fastpost, gates
from atoll.build.assets import image_size, local_target, looks_like_file
from atoll.build.content import Page
from atoll.build.highlight import Problem, register_fenced_code
from atoll.config import DEFAULT_EXTENSIONS, with_base
from atoll.errors import SiteError

Extensions = tuple[tuple[str, dict[str, Any]], ...]  # site.yaml's markdown: extensions, with settings

# Always on: the theme and the auth islands rely on them. The authoring
# extensions (admonitions, tabs, task lists...) come from site.yaml's `markdown:`.
CORE_EXTENSIONS = ["tables", "attr_list", "md_in_html", "sane_lists", "toc"]
CORE_CONFIGS: dict[str, dict[str, Any]] = {
    "toc": {"permalink": "#", "permalink_title": "Link to this section", "toc_depth": "2-4"},
}
# Material for MkDocs' admonition types and their aliases: the theme styles each.
ADMONITION_TYPES = frozenset((
    "note abstract summary tldr info todo tip hint important success check done question help faq "
    "warning caution attention failure fail missing danger error bug example quote cite"
).split())


def extension_stack(extensions: Extensions = DEFAULT_EXTENSIONS) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Python-Markdown's ``extensions`` and ``extension_configs`` for a site's ``markdown:`` list."""
    return [*CORE_EXTENSIONS, *(name for name, _ in extensions)], {**CORE_CONFIGS, **dict(extensions)}


@dataclass(frozen=True)
class LinkTable:
    """What links resolve against: content-relative sources -> site URLs, and the local
    files (public/ and page bundles) by output path -> file on disk."""

    urls: Mapping[str, str]
    base_path: str = "/"
    assets: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: list[dict[str, Any]]  # Python-Markdown toc tokens (level, id, name, children)
    links: tuple[str, ...]  # content-relative sources of the pages this one links to
    errors: tuple[SiteError, ...]
    # outputs of the local files (page bundle, public/) it shows or links, or would if they existed
    files: tuple[str, ...] = ()


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
    """One page's link pass: rewrites its relative ``.md`` links, its local files and
    root-relative URLs (under the base path), and lists what it found and missed.

    A fresh one is registered for every page, so nothing of one page is left for the next.
    """

    def __init__(self, md: markdown.Markdown, page_rel: str, table: LinkTable, problems: list[Problem]) -> None:
        super().__init__(md)
        self.page_rel, self.table, self.problems = page_rel, table, problems
        self.found: list[str] = []
        self.files: list[str] = []

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag == "a":
                href = element.get("href")
                new = (self._page_link(href) or self._file(href, element, image=False)) if href else None
                if new is not None:
                    element.set("href", new)
            elif element.tag == "img":
                src = element.get("src")
                new = self._file(src, element, image=True) if src else None
                if new is not None:
                    element.set("src", new)
                element.set("loading", element.get("loading") or "lazy")
                element.set("decoding", element.get("decoding") or "async")

    def _page_link(self, href: str) -> str | None:
        named = md_link_target(href, self.page_rel)
        if named is None:
            return None
        target, fragment = named
        url = self.table.urls.get(target)
        if url is None:
            self.problems.append(Problem(
                href, f"broken link: {href!r} does not match any page in content/",
                "link to another page with its path relative to this file, e.g. [Setup](../guide/setup.md)"))
            return href
        new = with_base(self.table.base_path, url)
        self.found.append(target)
        return f"{new}#{fragment}" if fragment else new

    def _file(self, ref: str, element: etree.Element, *, image: bool) -> str | None:
        """A local file's URL (images get their width and height), a root-relative URL under
        the base path, or None to leave the reference alone."""
        target = local_target(self.page_rel, ref)
        if target is None:
            return None
        parts = urlsplit(ref)
        suffix = (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
        self.files.append(target)  # found or not: a file that appears later changes the output
        path = self.table.assets.get(target)
        if path is not None:
            if image and element.get("width") is None and element.get("height") is None:
                size = image_size(path)
                if size is not None:
                    element.set("width", str(size[0]))
                    element.set("height", str(size[1]))
            return with_base(self.table.base_path, "/" + target) + suffix
        if image or (not ref.startswith("/") and looks_like_file(target)):
            what = "image" if image else "file"
            folder = posixpath.dirname(self.page_rel)
            self.problems.append(Problem(
                ref, f"missing {what}: {ref!r} is neither in content/{folder + '/' if folder else ''} "
                     f"(beside this page) nor in public/",
                "put the file next to the page (a page bundle), or in public/ and write /its/path"))
            return None
        return with_base(self.table.base_path, ref) if ref.startswith("/") else None


class _AdmonitionCheck(Treeprocessor):
    """An admonition (``!!! kind``) or collapsible (``??? kind``) of a kind the theme does not know."""

    def __init__(self, md: markdown.Markdown, problems: list[Problem]) -> None:
        super().__init__(md)
        self.problems = problems

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            classes = (element.get("class") or "").split()
            if element.tag == "div" and classes[:1] == ["admonition"]:
                kinds, marker = classes[1:2], "!!!"
            elif element.tag == "details":
                kinds, marker = classes[:1], "???"
            else:
                continue
            if not kinds or kinds[0] not in ADMONITION_TYPES:
                kind = kinds[0] if kinds else ""
                self.problems.append(Problem(
                    f"{marker} {kind}".rstrip(), f"unknown admonition type {kind!r}",
                    "use one of: note, tip, info, warning, danger, success, question, failure, bug, "
                    "example, quote, abstract"))


class MarkupRenderer:
    """Renders page bodies with one extension stack; one per process and stack, reused for every page."""

    def __init__(self, extensions: Extensions = DEFAULT_EXTENSIONS) -> None:
        names, configs = extension_stack(extensions)
        self.md = markdown.Markdown(extensions=names, extension_configs=configs, output_format="html")
        fastinline.install(self.md)
        fastblocks.install(self.md)
        fastpost.install(self.md)
        gates.install(self.md)

    def render(self, page: Page, table: LinkTable) -> Rendered:
        problems: list[Problem] = []
        register_fenced_code(self.md, problems)
        links = _PageLinks(self.md, page.rel, table, problems)
        # after inline processing (30 is 'inline'), before toc (5) and prettify; replaces the last page's
        self.md.treeprocessors.register(links, "atoll_links", 15)
        self.md.treeprocessors.register(_AdmonitionCheck(self.md, problems), "atoll_admonitions", 14)
        self.md.reset()
        html = self.md.convert(page.body)
        toc = list(getattr(self.md, "toc_tokens", []))
        errors = tuple(sorted((_located(page, p) for p in problems), key=lambda e: e.line or 0))
        return Rendered(html=html, toc=toc, links=tuple(dict.fromkeys(links.found)), errors=errors,
                        files=tuple(dict.fromkeys(links.files)))


def _located(page: Page, problem: Problem) -> SiteError:
    """The problem as an error on the first body line holding its text."""
    line = page.body_line
    for offset, text in enumerate(page.body.split("\n")):
        if problem.needle in text:
            line = page.body_line + offset
            break
    return SiteError(problem.message, page.source, line, problem.hint)
