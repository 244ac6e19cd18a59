"""JWKS and discovery caching: rate-limited refetch, last good set kept, rotation, 503."""

from __future__ import annotations

import jwt

from atoll.companion import create_app
from companion_helpers import Clock, FakeProvider, ProviderKey, post_session, rsa_key, settings_for


def forged_kid(provider: FakeProvider, kid: str) -> str:
    claims = jwt.decode(provider.id_token(), options={"verify_signature": False})
    return provider.sign(claims, key=ProviderKey(kid, rsa_key(1)))


def test_keys_are_cached_across_requests(provider: FakeProvider) -> None:
    app = create_app(settings_for(provider))
    for _ in range(5):
        assert post_session(app, provider.id_token(), provider.access_token()).status == 200
    assert provider.jwks_fetches == 1
    assert provider.hits["/.well-known/openid-configuration"] == 1


def test_a_flood_of_unknown_kids_is_at_most_one_refetch_per_ten_seconds(provider: FakeProvider) -> None:
    clock = Clock()
    app = create_app(settings_for(provider), clock=clock)
    assert post_session(app, provider.id_token(), provider.access_token()).status == 200
    assert post_session(app, forged_kid(provider, "made-up"), provider.access_token()).status == 401
    assert provider.jwks_fetches == 1  # the key set was fetched just now: no refetch yet
    clock.now += 10
    for n in range(50):
        assert post_session(app, forged_kid(provider, f"made-up-{n}"), provider.access_token()).status == 401
    assert provider.jwks_fetches == 2
    clock.now += 9
    post_session(app, forged_kid(provider, "made-up-late"), provider.access_token())
    assert provider.jwks_fetches == 2
    clock.now += 1.5
    post_session(app, forged_kid(provider, "made-up-later"), provider.access_token())
    assert provider.jwks_fetches == 3


def test_rotated_key_is_picked_up_without_restart(provider: FakeProvider) -> None:
    clock = Clock()
    app = create_app(settings_for(provider), clock=clock)
    assert post_session(app, provider.id_token(), provider.access_token()).status == 200
    provider.keys = [ProviderKey("key-1", rsa_key(1))]
    clock.now += 11
    id_token = provider.sign(jwt.decode(provider.id_token(), options={"verify_signature": False}))
    access = provider.sign(jwt.decode(provider.access_token(), options={"verify_signature": False}))
    assert post_session(app, id_token, access).status == 200


def test_failed_fetch_keeps_the_last_good_key_set(provider: FakeProvider) -> None:
    clock = Clock()
    app = create_app(settings_for(provider), clock=clock)
    assert post_session(app, provider.id_token(), provider.access_token()).status == 200
    provider.failing = True
    clock.now += 4000  # past the cache's max age: a refresh is due and fails
    assert post_session(app, provider.id_token(), provider.access_token()).status == 200
    assert provider.hits["/jwks"] + provider.hits["/.well-known/openid-configuration"] > 2


def test_unreachable_provider_with_nothing_cached_is_503(provider: FakeProvider) -> None:
    provider.failing = True
    result = post_session(create_app(settings_for(provider)), provider.id_token(), provider.access_token())
    assert result.status == 503
    assert result.json()["error"] == "provider_unavailable"


def test_closed_port_with_nothing_cached_is_503(provider: FakeProvider) -> None:
    provider.close()
    result = post_session(create_app(settings_for(provider, http_timeout=2.0)), provider.id_token(),
                          provider.access_token())
    assert result.status == 503


def test_discovery_naming_another_issuer_is_not_trusted(provider: FakeProvider) -> None:
    settings = settings_for(provider, issuer=provider.issuer + "/other")
    result = post_session(create_app(settings), provider.id_token(), provider.access_token())
    assert result.status == 503


def test_jwks_keys_for_other_algorithms_are_ignored(provider: FakeProvider) -> None:
    provider.keys[0].extra = {"alg": "RS512"}
    result = post_session(create_app(settings_for(provider)), provider.id_token(), provider.access_token())
    assert result.status == 401
