"""Attacks and mishaps at sign-in, end to end in chromium against the dev identity provider.

Tampered, forged or stale state, replayed callback URLs (again, reloaded,
Back, in another browser), return paths that try to leave the origin, HTML in
the provider's ``error_description``, in a user's name claim and in a to-do,
a companion that refuses the tokens or cannot end the session, a provider
that cannot be reached. Each ends with no CSP violation on any page the
reader saw; the last test shows that check is not vacuous.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from e2e_helpers import HTML_NAME, MALLORY, READER, SIGNED_IN, AtollSite, Reader, query_of

pytestmark = pytest.mark.browser

Readers = Callable[[str], Reader]
STATE_PREFIX = "atoll.oidc.state."
EVIL_RETURN_PATHS = ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:window.__pwned=1"]


def hold_sign_in(reader: Reader, idp_url: str) -> str:
    """Click Sign in but stop the trip to the provider: the state is stored; returns the authorize URL."""
    prefix = f"{idp_url}/oauth2/authorize?"
    reader.page.route(f"{prefix}*", lambda route: route.abort("aborted"))  # the page stays where it is
    with reader.page.expect_event("requestfailed", lambda request: request.url.startswith(prefix)) as held:
        reader.click_sign_in()
    reader.page.unroute(f"{prefix}*")
    assert [key for key in reader.session_storage() if key.startswith(STATE_PREFIX)]
    return str(held.value.url)


def expect_callback_error(reader: Reader, code: str) -> None:
    page = reader.page
    alert = page.locator(f"#atoll-callback [data-atoll-callback-error='{code}']")
    expect(alert).to_be_visible()
    expect(page.locator("#atoll-callback button", has_text="Sign in again")).to_be_visible()
    expect(page.locator("#atoll-callback a", has_text="Back to the site")).to_be_visible()
    assert "code=" not in page.url and "state=" not in page.url
    assert "atoll.oidc.user" not in reader.session_storage()
    assert reader.session_user() is None


# ---------------------------------------------------------------------------- state


def test_a_tampered_state_is_refused_and_the_code_never_redeemed(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.visit("/docs/guide/deep/")
    authorize = hold_sign_in(reader, str(dev_site.idp_url))
    state = query_of(authorize)["state"][0]
    tampered = authorize.replace(f"state={state}", f"state={state[:-4]}AAAA")
    assert tampered != authorize
    reader.page.goto(tampered)
    reader.dev_login(READER)
    expect_callback_error(reader, "STATE_NOT_FOUND")
    assert not reader.requested(f"{dev_site.idp_url}/oauth2/token")

    # The way on: "Sign in again" starts a fresh sign-in (the provider remembers the reader).
    reader.page.locator("#atoll-callback button", has_text="Sign in again").click()
    reader.page.locator(SIGNED_IN).wait_for(state="attached")
    expect(reader.page.locator("[data-atoll-user]")).to_have_text(READER.name)
    reader.assert_clean()


def test_a_forged_callback_signs_no_one_in(dev_site: AtollSite, readers: Readers) -> None:
    """Login CSRF: an attacker's own code sent to a victim's browser with a made-up state."""
    reader = readers(dev_site.url)
    reader.page.goto(f"{dev_site.url}/callback/?code=attackers-code&state=made-up-state")
    expect_callback_error(reader, "STATE_NOT_FOUND")
    assert not reader.requested(f"{dev_site.idp_url}/oauth2/token")
    reader.page.goto(f"{dev_site.url}/callback/")
    expect_callback_error(reader, "NO_RESPONSE")
    reader.assert_clean()


# ---------------------------------------------------------------------------- replays


def test_a_used_callback_url_replayed_again_back_and_elsewhere(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.sign_in(READER, "/docs/guide/deep/?first=1")
    page = reader.page
    callbacks = reader.requested(f"{dev_site.url}/callback/?")
    assert len(callbacks) == 1 and len(reader.requested(f"{dev_site.idp_url}/oauth2/token")) == 1
    used = callbacks[0].url

    # Back into the provider, which answers the old state with a new code: refused, and back
    # where that sign-in started.
    page.go_back()
    page.wait_for_url(f"{dev_site.url}/docs/guide/deep/?first=1")
    page.locator(SIGNED_IN).wait_for(state="attached")
    again = reader.requested(f"{dev_site.url}/callback/?")
    assert len(again) == 2 and query_of(again[1].url)["state"] == query_of(used)["state"]
    assert query_of(again[1].url)["code"] != query_of(used)["code"]

    # Opened again while signed in: the same.
    page.goto(used)
    page.wait_for_url(f"{dev_site.url}/docs/guide/deep/?first=1")
    page.locator(SIGNED_IN).wait_for(state="attached")
    # Reloaded (the address bar had lost code and state by then): the same.
    page.goto(f"{dev_site.url}/callback/")
    page.wait_for_url(f"{dev_site.url}/docs/guide/deep/?first=1")
    # Not one more code exchange for all that.
    assert len(reader.requested(f"{dev_site.idp_url}/oauth2/token")) == 1

    # The same URL in another browser (leaked through a log or a shoulder): refused there.
    other = readers(dev_site.url)
    other.page.goto(used)
    expect_callback_error(other, "STATE_NOT_FOUND")
    assert not other.requested(f"{dev_site.idp_url}/oauth2/token")
    reader.assert_clean()
    other.assert_clean()


# ---------------------------------------------------------------------------- open redirect


@pytest.mark.parametrize("return_to", EVIL_RETURN_PATHS)
def test_a_return_path_off_the_origin_is_never_followed(dev_site: AtollSite, readers: Readers,
                                                         return_to: str) -> None:
    """A state entry whose return path was tampered with: the callback refuses it and goes to post_login_path."""
    reader = readers(dev_site.url)
    reader.visit("/docs/guide/deep/")
    authorize = hold_sign_in(reader, str(dev_site.idp_url))
    reader.page.evaluate(
        """(returnTo) => {
             const key = Object.keys(sessionStorage).find((k) => k.startsWith("atoll.oidc.state."));
             const state = JSON.parse(sessionStorage.getItem(key));
             sessionStorage.setItem(key, JSON.stringify({ ...state, return_to: returnTo }));
           }""",
        return_to,
    )
    reader.page.goto(authorize)
    reader.dev_login(READER)
    reader.page.locator(SIGNED_IN).wait_for(state="attached")
    assert reader.page.url == f"{dev_site.url}/todos/"
    assert not [url for _, url in reader.third_party if "evil.example" in url]
    reader.assert_clean()


@pytest.mark.parametrize("path", ["//evil.example/", "/\\evil.example/"])
def test_signing_in_from_a_path_that_looks_like_another_host(dev_site: AtollSite, readers: Readers,
                                                             path: str) -> None:
    """``http://site//evil.example/`` is a (404) page of the site; its path must not become a return path."""
    reader = readers(dev_site.url)
    page = reader.visit(path)
    assert page.url == f"{dev_site.url}//evil.example/"  # the browser turns '\\' into '/'
    reader.click_sign_in()
    reader.dev_login(READER)
    page.locator(SIGNED_IN).wait_for(state="attached")
    assert page.url == f"{dev_site.url}/todos/"
    assert not [url for _, url in reader.third_party if "evil.example" in url]
    reader.assert_clean()


