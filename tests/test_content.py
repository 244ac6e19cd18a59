from __future__ import annotations

import datetime as dt

import pytest

from atoll.build.content import PageErrors, parse_page, split_front_matter, url_for_source


def test_split_front_matter_reports_body_line() -> None:
    fm = split_front_matter("---\ntitle: A\n---\nBody\n")
    assert fm.data == "title: A" and fm.body == "Body\n" and fm.body_line == 4


def test_no_front_matter() -> None:
    fm = split_front_matter("# Just markdown\n")
    assert fm.data is None and fm.body_line == 1


def test_unclosed_front_matter() -> None:
    with pytest.raises(ValueError, match="never closed"):
        split_front_matter("---\ntitle: A\nbody\n")


@pytest.mark.parametrize(("rel", "url", "output"), [
    ("index.md", "/", "index.html"),
    ("about.md", "/about/", "about/index.html"),
    ("blog/hello.md", "/blog/hello/", "blog/hello/index.html"),
    ("docs/index.md", "/docs/", "docs/index.html"),
])
def test_pretty_urls(rel: str, url: str, output: str) -> None:
    assert url_for_source(rel) == (url, output)


def test_slug_and_permalink() -> None:
    assert url_for_source("blog/hello.md", slug="hi") == ("/blog/hi/", "blog/hi/index.html")
    assert url_for_source("x.md", permalink="/a/b/") == ("/a/b/", "a/b/index.html")
    assert url_for_source("x.md", permalink="/legacy.html") == ("/legacy.html", "legacy.html")


def test_fields_and_extra_keys() -> None:
    page = parse_page("content/blog/p.md", "blog/p.md",
                      "---\ntitle: P\ndate: 2026-01-02\ntags: [a, b, a]\nhero: x.png\n---\nText\n")
    assert page.date == dt.date(2026, 1, 2)
    assert page.tags == ("a", "b")
    assert page.extra == {"hero": "x.png"}
    assert page.is_post and page.url == "/blog/p/"


def errors(text: str, rel: str = "x.md") -> list[str]:
    with pytest.raises(PageErrors) as info:
        parse_page(f"content/{rel}", rel, text)
    return [str(e) for e in info.value.errors]


def test_every_bad_field_is_reported_with_its_line() -> None:
    found = errors("---\ntitle: T\ndate: tomorrow\ntags: web\ndraft: 1\nauth: maybe\nslug: a/b\n---\n")
    assert found == [
        "content/x.md:3: front matter: 'date' must be a date (YYYY-MM-DD), got 'tomorrow'",
        "content/x.md:4: front matter: 'tags' must be a list of strings, got 'web'\n  hint: write tags: [web]",
        "content/x.md:5: front matter: 'draft' must be true or false, got 1",
        "content/x.md:6: front matter: 'auth' must be 'required' or a mapping with 'groups', got 'maybe'"
        "\n  hint: write auth: required (any signed-in reader) or auth: {groups: [editors]}",
        "content/x.md:7: front matter: 'slug' must be a single URL segment (letters, digits, '-', '_', '.'), got 'a/b'",
    ]


def test_reserved_names_cannot_be_set() -> None:
    assert errors("---\ntitle: T\nurl: /x/\n---\n") == [
        "content/x.md:3: front matter: 'url' is computed by Atoll and cannot be set in front matter"]


def test_blog_posts_need_a_date() -> None:
    [message] = errors("---\ntitle: T\n---\n", rel="blog/t.md")
    assert "blog posts need a 'date'" in message


def test_numbers_are_fine_titles() -> None:
    assert parse_page("content/x.md", "x.md", "---\ntitle: 2024\n---\n").title == "2024"
