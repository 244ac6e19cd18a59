from __future__ import annotations

import datetime as dt
import random
import xml.etree.ElementTree as ET
from pathlib import Path

from atoll.build.collections import atom_feed, collect_tags, paginate, sitemap, slugify, sort_posts
from atoll.build.content import parse_page
from atoll.config import parse_config


def post(name: str, date: str, tags: str = "[]", title: str | None = None):
    return parse_page(f"content/blog/{name}.md", f"blog/{name}.md",
                      f"---\ntitle: {title or name}\ndate: {date}\ntags: {tags}\n---\n")


def test_posts_newest_first_with_stable_ties() -> None:
    posts = [post("a", "2026-01-01"), post("c", "2026-03-01"), post("b", "2026-03-01")]
    assert [p.title for p in sort_posts(posts)] == ["b", "c", "a"]


def test_posts_and_tag_pages_order_by_date_then_title_then_url_and_tags_take_their_first_name() -> None:
    rng = random.Random(7)
    pages = []
    for i in range(300):  # few dates and titles: many ties; some undated, some tags in two spellings
        date = "" if rng.random() < 0.1 else f"2026-0{rng.randint(1, 3)}-0{rng.randint(1, 3)}"
        tags = rng.sample(["Web", "web", "Python", "Go", "go", "C++"], rng.randint(0, 3))
        name = f"p{rng.randrange(10_000):04}-{i}"
        folder = "blog" if date else "notes"  # posts need a date; other pages may carry tags too
        page = parse_page(f"content/{folder}/{name}.md", f"{folder}/{name}.md",
                          f"---\ntitle: T{rng.randint(1, 4)}\n{'date: ' + date if date else ''}\n"
                          f"tags: [{', '.join(tags)}]\n---\n")
        pages.append(page)
    rng.shuffle(pages)

    def by_date(items):  # the order promised: newest first, undated last, ties by title then URL
        items = sorted(items, key=lambda p: (p.title, p.url))
        return sorted(items, key=lambda p: p.date or dt.date.min, reverse=True)

    assert sort_posts(pages) == by_date(p for p in pages if p.is_post)
    first_names: dict[str, str] = {}
    for page in sorted(pages, key=lambda p: p.source):
        for name in page.tags:
            first_names.setdefault(slugify(name), name)
    tags = collect_tags(pages)
    assert [t.slug for t in tags] == sorted(first_names, key=lambda slug: (first_names[slug].lower(), slug))
    for tag in tags:
        assert tag.name == first_names[tag.slug]
        assert list(tag.pages) == by_date(p for p in pages for name in p.tags if slugify(name) == tag.slug)


def test_pagination_urls() -> None:
    pagers = paginate([post(str(i), "2026-01-01") for i in range(5)], 2, "/blog/")
    assert [p.url for p in pagers] == ["/blog/", "/blog/page/2/", "/blog/page/3/"]
    assert pagers[0].prev_url is None and pagers[0].next_url == "/blog/page/2/"
    assert len(pagers[2].items) == 1 and pagers[2].next_url is None
    assert len(paginate([], 10, "/blog/")) == 1


def test_tags_merge_by_slug() -> None:
    tags = collect_tags([post("a", "2026-01-01", "[Web, Python]"), post("b", "2026-02-01", "[web]")])
    assert [(t.name, t.slug, len(t.pages)) for t in tags] == [("Python", "python", 1), ("Web", "web", 2)]
    assert tags[1].url == "/tags/web/"
    assert slugify("C++ & Rust!") == "c-rust" and slugify("日本語") == "日本語"


def test_feed_is_valid_atom_with_absolute_urls() -> None:
    config = parse_config("title: T & Co\nbase_url: https://example.com/docs/\n", Path("."))
    posts = sort_posts([post("a", "2026-01-01"), post("b", "2026-02-01", "[x]")])
    xml = atom_feed(config, posts, {"content/blog/b.md": "<p>Hi &amp; bye</p>"})
    root = ET.fromstring(xml)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.find("a:title", ns).text == "T & Co"
    entries = root.findall("a:entry", ns)
    assert [e.find("a:id", ns).text for e in entries] == [
        "https://example.com/docs/blog/b/", "https://example.com/docs/blog/a/"]
    assert entries[0].find("a:content", ns).text == "<p>Hi &amp; bye</p>"
    assert root.find("a:updated", ns).text == "2026-02-01T00:00:00Z"


def test_sitemap_sorted_and_absolute() -> None:
    config = parse_config("title: T\nbase_url: https://example.com/\n", Path("."))
    xml = sitemap(config, [("/b/", None), ("/a/", dt.date(2026, 1, 1))])
    root = ET.fromstring(xml)
    locs = [u[0].text for u in root]
    assert locs == ["https://example.com/a/", "https://example.com/b/"]
    assert root[0][1].text == "2026-01-01"
