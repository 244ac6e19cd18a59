"""Markdown sources -> :class:`Page` objects: front matter split, validation, URLs.

Everything here is pure: it takes text and returns data or raises
:class:`SiteError` naming the file and line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import posixpath
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from atoll import chars, yamlmarks
from atoll.errors import SiteError

FENCE = "---"
BLOG_SECTION = "blog"
BUILTIN_FIELDS = ("title", "description", "date", "updated", "tags", "draft",
                  "layout", "slug", "permalink", "auth")
# Names a layout sees on `page` besides the front matter; author keys may not shadow them.
RESERVED_FIELDS = ("url", "permalink_url", "html", "toc", "source", "section")
# Names kept free for page properties layouts will get (as other generators have them).
KEPT_FIELDS = ("summary", "word_count", "reading_minutes")
_SLUG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class FrontMatter:
    """The raw split of a source file."""

    data: Any  # parsed YAML, or None when the file has no front matter
    body: str
    body_line: int  # 1-based line of the file where the body starts


@dataclass(frozen=True)
class Page:
    """One markdown page, validated, with its URL decided."""

    source: str  # relative to the site folder, e.g. "content/blog/hello.md"
    rel: str  # relative to content/, e.g. "blog/hello.md"
    title: str
    body: str
    body_line: int
    url: str  # site-relative, e.g. "/blog/hello/" (no base path)
    output: str  # e.g. "blog/hello/index.html"
    description: str = ""
    date: dt.date | None = None
    updated: dt.date | None = None
    tags: tuple[str, ...] = ()
    draft: bool = False
    layout: str | None = None
    auth: str | None = None  # "required": for signed-in readers only (see `groups`)
    groups: tuple[str, ...] = ()  # with auth: signed-in members of one of these groups only
    extra: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # front matter key -> file line

    @cached_property
    def meta(self) -> str:
        """What listings and collections show of this page (not its body), as one string."""
        return json.dumps([self.source, self.url, self.title, self.description, self.date, self.updated,
                           self.tags, self.draft, self.layout, self.auth, self.groups, self.extra],
                          sort_keys=True, default=str, ensure_ascii=False)

    @cached_property
    def meta_digest(self) -> bytes:
        """A short digest of :attr:`meta`, for fingerprints over many pages."""
        return hashlib.blake2b(self.meta.encode("utf-8"), digest_size=16).digest()

    @property
    def section(self) -> str:
        """The first folder under content/ ('' for top-level pages)."""
        head, sep, _ = self.rel.partition("/")
        return head if sep else ""

    @property
    def is_post(self) -> bool:
        """A dated blog post: under content/blog/, and not the blog's own index."""
        return self.section == BLOG_SECTION and self.rel != f"{BLOG_SECTION}/index.md"

    @property
    def is_section_index(self) -> bool:
        return self.rel == f"{BLOG_SECTION}/index.md"


