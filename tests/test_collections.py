from __future__ import annotations

import datetime as dt
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
