"""The author's loop in a real browser: save, see it; break it, see why; fix it, carry on."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from atoll.build import reuse
from atoll.serve import server as server_module
from serve_helpers import dev_server
from sitekit import write_files

pytestmark = pytest.mark.browser

SITE = {
    "site.yaml": "title: Live\n",
    "content/index.md": "---\ntitle: Home\n---\nFirst version.\n",
    "public/css/extra.css": "body { color: black; }\n",
}


def save(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_saves_show_without_any_action(page: Page, tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        page.goto(server.origin + "/")
        expect(page.locator("main")).to_contain_text("First version.")
        save(site / "content/index.md", "---\ntitle: Home\n---\nSecond version.\n")
        expect(page.locator("main")).to_contain_text("Second version.", timeout=5000)
        time.sleep(1)  # the next save comes a second later: inside livereload's old 3 s "Ignore" window
        save(site / "content/index.md", "---\ntitle: Home\n---\nThird version.\n")
        expect(page.locator("main")).to_contain_text("Third version.", timeout=5000)


def test_error_overlay_names_file_and_line_and_goes_away(page: Page, tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        page.goto(server.origin + "/")
        save(site / "content/index.md", "---\ntitle: Home\ntags: [one, two\n---\nBroken.\n")
        overlay = page.locator("#atoll-error-overlay")
        expect(overlay).to_be_visible(timeout=5000)
        expect(overlay).to_contain_text("content/index.md:3")
        expect(overlay).to_contain_text("YAML syntax error")
        expect(overlay).to_contain_text("tags: [one, two")  # the offending source line
        expect(page.locator("main")).to_contain_text("First version.")  # last good build underneath
        save(site / "content/index.md", "---\ntitle: Home\ntags: [one, two]\n---\nRepaired.\n")
        expect(overlay).to_have_count(0, timeout=5000)
        expect(page.locator("main")).to_contain_text("Repaired.")


def test_a_page_opened_while_the_build_is_broken_shows_the_overlay(page: Page, tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        save(site / "content/index.md", "---\ntitle: Home\nlayout: nope\n---\n")
        deadline = time.monotonic() + 5
        while not server.state.errors:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        page.goto(server.origin + "/")
        expect(page.locator("#atoll-error-overlay")).to_contain_text("unknown layout 'nope'")


def test_stylesheet_edits_reload_styles(page: Page, tmp_path: Path) -> None:
    layout = ('<html><head><link rel="stylesheet" href="/css/extra.css"></head>'
              '<body><main>{{ page.html }}</main></body></html>')
    site = write_files(tmp_path / "site", {**SITE, "layouts/page.html": layout})
    with dev_server(site) as server:
        page.goto(server.origin + "/")
        save(site / "public/css/extra.css", "body { color: rgb(200, 0, 0); }\n")
        expect(page.locator("body")).to_have_css("color", "rgb(200, 0, 0)", timeout=5000)


def test_a_reload_after_an_edit_takes_the_unchanged_stylesheets_from_the_cache(page: Page, tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    fetched = """() => performance.getEntriesByType("resource").filter((r) => /\\.(css|js)(\\?|$)/.test(r.name))
        .map((r) => [new URL(r.name).pathname, r.transferSize])"""
    with dev_server(site) as server:
        page.goto(server.origin + "/")
        first = dict(page.evaluate(fetched))
        assert first["/css/site.css"] > 0 and first["/_atoll/dev/client.js"] > 0
        save(site / "content/index.md", "---\ntitle: Home\n---\nSecond version.\n")
        expect(page.locator("main")).to_contain_text("Second version.", timeout=5000)
        again = dict(page.evaluate(fetched))
        assert again.keys() == first.keys() and set(again.values()) == {0}, again  # none fetched again
        expect(page.locator(".site-header .bar")).to_have_css("display", "flex")  # and styled as before
        save(site / "public/css/site.css", "main { color: rgb(0, 120, 0); }\n")  # the site's own, now
        save(site / "content/index.md", "---\ntitle: Home\n---\nThird version.\n")
        expect(page.locator("main")).to_contain_text("Third version.", timeout=5000)
        expect(page.locator("main")).to_have_css("color", "rgb(0, 120, 0)")


def test_error_overlay_can_be_closed_and_reopened_from_the_keyboard(page: Page, tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        page.goto(server.origin + "/")
        save(site / "content/index.md", "---\ntitle: Home\nlayout: nope\n---\nBroken.\n")
        overlay = page.get_by_role("alertdialog", name="Build failed: 1 error")
        expect(overlay).to_be_visible(timeout=5000)
        close = page.get_by_role("button", name="Close the error overlay (Esc)")
        expect(close).to_be_focused()  # keyboard users land on it
        page.keyboard.press("Escape")
        expect(overlay).to_have_count(0)
        expect(page.locator("main")).to_contain_text("First version.")  # the last good build, uncovered
        badge = page.get_by_role("button", name="Build failed: 1 error \u2014 show")
        expect(badge).to_be_visible()
        badge.focus()
        page.keyboard.press("Enter")  # back to the errors
        expect(overlay).to_be_visible()
        expect(overlay).to_contain_text("unknown layout 'nope'")
        page.keyboard.press("Enter")  # the close button has the focus again: Enter closes too
        expect(overlay).to_have_count(0)
        badge.click()
        close.click()
        expect(overlay).to_have_count(0)
        save(site / "content/index.md", "---\ntitle: Home\n---\nMended.\n")
        expect(page.locator("main")).to_contain_text("Mended.", timeout=5000)
        expect(badge).to_have_count(0)


def test_a_layout_edit_shows_the_open_page_first_and_reloads_it_once(page: Page, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reuse, "FIRST_PASS_MIN", 3)  # five posts to render count as a long rebuild
    render = reuse.render_all_by_output

    def slow_rest(model, tasks, *args, **kwargs):  # type: ignore[no-untyped-def]
        if len(tasks) > 1:  # the other pages take long, as on a big site: the shown page is back meanwhile
            time.sleep(1.5)
        return render(model, tasks, *args, **kwargs)

    monkeypatch.setattr(reuse, "render_all_by_output", slow_rest)
    layout = '{% extends "base.html" %}{% block main %}<h1>{{ page.title }}</h1>{{ page.html }}{% endblock %}'
    posts = {f"content/blog/p{i}.md": f"---\ntitle: Post {i}\ndate: 2026-01-0{i + 1}\n---\nBody {i}.\n"
             for i in range(5)}
    site = write_files(tmp_path / "site", {**SITE, **posts, "layouts/post.html": layout})
    with dev_server(site) as server:
        home = page.context.new_page()
        home.goto(server.origin + "/")
        page.goto(server.origin + "/blog/p1/")
        deadline = time.monotonic() + 5
        while server.state.viewed != {"/", "/blog/p1/"}:  # both browsers said where they are
            assert time.monotonic() < deadline, server.state.viewed
            time.sleep(0.05)
        loads: list[str] = []
        page.on("load", lambda p: loads.append(p.url))
        home_loads: list[str] = []
        home.on("load", lambda p: home_loads.append(p.url))
        save(site / "layouts/post.html", layout.replace("<h1>", "<h1 class=new>"))
        expect(page.locator("h1.new")).to_have_text("Post 1", timeout=5000)
        log = server.log_text  # type: ignore[attr-defined]
        while "Rebuilt" not in log.getvalue():
            assert time.monotonic() < deadline + 10, log.getvalue()
            time.sleep(0.05)
        assert "Updated /blog/p1/ first (open in a browser); rendering the other pages" in log.getvalue()
        page.wait_for_timeout(1000)  # any further reload comes by then (and Playwright hands over its events)
        expect(home.locator("main")).to_be_visible()
        assert loads == [server.origin + "/blog/p1/"]  # shown first, and not reloaded again at the end
        assert home_loads == [server.origin + "/"]  # the home page is reloaded once the rebuild is done


def test_the_server_serves_before_the_first_search_index_which_follows(
        page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages are served as soon as they are built; search works once Pagefind has run, with no edit."""
    monkeypatch.setattr(server_module, "INDEX_QUIET", 4.0)  # the page is open before Pagefind starts
    site = write_files(tmp_path / "site", {**SITE, "content/about.md": "---\ntitle: About\n---\nWombats live here.\n"})
    with dev_server(site) as server:
        assert "the search index follows" in server.log_text.getvalue()  # type: ignore[attr-defined]
        page.goto(server.origin + "/")
        expect(page.locator("main")).to_contain_text("First version.")
        box = page.locator("#atoll-search-input")
        box.focus()  # the search code loads on first use
        expect(page.locator("[data-atoll-search]")).to_have_attribute("data-state", "unavailable")
        box.fill("wombats")
        expect(page.locator("#atoll-search-results")).to_contain_text("Search is not available on this build.")
        deadline = time.monotonic() + 30
        while not (server.builder.out / "pagefind" / "pagefind.js").is_file():
            assert time.monotonic() < deadline, "no search index"
            time.sleep(0.1)
        page.reload()
        box.focus()
        result = page.locator("#atoll-search-results [role=option] a")
        for _ in range(50):  # typed again until the search code, loading since the focus, answers
            box.fill("wombats")
            if result.count():
                break
            page.wait_for_timeout(200)
        expect(result).to_have_attribute("href", "/about/")