def split_front_matter(text: str) -> FrontMatter:
    """Split ``---`` YAML front matter from the body (pure; raises ValueError on an unclosed block)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    first, nl, rest = text.partition("\n")
    if first.rstrip() != FENCE:
        return FrontMatter(None, text, 1)
    lines = rest.split("\n")
    for index, line in enumerate(lines):
        if line.rstrip() in (FENCE, "..."):
            yaml_text = "\n".join(lines[:index])
            body = "\n".join(lines[index + 1:])
            return FrontMatter(yaml_text, body, index + 3)
    raise ValueError("opened on line 1 but never closed")


def _looks_like_a_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


class _Fields:
    """Typed reads of front matter keys, each error naming the key's line."""

    def __init__(self, data: dict[Any, Any], source: str, errors: list[SiteError]) -> None:
        self.data, self.source, self.errors = data, source, errors

    def line(self, key: str) -> int:
        # YAML line 1 is file line 2 (after the opening ---)
        return yamlmarks.line_of(self.data, key) + 1

    def fail(self, key: str, message: str, hint: str | None = None) -> None:
        self.errors.append(SiteError(f"front matter: {message}", self.source, self.line(key), hint))

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # `title: 2024` is a fine title
        if not isinstance(value, str):
            self.fail(key, f"{key!r} must be text, got {value!r}")
            return None
        return value

    def date(self, key: str) -> dt.date | None:
        value = self.data.get(key)
        if value is None:
            return None
        parsed = _date(value)
        if parsed is None and isinstance(value, str) and _looks_like_a_date(value):
            self.fail(key, f"{key!r} must be a date, and the quotes make {value!r} text",
                      f"write it without quotes: {key}: {value.strip()}")
        elif parsed is None:
            self.fail(key, f"{key!r} must be a date (YYYY-MM-DD), got {value!r}")
        return parsed

    def tags(self) -> tuple[str, ...]:
        value = self.data.get("tags")
        if value is None:
            return ()
        if isinstance(value, str):
            self.fail("tags", f"'tags' must be a list of strings, got {value!r}",
                      f"write tags: [{value}]")
            return ()
        if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
            self.fail("tags", f"'tags' must be a list of strings, got {value!r}")
            return ()
        seen: dict[str, None] = {}
        for tag in value:
            seen.setdefault(tag.strip(), None)
        return tuple(seen)

    def auth(self) -> tuple[str | None, tuple[str, ...]]:
        """``auth: required`` or ``auth: {groups: [editors, staff]}`` -> ("required", groups)."""
        value = self.data.get("auth")
        hint = "write auth: required (any signed-in reader) or auth: {groups: [editors]}"
        if value is None:
            return None, ()
        if value == "required":
            return "required", ()
        if not isinstance(value, dict):
            self.fail("auth", f"'auth' must be 'required' or a mapping with 'groups', got {value!r}", hint)
            return None, ()
        unknown = [k for k in value if k != "groups"]
        if unknown:
            self.fail("auth", f"'auth' takes only 'groups', got {unknown[0]!r}", hint)
            return None, ()
        groups = value.get("groups")
        if not isinstance(groups, list) or not groups or not all(isinstance(g, str) and g.strip() for g in groups):
            self.fail("auth", f"'auth: groups' must be a non-empty list of group names, got {groups!r}", hint)
            return None, ()
        return "required", tuple(dict.fromkeys(g.strip() for g in groups))

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(key, f"{key!r} must be true or false, got {value!r}")
            return False
        return value


def url_for_source(rel: str, *, slug: str | None = None, permalink: str | None = None) -> tuple[str, str]:
    """Pretty URL and output file for a page at ``content/<rel>``.

    ``blog/hello.md`` -> ``("/blog/hello/", "blog/hello/index.html")``;
    ``index.md`` -> ``("/", "index.html")``.
    """
    if permalink is not None:
        path = permalink.strip("/")
        if permalink.endswith(".html"):
            return "/" + path, path
        return ("/" + path + "/" if path else "/"), (path + "/index.html" if path else "index.html")
    parts = rel[: -len(".md")].split("/")
    if slug is not None:
        parts[-1] = slug
    elif parts[-1] == "index":
        parts.pop()
    path = "/".join(parts)
    if not path:
        return "/", "index.html"
    return f"/{path}/", f"{path}/index.html"