# ---------------------------------------------------------------------------- markup injection


def test_html_in_error_description_is_shown_as_text(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.visit("/docs/guide/deep/")
    state = query_of(hold_sign_in(reader, str(dev_site.idp_url)))["state"][0]
    payload = '<img src=x onerror="window.__pwned=1"><b id="injected">Access denied</b>'
    query = urlencode({"error": "access_denied", "error_description": payload, "state": state})
    reader.page.goto(f"{dev_site.url}/callback/?{query}")
    expect_callback_error(reader, "PROVIDER_ERROR")
    box = reader.page.locator("#atoll-callback")
    expect(box).to_contain_text(payload)
    expect(box).to_contain_text("(access_denied)")
    assert box.locator("img, b, #injected").count() == 0
    assert not reader.requested(f"{dev_site.url}/x")
    reader.assert_clean()


def test_html_in_a_name_claim_and_a_todo_is_shown_as_text(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.sign_in(MALLORY, "/todos/")
    page = reader.page
    user = page.locator("[data-atoll-user]")
    expect(user).to_have_text(HTML_NAME)
    assert user.locator("img").count() == 0
    assert reader.session_user()["name"]  # type: ignore[index] == HTML_NAME

    todo = '<img src=y onerror="window.__pwned=2">'
    island = page.locator("[data-todos]")
    island.locator("input[name=text]").fill(todo)
    island.locator("button[type=submit]").click()
    expect(island.locator("li span", has_text=todo)).to_have_count(1)
    page.reload()
    expect(island.locator("li span", has_text=todo)).to_have_count(1)
    assert island.locator("img").count() == 0
    assert not reader.requested(f"{dev_site.url}/x") and not reader.requested(f"{dev_site.url}/y")
    reader.assert_clean()


# ---------------------------------------------------------------------------- mishaps


def test_the_companion_refusing_the_tokens_is_said_and_nobody_is_signed_in(
        dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    refusal = {"error": "invalid_token", "message": "ID token signature is invalid"}
    reader.page.route(f"{dev_site.url}/auth/session", lambda route: route.fulfill(
        status=401, content_type="application/json", body=json.dumps(refusal))
        if route.request.method == "POST" else route.fallback())
    reader.visit("/docs/guide/deep/")
    reader.click_sign_in()
    reader.dev_login(READER)
    expect_callback_error(reader, "COMPANION_REFUSED")
    expect(reader.page.locator("#atoll-callback")).to_contain_text(refusal["message"])
    assert reader.cookie("atoll_session") is None
    reader.assert_clean()


def test_an_unreachable_provider_is_said_beside_the_button_and_on_the_callback(
        dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    page = reader.page
    discovery = f"{dev_site.idp_url}/.well-known/openid-configuration"
    page.route(discovery, lambda route: route.abort("connectionrefused"))
    reader.visit("/docs/guide/deep/")
    reader.click_sign_in()
    note = page.locator("[data-atoll-error][role=alert]")
    expect(note).to_contain_text("Could not reach the sign-in provider")
    assert page.url == f"{dev_site.url}/docs/guide/deep/"
    page.unroute(discovery)

    # Down between the provider's form and the token request: the callback says so.
    page.route(f"{dev_site.idp_url}/oauth2/token", lambda route: route.abort("connectionrefused"))
    reader.click_sign_in()
    reader.dev_login(READER)
    expect_callback_error(reader, "PROVIDER_UNREACHABLE")
    reader.assert_clean()


def test_a_sign_out_the_companion_cannot_complete_leaves_the_reader_signed_in_and_says_so(
        dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.sign_in(READER)
    page = reader.page
    page.route(f"{dev_site.url}/auth/session", lambda route: route.abort("connectionrefused")
               if route.request.method == "DELETE" else route.fallback())
    reader.click_sign_out()
    alert = page.locator("[data-atoll-error][role=alert]")
    expect(alert).to_contain_text("Could not reach the site's session endpoint")
    expect(page.locator(SIGNED_IN)).to_be_attached()
    assert page.url == f"{dev_site.url}/docs/guide/deep/"
    assert not reader.requested(f"{dev_site.idp_url}/logout")
    assert reader.session_user() is not None
    reader.assert_clean()


def test_a_sign_in_that_took_more_than_ten_minutes_is_refused(dev_site: AtollSite, readers: Readers) -> None:
    reader = readers(dev_site.url)
    reader.page.clock.install()
    reader.visit("/docs/guide/deep/")
    authorize = hold_sign_in(reader, str(dev_site.idp_url))
    reader.page.clock.fast_forward("11:00")
    reader.page.goto(authorize)
    reader.dev_login(READER)
    expect_callback_error(reader, "STATE_NOT_FOUND")
    expect(reader.page.locator("#atoll-callback")).to_contain_text("longer than 10 minutes")
    assert not reader.requested(f"{dev_site.idp_url}/oauth2/token")
    reader.assert_clean()


def test_the_csp_watch_itself_sees_a_violation(dev_site: AtollSite, readers: Readers) -> None:
    """The check every test ends with is not vacuous: an inline script on a site page is reported."""
    reader = readers(dev_site.url)
    page = reader.visit("/")
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__pwned = 3'; "
                  "document.head.append(s); }")
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert reader.violations and reader.violations[0]["directive"] == "script-src-elem"
    assert page.evaluate("() => window.__pwned") is None
    with pytest.raises(AssertionError):
        reader.assert_clean()
