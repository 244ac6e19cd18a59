"""The session cookie: attributes, expiry from the tokens, claims only, and what counts as no session."""

from __future__ import annotations

import secrets
import time

from itsdangerous import URLSafeSerializer

from atoll.companion import create_app
from companion_helpers import SECRET, SUB, Clock, FakeProvider, call, companion, post_session, same_origin, settings_for


def test_cookie_attributes_on_http(provider: FakeProvider) -> None:
    result = post_session(companion(provider), provider.id_token(), provider.access_token())
    attributes = [part.strip() for part in result.header("Set-Cookie").split(";")]  # type: ignore[union-attr]
    assert attributes[0].startswith("atoll_session=")
    assert {"Path=/", "HttpOnly", "SameSite=Lax"} <= set(attributes)
    assert "Secure" not in attributes
    assert not any(a.startswith("Domain") for a in attributes)


def test_https_origin_gets_secure_and_host_prefix(provider: FakeProvider) -> None:
    app = companion(provider, origin="https://example.com")
    result = call(app, "POST", "/auth/session", headers={"Origin": "https://example.com",
                                                         "Content-Type": "application/json"},
                  json_body={"id_token": provider.id_token(), "access_token": provider.access_token()})
    cookie = result.header("Set-Cookie") or ""
    assert cookie.startswith("__Host-atoll_session=")
    assert "; Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    me = call(app, "GET", "/auth/session", headers={"Cookie": result.cookie})
    assert me.status == 200


def test_expiry_is_the_earliest_token_exp_not_expires_in(provider: FakeProvider) -> None:
    now = int(time.time())
    result = post_session(companion(provider), provider.id_token(exp=now + 3000), provider.access_token(exp=now + 600),
                          expires_in=999999)
    assert result.json()["expires_at"] == now + 600
    max_age = int(result.header("Set-Cookie").split("Max-Age=")[1].split(";")[0])  # type: ignore[union-attr]
    assert 590 <= max_age <= 600


def test_cookie_holds_claims_only_never_tokens(provider: FakeProvider) -> None:
    id_token, access_token = provider.id_token(), provider.access_token()
    result = post_session(companion(provider), id_token, access_token)
    value = result.cookie.split("=", 1)[1]
    payload = URLSafeSerializer(SECRET, salt="atoll.session").loads_unsafe(value)[1]
    assert set(payload) == {"sub", "username", "email", "name", "groups", "expires_at"}
    for part in id_token.split(".") + access_token.split("."):
        assert part not in value


def test_get_returns_the_user_of_a_valid_cookie(provider: FakeProvider) -> None:
    app = companion(provider)
    cookie = post_session(app, provider.id_token(), provider.access_token()).cookie
    result = call(app, "GET", "/auth/session", headers={"Cookie": f"other=1; {cookie}"})
    assert result.status == 200
    assert result.json()["sub"] == SUB


def test_get_without_cookie_is_401(provider: FakeProvider) -> None:
    result = call(companion(provider), "GET", "/auth/session")
    assert result.status == 401
    assert result.json()["error"] == "no_session"


def test_tampered_cookie_is_no_session(provider: FakeProvider) -> None:
    app = companion(provider)
    cookie = post_session(app, provider.id_token(), provider.access_token()).cookie
    name, value = cookie.split("=", 1)
    payload, signature = value.rsplit(".", 1)
    tampered = URLSafeSerializer("x").dump_payload({"sub": "admin", "expires_at": 2**40}).decode()
    for bad in (f"{name}={tampered}.{signature}", f"{name}={payload}.{signature[:-2]}AA", f"{name}={payload}"):
        assert call(app, "GET", "/auth/session", headers={"Cookie": bad}).status == 401


def test_foreign_secret_cookie_is_no_session(provider: FakeProvider) -> None:
    cookie = post_session(companion(provider, secret="another-secret-" + "y" * 32), provider.id_token(),
                          provider.access_token()).cookie
    assert call(companion(provider), "GET", "/auth/session", headers={"Cookie": cookie}).status == 401


def test_expired_cookie_is_no_session(provider: FakeProvider) -> None:
    clock = Clock()
    app = create_app(settings_for(provider), clock=clock)
    now = int(time.time())
    cookie = post_session(app, provider.id_token(exp=now + 100), provider.access_token()).cookie
    assert call(app, "GET", "/auth/session", headers={"Cookie": cookie}).status == 200
    clock.now = now + 101
    assert call(app, "GET", "/auth/session", headers={"Cookie": cookie}).status == 401


def test_copies_sharing_the_secret_share_sessions(provider: FakeProvider) -> None:
    cookie = post_session(companion(provider), provider.id_token(), provider.access_token()).cookie
    assert call(companion(provider), "GET", "/auth/session", headers={"Cookie": cookie}).status == 200


def test_delete_clears_the_cookie(provider: FakeProvider) -> None:
    result = call(companion(provider), "DELETE", "/auth/session", headers=same_origin())
    assert result.status == 204
    assert result.body == b""
    cookie = result.header("Set-Cookie") or ""
    assert cookie.startswith("atoll_session=;") and "Max-Age=0" in cookie


def test_failed_post_sets_no_cookie(provider: FakeProvider) -> None:
    result = post_session(companion(provider), provider.id_token(aud="x"), provider.access_token())
    assert result.status == 401
    assert result.header("Set-Cookie") is None


def test_too_many_groups_for_a_cookie_is_a_clear_400(provider: FakeProvider) -> None:
    groups = [secrets.token_urlsafe(18) for _ in range(160)]  # incompressible
    result = post_session(companion(provider), provider.id_token(cognito__groups=groups), provider.access_token())
    assert result.status == 400
    assert result.json()["error"] == "session_too_large"
