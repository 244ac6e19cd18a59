"""Sign-in end to end in chromium against the embedded dev identity provider (``atoll serve``).

One ``atoll serve`` per module; every test has fresh browser contexts and ends
with :meth:`Reader.assert_clean` (no CSP violation on any page it opened).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from e2e_helpers import READER, SIGNED_IN, SIGNED_OUT, WRITER, AtollSite, Reader, query_of

pytestmark = pytest.mark.browser

Readers = Callable[[str], Reader]
DEEP = "/docs/guide/deep/?q=atoll&lang=fr#section-two"


def test_sign_in_from_a_deep_page_lands_back_on_it(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    page = reader.visit(DEEP)
    expect(page.locator("[data-atoll-user]")).to_have_text("")
    reader.click_sign_in()
    page.wait_for_url(f"{dev_site.idp_url}/oauth2/authorize?*")
    authorize = query_of(page.url)
    assert authorize["code_challenge_method"] == ["S256"] and authorize["nonce"] and authorize["state"]
    reader.dev_login(READER)

    page.locator(SIGNED_IN).wait_for(state="attached")
    assert page.url == dev_site.url + DEEP
    expect(page.locator("[data-atoll-user]")).to_have_text(READER.name)
    expect(page.locator("button[data-atoll-signout]")).to_be_visible()
    expect(page.locator("button[data-atoll-signin]")).to_be_hidden()

    # The callback page: its response said no-referrer, and it took code and state out of history.
    callbacks = reader.requested(f"{dev_site.url}/callback/?")
    assert len(callbacks) == 1 and set(query_of(callbacks[0].url)) == {"code", "state"}
    response = callbacks[0].response()
    assert response is not None and response.headers.get("referrer-policy") == "no-referrer"
    # Neither the token request nor the companion's is told where the reader came from.
    for request in (*reader.requested(f"{dev_site.idp_url}/oauth2/token", "POST"),
                    *reader.requested(f"{dev_site.url}/auth/session", "POST")):
        assert "referer" not in request.all_headers(), request.url
    assert len(reader.requested(f"{dev_site.idp_url}/oauth2/token", "POST")) == 1

    cookie = reader.cookie("atoll_session")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("() => document.cookie").find("atoll_session") == -1
    session = reader.session_user()
    assert session is not None and session["username"] == READER.username and session["name"] == READER.name

    # What the browser keeps: the profile and expiry, no raw token, no one-time state left over.
    stored = reader.session_storage()
    assert not [key for key in stored if key.startswith("atoll.oidc.state.")]
    user_json = stored["atoll.oidc.user"]
    for secret in ("access_token", "id_token", "refresh_token"):
        assert secret not in user_json
    reader.assert_clean()


def test_a_new_tab_finds_the_companion_session(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.sign_in(READER)
    other = reader.visit("/", reader.new_page())
    expect(other.locator(SIGNED_IN)).to_be_attached()
    expect(other.locator("[data-atoll-user]")).to_have_text(READER.name)
    reader.assert_clean()


def test_todos_add_tick_reload_and_another_reader_does_not_see_them(
        dev_site: AtollSite, readers: Readers) -> None:
    mine = f"buy milk {uuid.uuid4().hex[:8]}"
    first = readers(dev_site.url)
    page = first.visit("/todos/")
    expect(page.locator("[data-todos]")).to_be_hidden()
    first.click_sign_in()
    first.dev_login(READER)
    page.locator(SIGNED_IN).wait_for(state="attached")
    assert page.url == dev_site.url + "/todos/"

    island = page.locator("[data-todos]")
    island.locator("input[name=text]").fill(mine)
    island.locator("button[type=submit]").click()
    item = island.locator("li", has_text=mine)
    expect(item).to_have_count(1)
    item.locator("input[type=checkbox]").check()
    expect(island.locator("[data-todos-status]")).to_have_text("")
    page.reload()
    expect(item.locator("input[type=checkbox]")).to_be_checked()
    api = first.fetch("/api/todos")
    assert api["status"] == 200 and [t["done"] for t in api["body"]["todos"] if t["text"] == mine] == [True]

    second = readers(dev_site.url)
    other = second.visit("/todos/")
    second.click_sign_in()
    second.dev_login(WRITER)
    other.locator(SIGNED_IN).wait_for(state="attached")
    expect(other.locator("[data-atoll-user]")).to_have_text(WRITER.name)
    theirs = f"water plants {uuid.uuid4().hex[:8]}"
    other_island = other.locator("[data-todos]")
    other_island.locator("input[name=text]").fill(theirs)
    other_island.locator("button[type=submit]").click()
    expect(other_island.locator("li", has_text=theirs)).to_have_count(1)
    expect(other_island.locator("li", has_text=mine)).to_have_count(0)
    assert mine not in str(second.fetch("/api/todos")["body"])

    page.reload()
    expect(item).to_have_count(1)
    expect(island.locator("li", has_text=theirs)).to_have_count(0)
    first.assert_clean()
    second.assert_clean()


def test_sign_out_ends_the_companion_and_the_provider_sessions(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.sign_in(READER)
    page = reader.page

    # Control: while the provider remembers the reader, signing in again needs no password.
    reader.context.clear_cookies(name="atoll_session")
    page.evaluate("() => sessionStorage.clear()")
    reader.visit("/docs/guide/deep/")
    expect(page.locator(SIGNED_OUT)).to_be_attached()
    reader.click_sign_in()
    page.locator(SIGNED_IN).wait_for(state="attached")
    expect(page.locator("[data-atoll-user]")).to_have_text(READER.name)

    reader.click_sign_out()
    page.locator(SIGNED_OUT).wait_for(state="attached")
    assert page.url == dev_site.url + "/"
    logouts = reader.requested(f"{dev_site.idp_url}/logout?")
    assert len(logouts) == 1
    assert query_of(logouts[0].url) == {"client_id": ["atoll-e2e"], "logout_uri": [dev_site.url + "/"]}
    assert reader.requested(f"{dev_site.url}/auth/session", "DELETE")
    assert reader.cookie("atoll_session") is None
    assert reader.session_user() is None
    assert reader.fetch("/api/todos")["status"] == 401
    assert "atoll.oidc.user" not in reader.session_storage()
    expect(page.locator("[data-atoll-user]")).to_have_text("")
    # Back to the page signed in before: it shows signed-out now.
    page.go_back()
    page.wait_for_url(f"{dev_site.url}/docs/guide/deep/")
    expect(page.locator(SIGNED_OUT)).to_be_attached()

    # The provider forgot the reader too: it asks for the password again.
    reader.click_sign_in()
    expect(page.locator("input[name=password]")).to_be_visible()
    assert page.url.startswith(f"{dev_site.idp_url}/oauth2/authorize?")
    reader.assert_clean()


def test_other_tabs_follow_sign_in_and_sign_out(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    other = reader.visit("/", reader.new_page())
    expect(other.locator(SIGNED_OUT)).to_be_attached()
    reader.sign_in(READER)
    expect(other.locator(SIGNED_IN)).to_be_attached()
    expect(other.locator("[data-atoll-user]")).to_have_text(READER.name)
    reader.click_sign_out()
    reader.page.locator(SIGNED_OUT).wait_for(state="attached")
    expect(other.locator(SIGNED_OUT)).to_be_attached()
    expect(other.locator("[data-atoll-user]")).to_have_text("")
    reader.assert_clean()


def test_when_the_pages_expiry_comes_it_asks_the_companion_again(dev_site: AtollSite, readers: Readers) -> None:
    """The browser's copy of the user expires; the companion decides whether the reader is still signed in."""
    reader = readers(dev_site.url)
    page = reader.page
    page.clock.install()  # the browser's clock only: the servers keep real time
    reader.sign_in(READER, "/todos/")
    island = page.locator("[data-todos]")
    island.locator("input[name=text]").fill(f"still here {uuid.uuid4().hex[:8]}")
    island.locator("button[type=submit]").click()
    expect(island.locator("li")).not_to_have_count(0)
    user = json.loads(reader.session_storage()["atoll.oidc.user"])

    # Past the expiry the page knew: it asks, the companion's session (real time) is alive, nothing flips.
    with page.expect_request(lambda r: r.url == f"{dev_site.url}/auth/session" and r.method == "GET"):
        page.clock.fast_forward(int((user["expires_at"] - time.time() + 60) * 1000))
    page.wait_for_load_state("networkidle")
    expect(page.locator(SIGNED_IN)).to_be_attached()
    expect(page.locator("[data-atoll-user]").first).to_have_text(READER.name)
    reader.assert_clean()
