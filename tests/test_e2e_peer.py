"""Sign-in end to end in chromium against a certified third-party provider: node-oidc-provider 9.

The site's ``auth.authority`` is the provider's issuer, so the companion
verifies its RS256 ID tokens against its JWKS and, its access tokens being
opaque, confirms them at its userinfo endpoint (``/me``). Sign-out is
RP-Initiated Logout at its ``end_session_endpoint``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from e2e_helpers import SIGNED_IN, AtollSite, Peer, Reader, query_of

pytestmark = pytest.mark.browser

Readers = Callable[[str], Reader]
OwnPeerSite = Callable[..., tuple[Peer, AtollSite]]
DEEP = "/docs/guide/deep/?from=peer#section-two"
SHORT_TTL = 10  # seconds: long enough to sign in on a busy machine, short enough to wait out


def test_sign_in_and_sign_out_with_oidc_provider(peer_site: tuple[Peer, AtollSite], readers: Readers) -> None:
    peer, site = peer_site
    reader = readers(site.url)
    reader.sign_in_at_peer("alice", DEEP)
    page = reader.page
    assert page.url == site.url + DEEP
    expect(page.locator("[data-atoll-user]")).to_have_text("Peer alice")

    authorize = query_of(reader.requested(f"{peer.issuer}/auth?")[0].url)
    assert authorize["code_challenge_method"] == ["S256"] and authorize["client_id"] == [peer.client_id]
    callback = query_of(reader.requested(f"{site.url}/callback/?")[0].url)
    assert callback["iss"] == [peer.issuer]  # RFC 9207, checked by the client

    session = reader.session_user()
    assert session is not None and session["sub"] == "alice" and session["email"] == "alice@peer.example"
    assert session["name"] == "Peer alice"
    # The access token is opaque: the companion confirmed it at the provider's userinfo.
    assert any(line.startswith("GET /me 200") for line in peer.requests())
    cookie = reader.cookie("atoll_session")
    assert cookie is not None and cookie["httpOnly"]

    end_session = reader.sign_out_at_peer(peer)
    assert end_session["client_id"] == [peer.client_id]
    assert end_session["post_logout_redirect_uri"] == [site.url + "/"]
    assert page.url == site.url + "/"
    assert any(line.startswith("POST /session/end/confirm") for line in peer.requests())
    assert reader.session_user() is None
    assert reader.cookie("atoll_session") is None

    # The provider's session ended too: it asks for a login again.
    reader.click_sign_in()
    expect(page.locator("input[name=login]")).to_be_visible()
    reader.assert_clean()


def test_a_reader_who_cancels_at_the_provider_is_told_so(peer_site: tuple[Peer, AtollSite],
                                                        readers: Readers) -> None:
    peer, site = peer_site
    reader = readers(site.url)
    page = reader.visit("/docs/guide/deep/")
    reader.click_sign_in()
    page.locator("a", has_text="[ Cancel ]").click()
    alert = page.locator("#atoll-callback [data-atoll-callback-error='PROVIDER_ERROR']")
    expect(alert).to_be_visible()
    expect(page.locator("#atoll-callback")).to_contain_text("End-User aborted interaction (access_denied)")
    assert query_of(reader.requested(f"{site.url}/callback/?")[0].url)["error"] == ["access_denied"]
    assert not reader.requested(f"{peer.issuer}/token")
    assert reader.session_user() is None
    reader.assert_clean()


def test_with_browser_tokens_the_tokens_stay_and_sign_out_sends_the_id_token_hint(
        own_peer_site: OwnPeerSite, readers: Readers) -> None:
    peer, site = own_peer_site(browser_tokens=True)
    reader = readers(site.url)
    reader.sign_in_at_peer("carol")
    user = json.loads(reader.session_storage()["atoll.oidc.user"])
    assert user["access_token"] and user["id_token"].count(".") == 2 and "refresh_token" not in user

    assert reader.sign_out_at_peer(peer)["id_token_hint"] == [user["id_token"]]
    assert reader.page.url == site.url + "/"
    assert "atoll.oidc.user" not in reader.session_storage()
    assert reader.session_user() is None
    reader.assert_clean()


def test_the_session_outlives_the_tokens_by_refresh_and_sign_out_revokes(own_peer_site: OwnPeerSite,
                                                                        readers: Readers) -> None:
    """node-oidc-provider issues refresh tokens (rotated, for a public client): the companion refreshes
    when the tokens run out, verifying the new ID token, and revokes at sign-out (RFC 7009)."""
    peer, site = own_peer_site(token_ttl=SHORT_TTL)
    reader = readers(site.url)
    reader.sign_in_at_peer("bob")
    page = reader.page
    expect(page.locator("[data-atoll-user]")).to_have_text("Peer bob")
    assert [line for line in peer.requests() if line.startswith("POST /token ")] == ["POST /token 200"]

    # Past the tokens' lifetime: reloading, and the to-do API, find the reader still signed in.
    page.wait_for_timeout((SHORT_TTL + 2) * 1000)
    reader.visit("/todos/")
    expect(page.locator(SIGNED_IN)).to_be_attached()
    expect(page.locator("[data-atoll-user]").first).to_have_text("Peer bob")
    assert reader.fetch("/api/todos")["status"] == 200
    tokens = [line for line in peer.requests() if line.startswith("POST /token ")]
    assert tokens == ["POST /token 200", "POST /token 200"], tokens  # the sign-in, then one refresh

    reader.sign_out_at_peer(peer)
    assert "POST /token/revocation 200" in peer.requests()
    assert reader.session_user() is None
    reader.assert_clean()
