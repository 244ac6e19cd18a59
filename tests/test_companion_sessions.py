"""Server-side sessions at the companion: the cookie, what counts as signed out, the store's faults."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest

from atoll.companion import create_app
from atoll.companion.sessions.sqlite import SWEEP_INTERVAL
from companion_helpers import (
    CLIENT_ID,
    SECRET,
    SUB,
    Clock,
    FakeProvider,
    call,
    companion,
    echo_api,
    post_session,
    same_origin,
    settings_for,
)
from redis_helpers import RedisServer

OTHER_SECRET = "another-secret-" + "y" * 32


def me(app: object, cookie: str | None) -> tuple[int, object, str | None]:
    result = call(app, "GET", "/auth/session", headers={"Cookie": cookie} if cookie else {})
    return result.status, result.json()["user"], result.header("Set-Cookie")


def signed_out_and_cleared(app: object, cookie: str) -> bool:
    status, user, set_cookie = me(app, cookie)
    return status == 200 and user is None and set_cookie is not None and "Max-Age=0" in set_cookie


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sessions.sqlite3'}"
    server: RedisServer = request.getfixturevalue("redis_server")
    server.client().flushdb()
    return server.url


# ---------------------------------------------------------------------------- the cookie


def test_the_cookie_carries_only_a_signed_opaque_id(provider: FakeProvider) -> None:
    id_token, access_token = provider.id_token(), provider.access_token()
    result = post_session(companion(provider), id_token, access_token, refresh_token="rt-" + "r" * 40)
    value = result.cookie.split("=", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}", value), value
    for secret in ("Alice", "alice", "admins", SUB, *id_token.split("."), *access_token.split("."), "rt-"):
        assert secret not in value


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
    assert me(app, result.cookie)[1]["sub"] == SUB  # type: ignore[index]


def test_without_a_refresh_token_the_session_ends_with_the_tokens(provider: FakeProvider) -> None:
    now = int(time.time())
    result = post_session(companion(provider), provider.id_token(exp=now + 3000), provider.access_token(exp=now + 600),
                          expires_in=999999)
    assert result.json()["expires_at"] == now + 600
    max_age = int(result.header("Set-Cookie").split("Max-Age=")[1].split(";")[0])  # type: ignore[union-attr]
    assert 590 <= max_age <= 600


def test_with_a_refresh_token_the_session_lasts_to_the_limits(provider: FakeProvider) -> None:
    now = int(time.time())
    app = companion(provider, idle_timeout=3600, max_session_age=7200)
    result = post_session(app, provider.id_token(exp=now + 300), provider.access_token(exp=now + 300),
                          refresh_token="some-refresh-token")
    assert now + 3600 - 2 <= result.json()["expires_at"] <= now + 3600 + 2
    max_age = int(result.header("Set-Cookie").split("Max-Age=")[1].split(";")[0])  # type: ignore[union-attr]
    assert 3590 <= max_age <= 3600


# ---------------------------------------------------------------------------- signed out is an answer


def test_signed_out_is_200_with_user_null_and_sets_no_cookie(provider: FakeProvider) -> None:
    assert me(companion(provider), None) == (200, None, None)


def test_the_user_of_a_live_session(provider: FakeProvider) -> None:
    app = companion(provider)
    cookie = post_session(app, provider.id_token(), provider.access_token()).cookie
    status, user, set_cookie = me(app, f"other=1; {cookie}")
    assert status == 200 and set_cookie is None
    assert user == {"sub": SUB, "username": "alice", "email": "alice@example.com", "name": "Alice",
                    "groups": ["admins"], "expires_at": user["expires_at"]}  # type: ignore[index]


def test_forged_and_unknown_ids_are_signed_out_and_the_cookie_cleared(provider: FakeProvider) -> None:
    app = companion(provider)
    cookie = post_session(app, provider.id_token(), provider.access_token()).cookie
    name, value = cookie.split("=", 1)
    session_id, signature = value.split(".")
    unknown = companion(provider)  # same secret, its own (empty) store
    assert signed_out_and_cleared(unknown, cookie)
    for bad in (f"{session_id}.{signature[:-2]}AA", session_id, f"{'A' * 43}.{signature}", "x"):
        assert signed_out_and_cleared(app, f"{name}={bad}")


def test_a_cookie_signed_with_another_secret_is_signed_out(provider: FakeProvider, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    cookie = post_session(companion(provider, secret=OTHER_SECRET, sessions=url), provider.id_token(),
                          provider.access_token()).cookie
    assert signed_out_and_cleared(companion(provider, sessions=url), cookie)


def test_another_site_sharing_secret_and_store_is_not_signed_in(provider: FakeProvider, tmp_path: Path) -> None:
    """Issue 11, point 8: sessions are bound to the site (issuer and client_id)."""
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    other_client = companion(provider, client_id="other-client", sessions=url)
    cookie = post_session(other_client, provider.id_token(aud="other-client"),
                          provider.access_token(client_id="other-client")).cookie
    assert me(other_client, cookie)[1]["groups"] == ["admins"]  # type: ignore[index]
    assert signed_out_and_cleared(companion(provider, sessions=url), cookie)
    other_issuer = FakeProvider()
    try:
        assert signed_out_and_cleared(companion(other_issuer, client_id="other-client", sessions=url), cookie)
    finally:
        other_issuer.close()


def test_an_expired_session_is_signed_out(provider: FakeProvider) -> None:
    clock = Clock()
    app = create_app(settings_for(provider), clock=clock)
    now = int(clock.now)
    cookie = post_session(app, provider.id_token(exp=now + 100), provider.access_token()).cookie
    assert me(app, cookie)[1] is not None
    clock.now = now + 101
    assert signed_out_and_cleared(app, cookie)


def test_idle_and_absolute_limits(provider: FakeProvider) -> None:
    clock = Clock()
    now = int(clock.now)
    app = create_app(settings_for(provider, idle_timeout=600, max_session_age=1000), clock=clock)

    def start() -> str:
        return post_session(app, provider.id_token(exp=now + 3600), provider.access_token(exp=now + 3600),
                            refresh_token="r" * 20).cookie

    idle, busy = start(), start()
    for minutes in range(1, 17):  # busy is seen every minute, idle never
        clock.now = now + 60 * minutes
        assert me(app, busy)[1] is not None, minutes
    assert signed_out_and_cleared(app, idle)  # 960 s after its last request
    clock.now = now + 1001
    assert signed_out_and_cleared(app, busy)  # past the absolute limit, however busy


def test_sessions_survive_a_restart(provider: FakeProvider, store_url: str) -> None:
    cookie = post_session(companion(provider, sessions=store_url), provider.id_token(), provider.access_token()).cookie
    assert me(companion(provider, sessions=store_url), cookie)[1]["sub"] == SUB  # type: ignore[index]


def test_a_rotated_secret_keeps_old_sessions_and_signs_new_ones_with_the_new(
        provider: FakeProvider, store_url: str) -> None:
    old = companion(provider, secret=OTHER_SECRET, sessions=store_url)
    old_cookie = post_session(old, provider.id_token(), provider.access_token()).cookie
    rotated = companion(provider, secret=SECRET, secret_fallbacks=(OTHER_SECRET,), sessions=store_url)
    assert me(rotated, old_cookie)[1]["sub"] == SUB  # type: ignore[index]
    new_cookie = post_session(rotated, provider.id_token(), provider.access_token()).cookie
    assert me(companion(provider, secret=SECRET, sessions=store_url), new_cookie)[1] is not None
    assert signed_out_and_cleared(old, new_cookie)


# ---------------------------------------------------------------------------- sign-out


def test_sign_out_deletes_the_session_so_a_replayed_cookie_is_signed_out(provider: FakeProvider,
                                                                        store_url: str) -> None:
    app = companion(provider, sessions=store_url)
    cookie = post_session(app, provider.id_token(), provider.access_token()).cookie
    result = call(app, "DELETE", "/auth/session", headers=same_origin(Cookie=cookie))
    assert result.status == 204 and result.body == b""
    assert (result.header("Set-Cookie") or "").startswith("atoll_session=;")
    assert signed_out_and_cleared(app, cookie)
    assert signed_out_and_cleared(companion(provider, sessions=store_url), cookie)


def test_sign_out_everywhere_ends_every_session_of_that_reader_only(provider: FakeProvider, store_url: str) -> None:
    app = companion(provider, sessions=store_url)
    laptop, phone = (post_session(app, provider.id_token(), provider.access_token()).cookie for _ in range(2))
    other_sub = "2b7c6d6e-0000-4000-8000-000000000002"
    other = post_session(app, provider.id_token(sub=other_sub), provider.access_token(sub=other_sub)).cookie
    result = call(app, "DELETE", "/auth/session", query="everywhere=1", headers=same_origin(Cookie=phone))
    assert result.status == 204
    assert signed_out_and_cleared(app, laptop) and signed_out_and_cleared(app, phone)
    assert me(app, other)[1]["sub"] == other_sub  # type: ignore[index]


def test_signing_in_again_ends_the_previous_session(provider: FakeProvider) -> None:
    app = companion(provider)
    first = post_session(app, provider.id_token(), provider.access_token()).cookie
    second = call(app, "POST", "/auth/session", headers=same_origin(Cookie=first),
                  json_body={"id_token": provider.id_token(), "access_token": provider.access_token()}).cookie
    assert signed_out_and_cleared(app, first)
    assert me(app, second)[1] is not None


def test_delete_without_a_session_clears_the_cookie(provider: FakeProvider) -> None:
    result = call(companion(provider), "DELETE", "/auth/session", headers=same_origin())
    assert result.status == 204
    cookie = result.header("Set-Cookie") or ""
    assert cookie.startswith("atoll_session=;") and "Max-Age=0" in cookie


def test_failed_post_sets_no_cookie(provider: FakeProvider) -> None:
    result = post_session(companion(provider), provider.id_token(aud="x"), provider.access_token())
    assert result.status == 401
    assert result.header("Set-Cookie") is None


@pytest.mark.parametrize("refresh_token", [17, "", "r" * 9000, ["a"]])
def test_a_malformed_refresh_token_is_a_400(provider: FakeProvider, refresh_token: object) -> None:
    result = post_session(companion(provider), provider.id_token(), provider.access_token(),
                          refresh_token=refresh_token)
    assert result.status == 400 and result.json()["error"] == "invalid_request"


def test_many_groups_fit_now_that_the_cookie_holds_an_id(provider: FakeProvider) -> None:
    groups = [f"group-{n:03}" for n in range(160)]
    app = companion(provider)
    cookie = post_session(app, provider.id_token(cognito__groups=groups), provider.access_token()).cookie
    assert me(app, cookie)[1]["groups"] == groups  # type: ignore[index]


# ---------------------------------------------------------------------------- the store


def test_the_refresh_token_is_encrypted_at_rest(provider: FakeProvider, tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    refresh_token = "the-refresh-token-" + "z" * 30
    post_session(companion(provider, sessions=f"sqlite:///{path}"), provider.id_token(), provider.access_token(),
                 refresh_token=refresh_token)
    dump = "\n".join(sqlite3.connect(path).iterdump())
    assert "alice@example.com" in dump and refresh_token not in dump and "z" * 30 not in dump


def test_expired_sessions_are_swept(provider: FakeProvider, tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "s.sqlite3"
    app = create_app(settings_for(provider, sessions=f"sqlite:///{path}"), clock=clock)
    now = int(clock.now)
    for _ in range(3):
        post_session(app, provider.id_token(exp=now + 100), provider.access_token(exp=now + 100))
    clock.now = now + SWEEP_INTERVAL + 200
    post_session(app, provider.id_token(), provider.access_token())
    assert sqlite3.connect(path).execute("SELECT count(*) FROM atoll_sessions").fetchone() == (1,)


def test_a_sqlite_store_that_cannot_open_is_a_503(provider: FakeProvider, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be")
    app = companion(provider, sessions=f"sqlite:///{blocker / 'sessions.sqlite3'}", api=echo_api)
    signed = post_session(companion(provider), provider.id_token(), provider.access_token()).cookie
    for result in (post_session(app, provider.id_token(), provider.access_token()),
                   call(app, "GET", "/auth/session", headers={"Cookie": signed}),
                   call(app, "GET", "/api/anything", headers={"Cookie": signed})):
        assert result.status == 503, result.body
        assert result.json()["error"] == "session_store_unavailable"
    # Without a cookie there is nothing to look up: signed out, and no store needed.
    assert me(app, None) == (200, None, None)


def test_a_redis_store_that_is_down_is_a_503_and_comes_back(provider: FakeProvider,
                                                            redis_server: RedisServer) -> None:
    app = companion(provider, sessions=redis_server.url)
    cookie = post_session(app, provider.id_token(), provider.access_token()).cookie
    redis_server.stop()
    try:
        for result in (call(app, "GET", "/auth/session", headers={"Cookie": cookie}),
                       post_session(app, provider.id_token(), provider.access_token()),
                       call(app, "DELETE", "/auth/session", headers=same_origin(Cookie=cookie))):
            assert result.status == 503, result.body
            assert result.json() == {"error": "session_store_unavailable",
                                     "message": "the session store cannot be reached; try again in a moment"}
    finally:
        redis_server.start()
    # redis-server keeps nothing across a restart here (--save ''): the cookie is now unknown.
    assert signed_out_and_cleared(app, cookie)
    assert me(app, post_session(app, provider.id_token(), provider.access_token()).cookie)[1] is not None


def test_settings_bind_the_store_to_the_client(provider: FakeProvider) -> None:
    assert settings_for(provider).client_id == CLIENT_ID
