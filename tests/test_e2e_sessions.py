"""Server-side sessions in chromium: what a reader sees when sessions end, move, outlive their tokens or fail.

Against ``atoll serve`` with the dev identity provider (Cognito-shaped); the
node-oidc-provider side of refresh and revocation is in test_e2e_peer.py.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from e2e_helpers import READER, SIGNED_IN, SIGNED_OUT, WRITER, AtollSite, Reader, serve_site, write_site
from redis_helpers import RedisServer

pytestmark = pytest.mark.browser

Readers = Callable[[str], Reader]
SHORT_LIFETIME = 10  # seconds: the dev provider's tokens, so a test can wait them out

# Records, from the first moment of each page: every change of <html data-atoll-auth>
# with its time, whether the Sign in button was ever visible, and the layout shifts.
WATCH_AUTH = """
(() => {
  const watch = window.__atollAuth = { changes: [], signInSeen: false, shift: 0, headerShift: 0, moved: [] };
  new MutationObserver(() => {
    const state = document.documentElement?.dataset.atollAuth;
    if (state && watch.changes.at(-1)?.state !== state) watch.changes.push({ state, at: performance.now() });
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-atoll-auth"] });
  const sample = () => {
    const button = document.querySelector("button[data-atoll-signin]");
    if (button && getComputedStyle(button).visibility === "visible" && button.getClientRects().length) {
      watch.signInSeen = true;
    }
    if (performance.now() < 10000) requestAnimationFrame(sample);
  };
  requestAnimationFrame(sample);
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      watch.shift += entry.value;
      const nodes = entry.sources.map((source) => source.node).filter(Boolean);
      if (nodes.some((node) => node.closest?.("header"))) watch.headerShift += entry.value;
      watch.moved.push(...nodes.map((node) => `${node.nodeName}.${node.className}`));
    }
  }).observe({ type: "layout-shift", buffered: true });
})();
"""


def auth_watch(page: Page) -> dict[str, Any]:
    page.wait_for_timeout(300)  # a few frames after the answer, for the sampler and the shift observer
    watch: dict[str, Any] = page.evaluate("""() => ({
        ...window.__atollAuth,
        paint: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
    })""")
    return watch


def console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def copy_session_cookie(source: Reader, target: Reader) -> None:
    cookies = [c for c in source.context.cookies(source.site) if c["name"] == "atoll_session"]
    assert cookies, "no session cookie to copy"
    target.context.add_cookies(cookies)  # type: ignore[arg-type]


def sessions_db(site_root: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(site_root / ".atoll" / "sessions.sqlite3") as db:
        rows = db.execute("SELECT data, last_seen, expires_at FROM atoll_sessions").fetchall()
    return [{**json.loads(data), "last_seen": seen, "expires_at": expires} for data, seen, expires in rows]


@pytest.fixture(scope="module")
def short_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AtollSite, Path]]:
    """A site whose dev provider's tokens last SHORT_LIFETIME seconds and rotate refresh tokens."""
    root = write_site(tmp_path_factory.mktemp("short") / "site",
                      auth_extra={"dev_token_lifetime": SHORT_LIFETIME, "dev_refresh_rotation": True})
    site = serve_site(root)
    yield site, root
    site.stop()


@pytest.fixture
def own_site(tmp_path: Path) -> Iterator[Callable[..., tuple[AtollSite, Path]]]:
    """``own_site(**write_site options)``: a site for one test, which it may stop and start again."""
    started: list[AtollSite] = []

    def start(**options: Any) -> tuple[AtollSite, Path]:
        root = write_site(tmp_path / f"site{len(started)}", **options)
        started.append(serve_site(root))
        return started[-1], root

    yield start
    for site in started:
        site.stop()


# ---------------------------------------------------------------------------- the page never shows the wrong state


def test_signed_out_pages_log_no_error_and_the_server_no_401(dev_site: AtollSite, readers: Readers) -> None:
    """Public pages (a protected page's prompt is a 401 document by design: Protected pages)."""
    reader = readers(dev_site.url)
    errors = console_errors(reader.page)
    for path in ("/", "/docs/guide/deep/", "/account/"):
        reader.visit(path)
        expect(reader.page.locator(SIGNED_OUT)).to_be_attached()
    assert reader.session_user() is None
    assert errors == []
    assert not [line for line in dev_site.process.log_tail(1 << 20).splitlines() if " 401 " in line]
    reader.assert_clean()


