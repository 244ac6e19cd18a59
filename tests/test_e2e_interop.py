"""Standard provider behaviours, end to end in chromium: node-oidc-provider and the dev provider set up
the way other real providers behave (issue 11's interop points)."""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from e2e_helpers import SIGNED_IN, UUID_USER, AtollSite, Peer, Reader

pytestmark = pytest.mark.browser

Readers = Callable[[str], Reader]
OwnPeerSite = Callable[..., tuple[Peer, AtollSite]]


def jose_header(jwt: str) -> dict[str, object]:
    part = jwt.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def test_kid_less_keys_groups_at_userinfo_and_a_trailing_slash_in_authority(own_peer_site: OwnPeerSite,
                                                                            readers: Readers) -> None:
    """One sign-in at a provider that (1) publishes one key without a kid and signs without one,
    (2) releases groups at userinfo only, while (4) site.yaml writes its issuer with a trailing slash."""
    peer, site = own_peer_site(peer_options=["--no-kid", "--groups-at-userinfo"], authority_suffix="/",
                               browser_tokens=True)
    with urllib.request.urlopen(f"{peer.issuer}/jwks", timeout=5) as response:
        jwks = json.load(response)
    assert len(jwks["keys"]) == 1 and "kid" not in jwks["keys"][0]

    reader = readers(site.url)
    reader.sign_in_at_peer("alice", "/members/")
    page = reader.page
    stored = json.loads(reader.session_storage()["atoll.oidc.user"])
    assert "kid" not in jose_header(stored["id_token"])
    assert "groups" not in stored["profile"] or stored["profile"]["groups"] == ["readers", "peers"]

    session = reader.session_user()
    assert session is not None
    assert session["groups"] == ["readers", "peers"]  # from userinfo only
    assert session["name"] == "Peer alice"
    expect(page.locator("#for-readers")).to_have_attribute("data-atoll-member", "")
    expect(page.locator("#for-admins")).not_to_have_attribute("data-atoll-member", "")
    reader.assert_clean()


def test_a_uuid_username_is_not_the_name_shown(dev_site: AtollSite, readers: Readers) -> None:
    """A Cognito pool that signs in by email: cognito:username is a UUID, the header shows the email."""
    reader = readers(dev_site.url)
    reader.sign_in(UUID_USER)
    page = reader.page
    expect(page.locator(SIGNED_IN)).to_be_attached()
    expect(page.locator("header [data-atoll-user='name']")).to_have_text("ada@example.com")
    session = reader.session_user()
    assert session is not None and session["name"] == "ada@example.com" and session["username"] == UUID_USER.username
    reader.assert_clean()


@pytest.mark.parametrize(("option", "headline", "says"), [
    ("--no-cors", "The sign-in provider cannot be reached.",
     "CORS settings may not allow this site's origin ({site}) at its token endpoint"),
    ("--confidential", "The sign-in provider did not sign you in.",
     "check auth.client_id, and that the client is public (no client secret)"),
])
def test_a_provider_side_refusal_is_explained_on_the_callback_page(own_peer_site: OwnPeerSite, readers: Readers,
                                                                   option: str, headline: str, says: str) -> None:
    peer, site = own_peer_site(peer_options=[option])
    reader = readers(site.url)
    reader.visit("/docs/guide/deep/")
    reader.click_sign_in()
    reader.peer_login("alice")
    page = reader.page
    expect(page.locator("main h1")).to_have_text(headline)
    expect(page.locator("#atoll-callback [data-atoll-callback-error]")).not_to_be_empty()
    expect(page.locator("#atoll-callback [data-atoll-callback-hint]")).to_contain_text(says.format(site=site.url))
    expect(page.locator("#atoll-callback button")).to_have_text("Sign in again")
    assert reader.session_user() is None
    reader.assert_clean()
