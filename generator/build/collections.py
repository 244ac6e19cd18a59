"""Collections derived from the pages: posts, tags, pagination, feed, sitemap, robots.

Pure functions over :class:`Page` lists; the XML is written by hand with
escaping (it is tiny and must be byte-for-byte deterministic).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

from atoll.build.content import BLOG_SECTION, Page
from atoll.config import SiteConfig, with_base

FEED_ENTRIES = 20


@lru_cache(maxsize=4096)
def slugify(text: str) -> str:
    """``"Static Sites & C++"`` -> ``"static-sites-c"``; non-ASCII letters are kept."""
    text = unicodedata.normalize("NFKC", text).lower()
    slug = re.sub(r"[^\w]+", "-", text).strip("-_")
    return slug or "tag"


def newest_first(page: Page) -> tuple[int, str, str]:
    """The sort key of listings: newest first, undated last; ties by title, then URL."""
    return (-(page.date or dt.date.min).toordinal(), page.title, page.url)


def sort_posts(pages: Iterable[Page]) -> list[Page]:
    """Blog posts, newest first; ties broken by title then URL so order is stable."""
    return sorted((p for p in pages if p.is_post), key=newest_first)


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str
    pages: tuple[Page, ...]  # newest first (undated pages last, by title)

    @property
    def url(self) -> str:
        return f"{TAGS_URL}{self.slug}/"

    @cached_property
    def members_digest(self) -> bytes:
        """A short digest of the name, the slug and the pages' sources, for fingerprints."""
        text = "\0".join([self.name, self.slug, *(p.source for p in self.pages)])
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def collect_tags(pages: Iterable[Page]) -> list[Tag]:
    """Tags by slug (``Web`` and ``web`` are one tag, named as first seen in source order),
    sorted by name."""
    members: dict[str, list[Page]] = {}
    for page in sorted((p for p in pages if p.tags), key=newest_first):  # so each tag's pages are in order
        for slug in tag_slugs(page):
            members.setdefault(slug, []).append(page)
    return sort_tags(make_tag(slug, tagged) for slug, tagged in members.items())


def tag_slugs(page: Page) -> list[str]:
    """The slug of each of the page's tags, in its order (a page is in a tag once per spelling)."""
    return [slugify(name) for name in page.tags]


def make_tag(slug: str, members: Sequence[Page]) -> Tag:
    """The tag of ``members`` (newest first), named as the page first in source order spells it."""
    first = min(members, key=lambda p: p.source)
    name = next(name for name in first.tags if slugify(name) == slug)
    return Tag(name=name, slug=slug, pages=tuple(members))


def sort_tags(tags: Iterable[Tag]) -> list[Tag]:
    return sorted(tags, key=lambda t: (t.name.lower(), t.slug))


@dataclass(frozen=True)
class Pager:
    """One page of a paginated listing."""

    number: int  # 1-based
    total: int
    items: tuple[Page, ...]
    first_url: str  # URL of page 1, e.g. "/blog/"

    def url_of(self, number: int) -> str:
        return self.first_url if number == 1 else f"{self.first_url}page/{number}/"

    @property
    def url(self) -> str:
        return self.url_of(self.number)

    @property
    def prev_url(self) -> str | None:
        return self.url_of(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url_of(self.number + 1) if self.number < self.total else None


def paginate(items: Sequence[Page], per_page: int, first_url: str) -> list[Pager]:
    """Always at least one pager, so an empty blog still has its listing page."""
    return [pager_at(items, per_page, first_url, n) for n in range(1, _page_count(len(items), per_page) + 1)]


def pager_at(items: Sequence[Page], per_page: int, first_url: str, number: int) -> Pager:
    """Page ``number`` (1-based) of :func:`paginate`'s pagers, made alone (a listing renders one)."""
    return Pager(number=number, total=_page_count(len(items), per_page),
                 items=tuple(items[(number - 1) * per_page: number * per_page]), first_url=first_url)


def _page_count(count: int, per_page: int) -> int:
    """How many listing pages ``count`` items fill (at least one)."""
    return max(1, -(-count // per_page))


def output_for_url(url: str) -> str:
    """``/blog/page/2/`` -> ``blog/page/2/index.html``; ``/feed.xml`` -> ``feed.xml``."""
    path = url.lstrip("/")
    return path + "index.html" if url.endswith("/") else path


BLOG_URL = f"/{BLOG_SECTION}/"
TAGS_URL = "/tags/"


# ---------------------------------------------------------------- XML files


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def newest_public(posts: Iterable[Page], protection: Container[Page]) -> tuple[Page, ...]:
    """The posts a feed carries: the newest :data:`FEED_ENTRIES` of ``posts`` (newest first)
    that are not protected."""
    return tuple(islice((p for p in posts if p not in protection), FEED_ENTRIES))


def atom_feed(config: SiteConfig, posts: Sequence[Page], html_of: dict[str, str]) -> str:
    """An Atom 1.0 feed of the newest posts, every URL absolute (RFC 4287)."""
    base = config.base_url
    entries = posts[:FEED_ENTRIES]
    dates = [day for p in entries if (day := p.updated or p.date) is not None]
    updated = _timestamp(max(dates)) if dates else "1970-01-01T00:00:00Z"
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:base={quoteattr(base)}>',
        f"  <title>{escape(config.title)}</title>",
    ]
    if config.description:
        out.append(f"  <subtitle>{escape(config.description)}</subtitle>")
    out += [
        f"  <id>{escape(base)}</id>",
        f'  <link rel="alternate" type="text/html" href={quoteattr(base)}/>',
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(base + "feed.xml")}/>',
        f"  <updated>{updated}</updated>",
    ]
    if config.author:
        out.append(f"  <author><name>{escape(config.author)}</name></author>")
    for post in entries:
        link = with_base(base, post.url)
        stamp = post.updated or post.date or dt.date(1970, 1, 1)
        out += [
            "  <entry>",
            f"    <title>{escape(post.title)}</title>",
            f'    <link rel="alternate" type="text/html" href={quoteattr(link)}/>',
            f"    <id>{escape(link)}</id>",
            f"    <published>{_timestamp(post.date or stamp)}</published>",
            f"    <updated>{_timestamp(stamp)}</updated>",
        ]
        if not config.author:
            out.append(f"    <author><name>{escape(config.title)}</name></author>")
        out += [f'    <category term={quoteattr(tag)}/>' for tag in post.tags]
        if post.description:
            out.append(f"    <summary>{escape(post.description)}</summary>")
        out.append(f'    <content type="html">{escape(html_of.get(post.source, ""))}</content>')
        out.append("  </entry>")
    out.append("</feed>")
    return "\n".join(out) + "\n"


def sitemap(config: SiteConfig, entries: Iterable[tuple[str, dt.date | None]]) -> str:
    """A sitemaps.org 0.9 sitemap of ``(site-relative url, lastmod)`` pairs, sorted."""
    base = config.base_url
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    out += [_sitemap_url(base, url, lastmod) for url, lastmod in sorted(entries)]
    out.append("</urlset>")
    return "\n".join(out) + "\n"


@lru_cache(maxsize=1 << 16)  # the dev server writes the sitemap again after each edit of a page's date or tags
def _sitemap_url(base: str, url: str, lastmod: dt.date | None) -> str:
    return (f"  <url><loc>{escape(with_base(base, url))}</loc>"
            + (f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else "") + "</url>")


def robots_txt(config: SiteConfig) -> str:
    return f"User-agent: *\nAllow: /\n\nSitemap: {config.base_url}sitemap.xml\n"