def test_a_signed_in_reader_never_sees_sign_in_and_nothing_moves(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.context.add_init_script(WATCH_AUTH)
    reader.sign_in(READER, "/docs/guide/deep/")
    timings, shifts = [], []
    for path in ("/", "/docs/guide/deep/", "/todos/", "/"):
        reader.visit(path)
        watch = auth_watch(reader.page)
        assert [c["state"] for c in watch["changes"]] == ["signed-in"], (path, watch)  # from "unknown", as built
        assert watch["signInSeen"] is False, path
        # Below the header nothing moves (the to-do list, arriving after the answer, may push the
        # footer). In the header the reader's name, filled in while hidden, may move the row a little.
        assert watch["shift"] - watch["headerShift"] == 0 or path == "/todos/", (path, watch)
        shifts.append(watch["headerShift"])
        timings.append((watch["paint"], watch["changes"][-1]["at"]))
    # A new tab of the same reader: no hint in this tab's sessionStorage, but the browser's flag.
    tab = reader.new_page()
    reader.visit("/docs/guide/deep/", tab)
    watch = auth_watch(tab)
    assert watch["signInSeen"] is False and watch["shift"] - watch["headerShift"] == 0, watch
    print("auth UI hidden while unknown (first paint -> answer, ms): "
          + ", ".join(f"{paint:.0f} -> {known:.0f}" for paint, known in timings)
          + f"; header layout shift {max(shifts):.4f}")
    reader.assert_clean()


def test_without_javascript_the_signed_out_view_shows_after_the_bound(dev_site: AtollSite, e2e_browser: Any) -> None:
    context = e2e_browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(dev_site.url + "/")
        button = page.locator("button[data-atoll-signin]").first
        expect(button).to_be_hidden()
        expect(button).to_be_visible(timeout=5000)
    finally:
        context.close()


def test_a_session_ended_elsewhere_flips_the_page_when_it_becomes_visible(dev_site: AtollSite,
                                                                         readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.sign_in(WRITER, "/docs/guide/deep/")
    # The same reader on a second device signs out of every session.
    phone = readers(dev_site.url)
    phone.sign_in(WRITER, "/account/")
    phone.page.locator("button[data-atoll-signout='everywhere']").click()
    phone.page.locator(SIGNED_OUT).wait_for(state="attached")
    expect(reader.page.locator(SIGNED_IN)).to_be_attached()  # this tab has not looked yet
    reader.page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    expect(reader.page.locator(SIGNED_OUT)).to_be_attached()
    expect(reader.page.locator("[data-atoll-user]").first).to_have_text("")
    assert "atoll.oidc.user" not in reader.session_storage()
    assert reader.fetch("/api/todos")["status"] == 401
    reader.assert_clean()
    phone.assert_clean()


# ---------------------------------------------------------------------------- sign-out ends the session


def test_a_cookie_replayed_after_sign_out_is_signed_out_everywhere(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.sign_in(READER, "/docs/guide/deep/")
    thief = readers(dev_site.url)
    copy_session_cookie(reader, thief)
    thief.visit("/todos/")
    expect(thief.page.locator(SIGNED_IN)).to_be_attached()  # the copy works while the session lives
    reader.click_sign_out()
    reader.page.locator(SIGNED_OUT).wait_for(state="attached")

    assert thief.cookie("atoll_session") is not None
    thief.visit("/todos/")
    expect(thief.page.locator(SIGNED_OUT)).to_be_attached()
    assert thief.fetch("/api/todos")["status"] == 401
    assert thief.session_user() is None
    assert thief.cookie("atoll_session") is None  # cleared by the companion
    reader.assert_clean()
    thief.assert_clean()


@pytest.mark.parametrize("value", ["forged.signature", "A" * 43 + "." + "B" * 43, "garbage"])
def test_a_forged_or_unknown_cookie_is_signed_out_and_cleared(dev_site: AtollSite, readers: Readers,
                                                             value: str) -> None:
    reader = readers(dev_site.url)
    reader.context.add_cookies([{"name": "atoll_session", "value": value, "url": dev_site.url}])
    reader.visit("/todos/")
    expect(reader.page.locator(SIGNED_OUT)).to_be_attached()
    assert reader.fetch("/api/todos")["status"] == 401
    assert reader.cookie("atoll_session") is None  # cleared by the companion
    assert reader.session_user() is None
    reader.assert_clean()


# ---------------------------------------------------------------------------- sessions outlive tokens and restarts


def test_a_session_outlives_its_tokens_and_rotated_refresh_tokens_survive_many_tabs(
        short_site: tuple[AtollSite, Path], readers: Readers) -> None:
    site, root = short_site
    reader = readers(site.url)
    reader.sign_in(READER, "/todos/")
    signed_in_at = time.time()
    page = reader.page
    page.wait_for_timeout((SHORT_LIFETIME + 2) * 1000)
    # Four tabs at once, tokens expired: one refresh (the provider rotates; a second refresh
    # with the old token would revoke them all), and every tab signed in.
    tabs = [reader.new_page() for _ in range(4)]
    for tab in tabs:
        tab.goto(site.url + "/todos/", wait_until="commit")
    for tab in tabs:
        expect(tab.locator(SIGNED_IN)).to_be_attached()
        expect(tab.locator("[data-atoll-user]").first).to_have_text(READER.name)
    assert reader.fetch("/api/todos", tabs[0])["status"] == 200
    [session] = [s for s in sessions_db(root) if s["user"]["username"] == READER.username]
    assert session["tokens_expire_at"] > signed_in_at + SHORT_LIFETIME  # refreshed
    reader.assert_clean()


def test_sessions_survive_a_restart_and_a_new_secret_signs_everybody_out(
        own_site: Callable[..., tuple[AtollSite, Path]], readers: Readers) -> None:
    site, root = own_site()
    reader = readers(site.url)
    reader.sign_in(READER, "/docs/guide/deep/")
    # The same ports, as `atoll serve` uses by default: the dev provider's issuer stays the same.
    port, idp_port = (int(url.rsplit(":", 1)[1]) for url in (site.url, site.idp_url or ""))

    site.stop()
    site = serve_site(root, port=port, idp_port=idp_port)
    reader.visit("/todos/")
    expect(reader.page.locator(SIGNED_IN)).to_be_attached()
    assert reader.fetch("/api/todos")["status"] == 200

    site.stop()
    (root / ".atoll" / "session-secret").unlink()
    site = serve_site(root, port=port, idp_port=idp_port)
    try:
        # This tab still holds the user in sessionStorage: the page believes the companion, not it.
        assert "atoll.oidc.user" in reader.session_storage()
        reader.visit("/todos/")
        expect(reader.page.locator(SIGNED_OUT)).to_be_attached()
        assert "atoll.oidc.user" not in reader.session_storage()
        reader.assert_clean()
    finally:
        site.stop()


def test_a_redis_store_that_goes_down_leaves_pages_working_and_signed_out(
        own_site: Callable[..., tuple[AtollSite, Path]], readers: Readers, redis_server: RedisServer) -> None:
    site, _ = own_site(companion_extra={"sessions": redis_server.url})
    reader = readers(site.url)
    reader.sign_in(READER, "/docs/guide/deep/")
    errors = console_errors(reader.page)
    redis_server.stop()
    try:
        reader.visit("/docs/guide/deep/")
        expect(reader.page.locator(SIGNED_OUT)).to_be_attached()
        expect(reader.page.locator("main h1")).to_have_text("Deep page")  # the static page is served
        answer = reader.fetch("/auth/session")
        assert answer == {"status": 503, "body": {"error": "session_store_unavailable",
                                                   "message": "the session store cannot be reached; "
                                                              "try again in a moment"}}
        assert reader.fetch("/api/todos")["status"] == 503
    finally:
        redis_server.start()
    assert [e for e in errors if "503" not in e] == []
    reader.assert_clean()


# ---------------------------------------------------------------------------- the callback


def test_back_after_a_wrong_password_and_reload_of_the_callback_go_where_sign_in_started(
        dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    page = reader.visit("/docs/guide/deep/?from=back")
    reader.click_sign_in()
    reader.dev_login(type(READER)(READER.username, "wrong password", READER.name))
    expect(page.locator("[role=alert]")).to_have_text("Incorrect username or password.")
    reader.dev_login(READER)
    page.wait_for_url(f"{dev_site.url}/docs/guide/deep/?from=back")
    page.locator(SIGNED_IN).wait_for(state="attached")

    responses: list[int] = []
    page.on("response", lambda response: responses.append(response.status))
    page.go_back()  # onto the provider's form after the failed attempt: a GET, never a resubmission
    page.wait_for_url(f"{dev_site.url}/docs/guide/deep/?from=back")
    page.locator(SIGNED_IN).wait_for(state="attached")
    page.goto(f"{dev_site.url}/callback/")
    page.wait_for_url(f"{dev_site.url}/docs/guide/deep/?from=back")
    expect(page.locator(SIGNED_IN)).to_be_attached()
    assert 400 not in responses and 405 not in responses
    reader.assert_clean()


def test_the_callbacks_heading_says_what_happened(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    page = reader.page
    page.goto(f"{dev_site.url}/callback/")
    expect(page.locator("main h1")).to_have_text("There is no sign-in to complete here.")
    expect(page.locator("[data-atoll-callback-error='NO_RESPONSE']")).to_contain_text("carries no sign-in response")
    expect(page.locator(SIGNED_OUT)).to_be_attached()
    reader.assert_clean()
