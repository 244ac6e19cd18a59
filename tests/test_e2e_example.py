"""The example site (this repository's ``site.yaml`` and ``content/``) signed in end to end in chromium.

A copy of its site.yaml, content/ and example/ (the to-do app: API, layout,
script, style) is served by ``atoll serve`` with the dev identity provider; its
other layouts, scripts and styles are the default theme, so this is the site a
new user sees with ``make serve``.
"""

from __future__ import annotations

import re
import urllib.request
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from e2e_helpers import READER, SIGNED_IN, SIGNED_OUT, AtollSite, Reader

pytestmark = pytest.mark.browser

Readers = Callable[[str], Reader]


# Protected pages are left out of the sitemap; readers see their prompt, then the page.
PROTECTED_PATHS = ["/todos/", "/members/"]


def site_paths(site: AtollSite) -> list[str]:
    """Every page in the site's sitemap, as a path, and the example's protected pages."""
    with urllib.request.urlopen(f"{site.url}/sitemap.xml", timeout=10) as response:
        sitemap = response.read().decode()
    paths = [urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
    assert "/" in paths and not set(PROTECTED_PATHS) & set(paths)
    return paths + PROTECTED_PATHS


def test_the_home_page_islands_follow_sign_in(example_site: AtollSite, readers: Readers) -> None:
    reader = readers(example_site.url)
    page = reader.visit("/")
    main = page.locator("main")
    expect(main.locator("[data-atoll-show='signed-out']").first).to_be_visible()
    expect(main.locator("[data-atoll-group='readers']")).to_be_hidden()
    main.locator("a[data-atoll-signin]").click()  # the sign-in link written in the page's markdown
    reader.dev_login(READER)
    page.locator(SIGNED_IN).wait_for(state="attached")
    assert page.url == example_site.url + "/"
    expect(main.locator("[data-atoll-show='signed-in']").first).to_contain_text(f"Welcome back, {READER.name}.")
    expect(main.locator("[data-atoll-user='email']")).to_have_text("reader@example.com")
    expect(main.locator("[data-atoll-group='readers']")).to_be_visible()
    expect(main.locator("[data-atoll-show='signed-out']").first).to_be_hidden()

    page.locator("a[href='/todos/']").first.click()
    island = page.locator("[data-todos]")
    text = f"read the islands reference {uuid.uuid4().hex[:8]}"
    island.locator("input[name=text]").fill(text)
    island.locator("button[type=submit]").click()
    expect(island.locator("li", has_text=text)).to_have_count(1)
    reader.assert_clean()


def test_every_page_of_the_example_site_is_clean_signed_out_and_signed_in(
        example_site: AtollSite, readers: Readers) -> None:
    paths = site_paths(example_site)
    reader = readers(example_site.url)
    for path in paths:
        page = reader.visit(path)
        expect(page.locator(SIGNED_OUT)).to_be_attached()
    reader.sign_in(READER, "/docs/")
    for path in paths:
        page = reader.visit(path)
        expect(page.locator(SIGNED_IN)).to_be_attached()
        expect(page.locator("header [data-atoll-user]")).to_have_text(READER.name)
    reader.assert_clean()