def parse_page(source: str, rel: str, text: str) -> Page:
    """Turn one source file's text into a :class:`Page` (raises :class:`PageErrors`)."""
    errors: list[SiteError] = []
    try:
        fm = split_front_matter(text)
    except ValueError as exc:
        raise PageErrors([SiteError(f"front matter: {exc}", source, 1,
                                    "close it with a line holding only '---'")]) from exc
    if fm.data is None:
        raise PageErrors([SiteError(
            "front matter: missing; every page needs at least a title", source, 1,
            "start the file with:\n---\ntitle: My page\n---")])
    try:
        data = yamlmarks.load(fm.data)
    except yamlmarks.YamlSyntaxError as exc:
        raise PageErrors([SiteError(f"front matter: YAML syntax error: {exc.message}", source,
                                    exc.line + 1)]) from exc
    if data is None:
        data = yamlmarks.MarkedDict()
        data.key_lines, data.line = {}, 1
    if not isinstance(data, dict):
        raise PageErrors([SiteError(
            f"front matter: must be a mapping of 'key: value' lines, got {type(data).__name__}",
            source, 2)])
    f = _Fields(data, source, errors)
    title = f.text("title")
    if not title or not title.strip():
        errors.append(SiteError("front matter: 'title' is required", source,
                                f.line("title") if "title" in data else 2, "add a line like: title: My page"))
    for key in data:
        if not isinstance(key, str):
            f.fail(key, f"keys must be text, got {key!r}")
        elif key in RESERVED_FIELDS:
            f.fail(key, f"{key!r} is computed by Atoll and cannot be set in front matter")
        elif key in KEPT_FIELDS:
            f.fail(key, f"{key!r} is a name Atoll keeps for layouts and cannot be set in front matter",
                   "a page's summary in listings and the feed is its 'description'" if key == "summary"
                   else f"name it something else, e.g. my_{key}")
        else:
            bad = chars.forbidden_in(data[key])
            if bad:
                f.fail(key, f"{key!r} holds the control character {bad}, which no page, feed or sitemap "
                            f"may carry", chars.HINT)
    slug = f.text("slug")
    if slug is not None and not _SLUG_RE.match(slug):
        f.fail("slug", f"'slug' must be a single URL segment (letters, digits, '-', '_', '.'), got {slug!r}")
        slug = None
    permalink = f.text("permalink")
    if permalink is not None and (not permalink.startswith("/") or "//" in permalink or ".." in permalink):
        f.fail("permalink", f"'permalink' must be a site path starting with '/', got {permalink!r}")
        permalink = None
    elif permalink is not None and not permalink.endswith(("/", ".html")):
        f.fail("permalink", f"'permalink' must end in '/' (a folder URL) or '.html' (a page is HTML), "
                            f"got {permalink!r}",
               f"use permalink: {posixpath.splitext(permalink)[0]}/ or permalink: "
               f"{posixpath.splitext(permalink)[0]}.html; a file such as an image belongs in public/")
        permalink = None
    auth, groups = f.auth()
    layout = f.text("layout")
    page_date = f.date("date")
    rel_is_post = rel.startswith(f"{BLOG_SECTION}/") and rel != f"{BLOG_SECTION}/index.md"
    if rel_is_post and page_date is None and "date" not in data:
        errors.append(SiteError("front matter: blog posts need a 'date' (YYYY-MM-DD)", source, 2,
                                "add a line like: date: 2026-11-26"))
    description = f.text("description") or ""
    updated, tags, draft = f.date("updated"), f.tags(), f.flag("draft")
    if errors:
        raise PageErrors(sorted(errors, key=lambda e: e.line or 0))
    url, output = url_for_source(rel, slug=slug, permalink=permalink)
    return Page(
        source=source, rel=rel, title=title.strip() if title else "", body=fm.body,
        body_line=fm.body_line, url=url, output=output, description=description,
        date=page_date, updated=updated, tags=tags, draft=draft, layout=layout, auth=auth, groups=groups,
        extra={k: v for k, v in data.items() if k not in BUILTIN_FIELDS},
        lines={k: f.line(k) for k in data if isinstance(k, str)},
    )


# The body of a page kept without it (the saved build state): no page holds a NUL character.
UNREAD = "\0"


def without_body(page: Page) -> Page:
    """``page`` without its body, which is read again if the page is rendered (so the saved
    build state stays small); what listings show of it (``meta``) comes along."""
    if page.body == UNREAD:
        return page
    slim = replace(page, body=UNREAD)
    slim.__dict__["meta"] = page.meta  # the cached_property's own slot: not computed again
    slim.__dict__["meta_digest"] = page.meta_digest
    return slim


class PageErrors(Exception):
    def __init__(self, errors: list[SiteError]) -> None:
        super().__init__(errors)
        self.errors = errors
