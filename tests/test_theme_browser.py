"""The default theme in chromium, on the example site under ``atoll serve`` (its strict CSP).

Every page type at desktop (1280) and mobile (390) width, light and dark: no
horizontal overflow, no overlapping header controls, no console error; the docs
sidebar, the theme toggle (remembered, no flash), the search box, the mobile
menu, keyboard use, and WCAG AA contrast of text in both schemes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e_helpers import AtollSite

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/", "docs": "/docs/writing-pages/", "docs index": "/docs/", "nested docs": "/docs/sign-in/cognito/",
    "blog": "/blog/", "post": "/blog/introducing-atoll/", "tags": "/tags/", "tag": "/tags/security/",
    "404": "/no-such-page/", "to-dos": "/todos/", "callback": "/callback/",
}
WIDTHS = (1280, 390)

# Overflow, overlaps and visible controls, measured in the page.
LAYOUT_FACTS = """() => {
  const root = document.documentElement;
  const visible = (e) => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden"; };
  const controls = [...document.querySelectorAll(".site-header a, .site-header button, .site-header input")]
    .filter(visible).map((e) => ({ name: (e.textContent || e.getAttribute("aria-label") || e.tagName).trim(),
                                   box: e.getBoundingClientRect().toJSON() }));
  const overlaps = [];
  controls.forEach((a, i) => controls.slice(i + 1).forEach((b) => {
    const x = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
    const y = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
    if (x > 1 && y > 1) overlaps.push(`${a.name} / ${b.name}`);
  }));
  const sidebar = document.querySelector(".sidebar");
  return { overflow: root.scrollWidth - root.clientWidth, overlaps,
           sidebar: Boolean(sidebar && visible(sidebar)), menu: Boolean(document.querySelector(".menu-button")
             && visible(document.querySelector(".menu-button"))) };
}"""

# Every text node's colour against the background it is drawn on (the first opaque
# one up the tree), by WCAG 2's formula; large text needs 3:1, the rest 4.5:1.
CONTRAST = """() => {
  const parse = (c) => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return { r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1 };
  };
  const lum = ({ r, g, b }) => [r, g, b]
    .map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (e) => {
    for (; e; e = e.parentElement) { const bg = parse(getComputedStyle(e).backgroundColor); if (bg.a > 0.5) return bg; }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const e = node.parentElement;
    if (!node.textContent.trim() || !e || !e.getClientRects().length) continue;
    const s = getComputedStyle(e);
    if (s.visibility === "hidden" || e.closest("[hidden], .visually-hidden, [aria-hidden=true]")) continue;
    const fg = parse(s.color), bg = background(e);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const text = node.textContent.trim().slice(0, 30);
    if (ratio < need) low.push(`${ratio.toFixed(2)} "${text}" (${s.color} on rgb(${bg.r}, ${bg.g}, ${bg.b}))`);
  }
  return low;
}"""

# Records <html data-theme> the moment <body> appears: what the first paint uses.
FIRST_PAINT = """new MutationObserver((_, observer) => {
  if (document.body) { window.__themeAtBody = document.documentElement.dataset.theme ?? null; observer.disconnect(); }
}).observe(document, { childList: true, subtree: true });"""


@pytest.fixture
def contexts(e2e_browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def open_page(browser: Browser, contexts: list[BrowserContext], *, width: int = 1280,
              scheme: str = "light") -> tuple[Page, list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)  # type: ignore[arg-type]
    contexts.append(context)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", lambda m: m.type == "error" and not _signed_out_probe(m.text) and problems.append(m.text))
    return page, problems


def _signed_out_probe(text: str) -> bool:
    # The islands ask the companion once whether a cookie session exists; signed out, its
    # answer is a 401 that chromium logs as a failed resource (the companion's choice).
    return "status of 401" in text


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_type_lays_out_cleanly(example_site: AtollSite, e2e_browser: Browser,
                                          contexts: list[BrowserContext], width: int, scheme: str) -> None:
    page, problems = open_page(e2e_browser, contexts, width=width, scheme=scheme)
    for name, path in PAGES.items():
        problems.clear()
        page.goto(example_site.url + path)
        page.wait_for_load_state("load")
        facts = page.evaluate(LAYOUT_FACTS)
        assert facts["overflow"] <= 0, f"{name}: {facts['overflow']}px of horizontal overflow at {width}"
        assert not facts["overlaps"], f"{name}: overlapping controls {facts['overlaps']} at {width}"
        assert page.evaluate("document.documentElement.dataset.theme") == scheme
        if path.startswith("/docs/"):
            assert facts["sidebar"] == (width > 900), f"{name}: sidebar shown={facts['sidebar']} at {width}"
            assert facts["menu"] == (width <= 900), name
        else:
            assert not facts["sidebar"] and not facts["menu"], name
        assert [p for p in problems if EXPECTED.get(name, "\0") not in p] == [], name


# What a page type says on the console by design: the 404 page's own status; the
# callback page opened with no sign-in in progress explains itself there too.
EXPECTED = {"404": "status of 404", "callback": "This address carries no"}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_meets_wcag_aa_contrast(example_site: AtollSite, e2e_browser: Browser,
                                     contexts: list[BrowserContext], scheme: str) -> None:
    page, _ = open_page(e2e_browser, contexts, scheme=scheme)
    for path in ("/", "/docs/writing-pages/", "/blog/introducing-atoll/", "/todos/", "/no-such-page/"):
        page.goto(example_site.url + path)
        page.wait_for_load_state("load")
        page.locator("input[type=search]").focus()  # the placeholder and the box, too
        assert page.evaluate(CONTRAST) == [], f"{path} in {scheme}"


def test_theme_toggle_switches_remembers_and_never_flashes(example_site: AtollSite, e2e_browser: Browser,
                                                          contexts: list[BrowserContext]) -> None:
    page, problems = open_page(e2e_browser, contexts, scheme="light")
    page.context.add_init_script(FIRST_PAINT)
    page.goto(example_site.url + "/docs/")
    light_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    toggle = page.locator("[data-atoll-theme-toggle]")
    expect(toggle).to_have_attribute("aria-label", "Switch to dark theme")
    toggle.click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light_bg
    expect(toggle).to_have_attribute("aria-label", "Switch to light theme")
    page.goto(example_site.url + "/blog/")  # another page: the choice is remembered ...
    assert page.evaluate("window.__themeAtBody") == "dark"  # ... and applied before the body is painted
    toggle.press("Enter")  # keyboard works too
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    page.reload()
    assert page.evaluate("window.__themeAtBody") == "light"
    assert not problems, problems


def test_search_finds_pages_from_the_keyboard(example_site: AtollSite, e2e_browser: Browser,
                                              contexts: list[BrowserContext]) -> None:
    page, problems = open_page(e2e_browser, contexts)
    page.goto(example_site.url + "/")
    page.keyboard.press("/")  # the shortcut focuses the box
    box = page.locator("#atoll-search-input")
    expect(box).to_be_focused()
    box.press_sequentially("cognito user pool", delay=20)
    results = page.locator("#atoll-search-results [role=option]")
    expect(results.first).to_be_visible(timeout=10_000)
    expect(box).to_have_attribute("aria-expanded", "true")
    assert "/docs/sign-in/cognito/" in [results.nth(i).locator("a").get_attribute("href")
                                        for i in range(results.count())]
    first = results.first.locator("a").get_attribute("href")
    expect(results.first.locator("mark").first).to_be_visible()  # the match, marked
    box.press("ArrowDown")
    expect(results.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    box.press("Enter")
    page.wait_for_url(f"**{first}")
    box = page.locator("#atoll-search-input")
    box.fill("zzzqqqnothing")
    expect(page.locator("#atoll-search-results .status")).to_have_text("No results for “zzzqqqnothing”.")
    box.press("Escape")
    expect(page.locator("#atoll-search-results")).to_be_hidden()
    assert not problems, problems


def test_mobile_menu_opens_and_closes_from_the_keyboard(example_site: AtollSite, e2e_browser: Browser,
                                                        contexts: list[BrowserContext]) -> None:
    page, problems = open_page(e2e_browser, contexts, width=390)
    page.goto(example_site.url + "/docs/sign-in/cognito/")
    sidebar, menu = page.locator(".sidebar"), page.locator("[data-atoll-menu]")
    expect(sidebar).to_be_hidden()
    menu.click()
    expect(sidebar).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(sidebar.locator("a[aria-current=page]")).to_have_text("AWS Cognito")
    expect(sidebar.locator("a[aria-current=true]")).to_have_text("How sign-in works")
    page.keyboard.press("Escape")
    expect(sidebar).to_be_hidden()
    expect(menu).to_be_focused()
    expect(page.locator("details:has(> summary#toc-title)")).not_to_have_attribute("open", "")  # collapsed here
    assert not problems, problems


def test_docs_page_landmarks_skip_link_and_focus(example_site: AtollSite, e2e_browser: Browser,
                                                 contexts: list[BrowserContext]) -> None:
    page, _ = open_page(e2e_browser, contexts)
    page.goto(example_site.url + "/docs/sign-in/cognito/")
    for role, name in (("banner", None), ("main", None), ("contentinfo", None), ("navigation", "Main"),
                       ("navigation", "Breadcrumbs"), ("search", None)):
        expect(page.get_by_role(role, name=name).first).to_be_visible()
    expect(page.locator(".main-nav a[aria-current]")).to_have_text("Docs")  # the section, on a child page
    expect(page.locator("details:has(> summary#toc-title)")).to_have_attribute("open", "")  # the rail, open
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0  # shown on focus
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "the focused control shows no focus ring"
    expect(page.locator(".pagination a[rel=prev]")).to_contain_text("The companion endpoint")
    expect(page.locator(".pagination a[rel=next]")).to_contain_text("Other OIDC providers")


def test_code_blocks_have_a_label_and_a_working_copy_button(example_site: AtollSite, e2e_browser: Browser,
                                                            contexts: list[BrowserContext]) -> None:
    page, problems = open_page(e2e_browser, contexts)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(example_site.url + "/docs/writing-pages/")
    block = page.locator(".code[data-lang=python]").filter(has=page.locator(".linenos")).first
    expect(block.locator(".code-title")).to_have_text("app.py")
    block.locator("button.copy").click()
    expect(block.locator("button.copy")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("from atoll.cli import main") and "1" not in copied.split("\n")[0][:2]
    assert not problems, problems


@pytest.mark.parametrize("width", WIDTHS)
def test_dev_provider_login_form_controls_line_up(example_site: AtollSite, e2e_browser: Browser,
                                                  contexts: list[BrowserContext], width: int) -> None:
    page, _ = open_page(e2e_browser, contexts, width=width)
    page.goto(example_site.url + "/")
    page.locator("button[data-atoll-signin]:visible").first.click()
    page.wait_for_url(f"{example_site.idp_url}/**")
    boxes = [page.locator(selector).bounding_box() for selector in ("#username", "#password", "button[type=submit]")]
    assert all(box is not None for box in boxes)
    assert len({round(box["width"]) for box in boxes}) == 1, boxes  # the button as wide as the inputs
    assert len({round(box["x"]) for box in boxes}) == 1, boxes
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
