"""The dev identity provider over HTTP: discovery, login form, code + PKCE, tokens, userInfo, CORS."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import jwt
import pytest

from atoll.config import DevUser
from atoll.devidp import create_app, settings_from_site, subject
from atoll.devidp.tokens import mint
from companion_helpers import ORIGIN, Result, call
from devidp_helpers import (
    CLIENT_ID,
    REDIRECT_URI,
    Idp,
    authorize_params,
    exchange,
    get_code,
    http,
    location_params,
    login,
    pkce,
    sign_in,
    site_config,
)


def claims(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def test_discovery_names_every_endpoint(idp: Idp) -> None:
    doc = http("GET", f"{idp.url}/.well-known/openid-configuration").json()
    assert doc["issuer"] == idp.url
    assert doc["authorization_endpoint"] == f"{idp.url}/oauth2/authorize"
    assert doc["token_endpoint"] == f"{idp.url}/oauth2/token"
    assert doc["userinfo_endpoint"] == f"{idp.url}/oauth2/userInfo"
    assert doc["jwks_uri"] == f"{idp.url}/.well-known/jwks.json"
    assert doc["end_session_endpoint"] == f"{idp.url}/oauth2/logout"
    assert doc["code_challenge_methods_supported"] == ["S256"]


def test_jwks_has_one_rs256_signing_key_fresh_at_each_start(idp: Idp, tmp_path: Path) -> None:
    keys = http("GET", f"{idp.url}/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 1
    assert {keys[0][k] for k in ("kty", "use", "alg")} == {"RSA", "sig", "RS256"}
    assert "d" not in keys[0]
    other = create_app(settings_from_site(site_config(tmp_path)))
    assert other.key.kid != keys[0]["kid"]


def test_authorize_shows_a_plain_login_form(idp: Idp) -> None:
    _, challenge = pkce()
    result = http("GET", f"{idp.url}/oauth2/authorize?" + urlencode(
        authorize_params(challenge)))
    page = result.body.decode()
    assert result.status == 200
    assert 'name="username"' in page and 'name="password"' in page and 'type="password"' in page
    assert '<button type="submit">' in page
    assert "<script" not in page
    assert "script-src" not in (result.header("Content-Security-Policy") or "x")  # default-src 'none' covers it
    assert result.header("Access-Control-Allow-Origin") is None


def follow(idp: Idp, result: Result) -> Result:
    """The GET a browser makes after a 303 (Post/Redirect/Get)."""
    location = result.header("Location")
    assert result.status == 303 and location is not None and location.startswith("/oauth2/authorize?"), result.status
    return http("GET", idp.url + location)


def test_every_value_in_the_form_is_escaped(idp: Idp) -> None:
    _, challenge = pkce()
    evil = '"><script>alert(1)</script>'
    result = follow(idp, login(idp, authorize_params(challenge, state=evil), username=evil, password="wrong"))
    assert "<script>" not in result.body.decode()
    assert "&lt;script&gt;" in result.body.decode()


def test_wrong_password_reshows_the_form_with_a_message_after_a_redirect(idp: Idp) -> None:
    """Post/Redirect/Get: Back from the callback later never meets a form resubmission page."""
    _, challenge = pkce()
    for username, password in (("reader", "nope"), ("nobody", "atoll-dev"), ("reader", "")):
        result = follow(idp, login(idp, authorize_params(challenge), username, password))
        assert result.status == 200
        assert result.header("Location") is None
        assert "Incorrect username or password." in result.body.decode()
        assert 'name="password"' in result.body.decode()


def test_good_password_redirects_with_code_and_state_without_consent(idp: Idp) -> None:
    _, challenge = pkce()
    result = login(idp, authorize_params(challenge))
    params = location_params(result)
    assert result.header("Location").startswith(REDIRECT_URI + "?")  # type: ignore[union-attr]
    assert params["state"] == "st-123" and len(params["code"]) >= 32


@pytest.mark.parametrize("changes", [{"client_id": "other"}, {"redirect_uri": f"{ORIGIN}/callback"},
                                     {"redirect_uri": "http://evil.example/callback/"}, {"redirect_uri": None}])
def test_unknown_client_or_redirect_uri_is_shown_never_redirected(idp: Idp, changes: dict[str, str | None]) -> None:
    _, challenge = pkce()
    result = login(idp, authorize_params(challenge, **changes))
    assert result.status == 400
    assert result.header("Location") is None


@pytest.mark.parametrize("changes, error", [
    ({"code_challenge": None}, "invalid_request"),
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge_method": None}, "invalid_request"),
    ({"code_challenge": "short"}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "openid admin"}, "invalid_scope"),
])
def test_bad_authorization_requests_are_redirected_errors(idp: Idp, changes: dict[str, str | None],
                                                          error: str) -> None:
    _, challenge = pkce()
    params = location_params(login(idp, authorize_params(challenge, **changes)))
    assert params["error"] == error and params["state"] == "st-123"
    assert "code" not in params


def test_code_exchange_gives_cognito_shaped_tokens(idp: Idp) -> None:
    before = int(time.time())
    tokens = sign_in(idp)
    assert set(tokens) == {"id_token", "access_token", "refresh_token", "expires_in", "token_type"}
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 3600
    assert jwt.get_unverified_header(tokens["id_token"]) == {"alg": "RS256", "kid": idp.app.key.kid}
    id_claims, access = claims(tokens["id_token"]), claims(tokens["access_token"])
    sub = subject(idp.settings.users[0])
    assert id_claims["aud"] == CLIENT_ID and id_claims["token_use"] == "id" and id_claims["iss"] == idp.url
    assert id_claims["sub"] == sub and id_claims["cognito:username"] == "reader"
    assert id_claims["cognito:groups"] == ["readers"] and id_claims["email"] == "reader@example.com"
    assert id_claims["email_verified"] is True and id_claims["nonce"] == "n-456"
    assert before <= id_claims["auth_time"] <= id_claims["iat"]  # type: ignore[operator]
    assert id_claims["exp"] == id_claims["iat"] + 3600  # type: ignore[operator]
    assert "aud" not in access
    assert access["client_id"] == CLIENT_ID and access["token_use"] == "access" and access["sub"] == sub
    assert access["scope"] == "openid email profile" and access["username"] == "reader" and access["jti"]


def test_groups_claim_is_absent_for_a_user_without_groups(idp: Idp) -> None:
    tokens = sign_in(idp, "loner", "pw-2")
    assert "cognito:groups" not in claims(tokens["id_token"])
    assert "cognito:groups" not in claims(tokens["access_token"])


def test_token_lifetime_is_configurable(tmp_path: Path) -> None:
    app = create_app(replace(settings_from_site(site_config(tmp_path)), token_lifetime=120))
    tokens = mint(app.key, app.settings, app.settings.users[0], scope="openid", auth_time=0, now=1000, nonce=None)
    assert claims(tokens["id_token"])["exp"] == 1120


def test_wrong_verifier_is_invalid_grant_and_burns_the_code(idp: Idp) -> None:
    verifier, challenge = pkce()
    code = get_code(idp, challenge)
    wrong = exchange(idp, code, pkce()[0])
    assert wrong.status == 400 and wrong.json()["error"] == "invalid_grant"
    assert exchange(idp, code, verifier).json()["error"] == "invalid_grant"


def test_reused_code_is_invalid_grant_and_revokes_its_refresh_token(idp: Idp) -> None:
    verifier, challenge = pkce()
    code = get_code(idp, challenge)
    first = exchange(idp, code, verifier)
    assert first.status == 200
    again = exchange(idp, code, verifier)
    assert again.status == 400 and again.json()["error"] == "invalid_grant"
    refresh = http("POST", f"{idp.url}/oauth2/token", form={
        "grant_type": "refresh_token", "client_id": CLIENT_ID, "refresh_token": first.json()["refresh_token"]})
    assert refresh.json()["error"] == "invalid_grant"


def test_wrong_redirect_uri_at_the_token_endpoint_is_invalid_grant(idp: Idp) -> None:
    verifier, challenge = pkce()
    code = get_code(idp, challenge)
    result = exchange(idp, code, verifier, redirect_uri=f"{ORIGIN}/bye/")
    assert result.status == 400 and result.json()["error"] == "invalid_grant"


def test_codes_expire_after_five_minutes(idp: Idp, monkeypatch: pytest.MonkeyPatch) -> None:
    verifier, challenge = pkce()
    code = get_code(idp, challenge)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 301)
    result = exchange(idp, code, verifier)
    monkeypatch.undo()
    assert result.json()["error"] == "invalid_grant"
    verifier, challenge = pkce()
    code = get_code(idp, challenge)
    monkeypatch.setattr(time, "time", lambda: real() + 290)
    assert exchange(idp, code, verifier).status == 200


@pytest.mark.parametrize("form, status, error", [
    ({"grant_type": "authorization_code"}, 400, "invalid_request"),
    ({"grant_type": "authorization_code", "client_id": "other"}, 401, "invalid_client"),
    ({"grant_type": "password", "client_id": CLIENT_ID}, 400, "unsupported_grant_type"),
    ({"grant_type": "authorization_code", "client_id": CLIENT_ID, "code": "x", "redirect_uri": REDIRECT_URI},
     400, "invalid_request"),
    ({"grant_type": "authorization_code", "client_id": CLIENT_ID, "code": "made-up", "redirect_uri": REDIRECT_URI,
      "code_verifier": "v" * 43}, 400, "invalid_grant"),
    ({"grant_type": "refresh_token", "client_id": CLIENT_ID, "refresh_token": "made-up"}, 400, "invalid_grant"),
])
def test_token_errors_are_rfc6749_json(idp: Idp, form: dict[str, str], status: int, error: str) -> None:
    result = http("POST", f"{idp.url}/oauth2/token", form=form)
    assert result.status == status
    assert result.json()["error"] == error and result.json()["error_description"]
    assert result.header("Cache-Control") == "no-store"


def test_token_endpoint_wants_a_form_post_with_single_parameters(idp: Idp) -> None:
    assert http("GET", f"{idp.url}/oauth2/token").status == 405
    as_json = http("POST", f"{idp.url}/oauth2/token", body=b"{}", headers={"Content-Type": "application/json"})
    assert as_json.json()["error"] == "invalid_request"
    twice = http("POST", f"{idp.url}/oauth2/token", body=b"client_id=a&client_id=b",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert twice.json()["error"] == "invalid_request"


def test_refresh_token_grant_gives_fresh_tokens(idp: Idp) -> None:
    tokens = sign_in(idp)
    result = http("POST", f"{idp.url}/oauth2/token", form={
        "grant_type": "refresh_token", "client_id": CLIENT_ID, "refresh_token": tokens["refresh_token"]})
    fresh = result.json()
    assert result.status == 200 and "refresh_token" not in fresh
    assert claims(fresh["id_token"])["sub"] == claims(tokens["id_token"])["sub"]
    assert "nonce" not in claims(fresh["id_token"])
    assert claims(fresh["id_token"])["auth_time"] == claims(tokens["id_token"])["auth_time"]


def test_userinfo_answers_for_an_access_token_only(idp: Idp) -> None:
    tokens = sign_in(idp)
    info = http("GET", f"{idp.url}/oauth2/userInfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status == 200
    assert info.json() == {"sub": subject(idp.settings.users[0]), "email_verified": "true",
                           "email": "reader@example.com", "name": "Dev Reader", "username": "reader"}
    for headers in ({"Authorization": f"Bearer {tokens['id_token']}"}, {}, {"Authorization": "Bearer junk"}):
        refused = http("GET", f"{idp.url}/oauth2/userInfo", headers=headers)
        assert refused.status == 401 and refused.json()["error"] == "invalid_token"
        assert "invalid_token" in (refused.header("WWW-Authenticate") or "")


@pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/userInfo", "/.well-known/jwks.json",
                                  "/.well-known/openid-configuration"])
def test_cors_for_the_site_origin_only(idp: Idp, path: str) -> None:
    method = "POST" if path == "/oauth2/token" else "GET"
    form: dict[str, str] | None = {} if method == "POST" else None
    mine = http(method, f"{idp.url}{path}", form=form, headers={"Origin": ORIGIN})
    assert mine.header("Access-Control-Allow-Origin") == ORIGIN
    other = http(method, f"{idp.url}{path}", form=form, headers={"Origin": "http://evil.example"})
    assert other.header("Access-Control-Allow-Origin") is None
    preflight = http("OPTIONS", f"{idp.url}{path}", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert preflight.status == 204 and preflight.header("Access-Control-Allow-Origin") == ORIGIN
    assert "POST" in (preflight.header("Access-Control-Allow-Methods") or "")
    refused = http("OPTIONS", f"{idp.url}{path}", headers={"Origin": "http://evil.example"})
    assert refused.status == 403 and refused.header("Access-Control-Allow-Origin") is None


def test_no_cors_on_authorize(idp: Idp) -> None:
    _, challenge = pkce()
    result = login(idp, authorize_params(challenge))
    assert result.header("Access-Control-Allow-Origin") is None
    assert http("OPTIONS", f"{idp.url}/oauth2/authorize", headers={"Origin": ORIGIN}).status == 405


def test_a_signed_in_reader_is_not_asked_again_until_logout(idp: Idp) -> None:
    _, challenge = pkce()
    first = login(idp, authorize_params(challenge))
    cookie = (first.header("Set-Cookie") or "").split(";")[0]
    query = urlencode(authorize_params(challenge))
    again = http("GET", f"{idp.url}/oauth2/authorize?{query}", headers={"Cookie": cookie})
    assert "code" in location_params(again)
    forced = http("GET", f"{idp.url}/oauth2/authorize?{query}&prompt=login", headers={"Cookie": cookie})
    assert forced.status == 200 and 'name="password"' in forced.body.decode()
    out = http("GET", f"{idp.url}/logout?client_id={CLIENT_ID}&logout_uri={ORIGIN}/bye/", headers={"Cookie": cookie})
    assert out.status == 302 and out.header("Location") == f"{ORIGIN}/bye/"
    assert "Max-Age=0" in (out.header("Set-Cookie") or "")
    after = http("GET", f"{idp.url}/oauth2/authorize?{query}", headers={"Cookie": cookie})
    assert after.status == 200 and 'name="password"' in after.body.decode()
    silent = http("GET", f"{idp.url}/oauth2/authorize?{query}&prompt=none", headers={"Cookie": cookie})
    assert location_params(silent)["error"] == "login_required"


@pytest.mark.parametrize("query", [f"client_id={CLIENT_ID}&logout_uri=http://evil.example/",
                                   f"client_id={CLIENT_ID}&logout_uri={ORIGIN}/other/",
                                   f"client_id=other&logout_uri={ORIGIN}/bye/", f"client_id={CLIENT_ID}"])
def test_cognito_logout_only_to_allowed_sign_out_urls(idp: Idp, query: str) -> None:
    result = http("GET", f"{idp.url}/logout?{query}")
    assert result.status == 400 and result.header("Location") is None


def test_cognito_logout_to_the_site_root_is_allowed(idp: Idp) -> None:
    result = http("GET", f"{idp.url}/logout?client_id={CLIENT_ID}&logout_uri={ORIGIN}/")
    assert result.header("Location") == f"{ORIGIN}/"


def test_standard_end_session_endpoint(idp: Idp) -> None:
    tokens = sign_in(idp)
    ok = http("GET", f"{idp.url}/oauth2/logout?id_token_hint={tokens['id_token']}"
                     f"&post_logout_redirect_uri={ORIGIN}/bye/&state=s1")
    assert ok.status == 302 and ok.header("Location") == f"{ORIGIN}/bye/?state=s1"
    assert http("GET", f"{idp.url}/oauth2/logout?id_token_hint=junk&post_logout_redirect_uri={ORIGIN}/bye/").status \
        == 400
    assert http("GET", f"{idp.url}/oauth2/logout?client_id={CLIENT_ID}"
                       "&post_logout_redirect_uri=http://evil.example/").status == 400
    assert http("GET", f"{idp.url}/oauth2/logout?post_logout_redirect_uri={ORIGIN}/bye/").status == 400
    plain = http("GET", f"{idp.url}/oauth2/logout")
    assert plain.status == 200 and "signed out" in plain.body.decode()


def test_unknown_paths_are_json_404(idp: Idp) -> None:
    result = http("GET", f"{idp.url}/nope")
    assert result.status == 404 and json.loads(result.body)["error"] == "not_found"


def test_user_names_are_escaped_in_pages(tmp_path: Path) -> None:
    settings = replace(settings_from_site(site_config(tmp_path)),
                       users=(DevUser("<img src=x>", "pw", "e@x", "n"),))
    _, challenge = pkce()
    result = call(create_app(settings), "POST", "/oauth2/authorize",
                  body=urlencode(
                      {**authorize_params(challenge), "username": "<img src=x>", "password": "bad"}).encode(),
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    location = result.header("Location") or ""
    path, _, query = location.partition("?")
    result = call(create_app(settings), "GET", path, query=query)
    assert result.status == 200 and "Incorrect username" in result.body.decode()
    assert "<img" not in result.body.decode()
