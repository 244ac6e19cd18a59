"""Refresh at the companion and revocation at sign-out, against the dev identity provider over HTTP."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from atoll.companion import CompanionSettings, create_app
from atoll.companion.app import CompanionApp
from atoll.companion.sessions import make_post
from atoll.companion.sessions.record import store_key
from atoll.devidp import DevIdpApp, start_idp
from atoll.wsgi.server import stop
from companion_helpers import ORIGIN, SECRET, call, same_origin
from devidp_helpers import (
    CLIENT_ID,
    SITE_YAML,
    Idp,
    authorize_params,
    exchange,
    http,
    location_params,
    login,
    pkce,
    sign_in,
    site_config,
)
from redis_helpers import RedisServer

ROTATING = SITE_YAML + "  dev_refresh_rotation: true\n"


@dataclass
class Provider:
    app: DevIdpApp
    url: str
    posts: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    failing: bool = False

    def post(self, url: str, form: Mapping[str, str]) -> tuple[int, Any]:
        self.posts.append((url, dict(form)))
        if self.failing:
            return 502, None
        return make_post(5.0)(url, form)

    def refreshes(self) -> int:
        return sum(1 for _, form in self.posts if form.get("grant_type") == "refresh_token")

    def revocations(self) -> list[str]:
        return [form["token"] for url, form in self.posts if url.endswith("/oauth2/revoke")]

    def refresh_works(self, refresh_token: str) -> bool:
        result = http("POST", f"{self.url}/oauth2/token", form={
            "grant_type": "refresh_token", "client_id": CLIENT_ID, "refresh_token": refresh_token})
        return result.status == 200


def start(tmp_path: Path, text: str) -> Iterator[Provider]:
    server, app = start_idp(site_config(tmp_path, text), site_origin=ORIGIN)
    yield Provider(app, app.settings.issuer)
    stop(server)


@pytest.fixture
def idp(tmp_path: Path) -> Iterator[Provider]:
    yield from start(tmp_path, SITE_YAML)


@pytest.fixture
def rotating_idp(tmp_path: Path) -> Iterator[Provider]:
    yield from start(tmp_path, ROTATING)


def companion_for(idp: Provider, sessions: str = "sqlite://", **changes: Any) -> CompanionApp:
    settings = CompanionSettings(issuer=idp.url, client_id=CLIENT_ID, origin=ORIGIN, secret=SECRET, cognito=True,
                                 sessions=sessions, revocation_url=f"{idp.url}/oauth2/revoke", **changes)
    return create_app(settings, post=idp.post)


def session_key(app: CompanionApp, cookie: str) -> str:
    session_id = app.sessions._keys.unsign(cookie.split("=", 1)[1])
    assert session_id is not None
    return store_key(session_id)


def tokens_expire_in(app: CompanionApp, cookie: str, seconds: int) -> None:
    """Time passing for the tokens: the provider's real tokens are only refreshed when due."""
    key = session_key(app, cookie)
    session = app.sessions.store.get(key)
    assert session is not None
    due = int(time.time()) + seconds
    assert app.sessions.store.replace(key, replace(session, tokens_expire_at=due, refresh_at=due - 60))


def signed_in(app: CompanionApp, tokens: dict[str, Any], *, refresh_token: str | None = None) -> str:
    body = {"id_token": tokens["id_token"], "access_token": tokens["access_token"],
            "refresh_token": refresh_token or tokens["refresh_token"]}
    result = call(app, "POST", "/auth/session", headers=same_origin(), json_body=body)
    assert result.status == 200, result.body
    return result.cookie


def user_of(app: CompanionApp, cookie: str) -> Any:
    result = call(app, "GET", "/auth/session", headers={"Cookie": cookie})
    assert result.status == 200, result.body
    return result.json()["user"]


def stored_refresh_token(app: CompanionApp, cookie: str) -> str:
    key = session_key(app, cookie)
    session = app.sessions.store.get(key)
    assert session is not None and session.refresh_token is not None
    return app.sessions._keys.decrypt(session.refresh_token, bound_to=key)


def test_a_session_outlives_its_tokens_by_refreshing(idp: Provider) -> None:
    app = companion_for(idp)
    cookie = signed_in(app, sign_in(idp))  # type: ignore[arg-type]
    assert idp.refreshes() == 0
    for hours in (1, 2, 3):
        tokens_expire_in(app, cookie, -1)
        user = user_of(app, cookie)
        assert user is not None and user["username"] == "reader"
        assert idp.refreshes() == hours
    assert user_of(app, cookie)["name"] == "Dev Reader"
    assert idp.refreshes() == 3  # fresh tokens are not refreshed again


def test_a_rotated_refresh_token_replaces_the_old_one(rotating_idp: Provider) -> None:
    app = companion_for(rotating_idp)
    tokens = sign_in(rotating_idp)  # type: ignore[arg-type]
    cookie = signed_in(app, tokens)
    tokens_expire_in(app, cookie, -1)
    assert user_of(app, cookie) is not None
    kept = stored_refresh_token(app, cookie)
    assert kept != tokens["refresh_token"]
    tokens_expire_in(app, cookie, -1)
    assert user_of(app, cookie) is not None  # the rotated token worked
    assert rotating_idp.refreshes() == 2


@pytest.mark.parametrize("store", ["sqlite-file", "redis"])
def test_concurrent_requests_refresh_once_and_keep_the_rotated_token(
        rotating_idp: Provider, store: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Two companions on one store, 16 requests at once, tokens due: one refresh, nobody signed out.

    With rotation, a second refresh with the old token would be reuse: the provider
    would revoke the whole family and the next refresh would fail."""
    if store == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        server.client().flushdb()
        url = server.url
    else:
        url = f"sqlite:///{tmp_path / 'sessions.sqlite3'}"
    apps = [companion_for(rotating_idp, url), companion_for(rotating_idp, url)]
    try:
        cookie = signed_in(apps[0], sign_in(rotating_idp))  # type: ignore[arg-type]
        for round_ in (1, 2):
            tokens_expire_in(apps[0], cookie, 10)
            barrier = threading.Barrier(16)
            users: list[Any] = []

            def ask(index: int, barrier: threading.Barrier = barrier, users: list[Any] = users) -> None:
                barrier.wait()
                users.append(user_of(apps[index % 2], cookie))

            threads = [threading.Thread(target=ask, args=(i,)) for i in range(16)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert [u and u["username"] for u in users] == ["reader"] * 16
            assert rotating_idp.refreshes() == round_
    finally:
        for app in apps:
            app.close()


def test_a_revoked_refresh_token_ends_the_session(idp: Provider) -> None:
    app = companion_for(idp)
    tokens = sign_in(idp)  # type: ignore[arg-type]
    cookie = signed_in(app, tokens)
    http("POST", f"{idp.url}/oauth2/revoke", form={"token": tokens["refresh_token"], "client_id": CLIENT_ID})
    tokens_expire_in(app, cookie, -1)
    result = call(app, "GET", "/auth/session", headers={"Cookie": cookie})
    assert result.json() == {"user": None} and "Max-Age=0" in (result.header("Set-Cookie") or "")
    assert user_of(app, cookie) is None


def test_another_readers_refresh_token_is_refused(idp: Provider) -> None:
    """Tokens of one reader posted with another's refresh token: the refresh names another
    subject, so the session ends instead of becoming the other reader's."""
    app = companion_for(idp)
    loner = sign_in(idp, "loner", "pw-2")  # type: ignore[arg-type]
    cookie = signed_in(app, sign_in(idp), refresh_token=loner["refresh_token"])  # type: ignore[arg-type]
    assert user_of(app, cookie)["username"] == "reader"
    tokens_expire_in(app, cookie, -1)
    assert user_of(app, cookie) is None


def test_another_clients_refresh_token_is_refused(idp: Provider, tmp_path: Path) -> None:
    other_path = tmp_path / "other"
    other_path.mkdir()
    other_server, other_idp = start_idp(site_config(other_path, SITE_YAML.replace(CLIENT_ID, "other-client")),
                                        site_origin=ORIGIN)
    try:
        verifier, challenge = pkce()
        other = Idp(other_idp, other_idp.settings.issuer)
        code = location_params(login(other, authorize_params(challenge, client_id="other-client")))["code"]
        foreign = exchange(other, code, verifier, client_id="other-client").json()
        app = companion_for(idp)
        cookie = signed_in(app, sign_in(idp), refresh_token=foreign["refresh_token"])  # type: ignore[arg-type]
        tokens_expire_in(app, cookie, -1)
        assert user_of(app, cookie) is None
    finally:
        stop(other_server)


def test_a_provider_that_is_down_postpones_the_refresh_until_the_tokens_expire(idp: Provider) -> None:
    app = companion_for(idp)
    cookie = signed_in(app, sign_in(idp))  # type: ignore[arg-type]
    idp.failing = True
    tokens_expire_in(app, cookie, 30)  # inside the refresh margin, still valid
    assert user_of(app, cookie) is not None
    tokens_expire_in(app, cookie, -1)  # expired, provider still down
    result = call(app, "GET", "/auth/session", headers={"Cookie": cookie})
    assert result.status == 503 and result.json()["error"] == "provider_unavailable"
    idp.failing = False
    assert user_of(app, cookie) is not None  # the session survived the outage


def test_sign_out_revokes_the_refresh_token(rotating_idp: Provider) -> None:
    app = companion_for(rotating_idp)
    cookie = signed_in(app, sign_in(rotating_idp))  # type: ignore[arg-type]
    tokens_expire_in(app, cookie, -1)
    assert user_of(app, cookie) is not None
    current = stored_refresh_token(app, cookie)  # the rotated one
    assert call(app, "DELETE", "/auth/session", headers=same_origin(Cookie=cookie)).status == 204
    assert rotating_idp.revocations() == [current]
    assert not rotating_idp.refresh_works(current)


def test_a_failed_revocation_is_logged_and_sign_out_still_ends_the_session(
        idp: Provider, caplog: pytest.LogCaptureFixture) -> None:
    app = companion_for(idp)
    cookie = signed_in(app, sign_in(idp))  # type: ignore[arg-type]
    idp.failing = True
    with caplog.at_level(logging.WARNING, logger="atoll.companion"):
        assert call(app, "DELETE", "/auth/session", headers=same_origin(Cookie=cookie)).status == 204
    assert "refresh token not revoked" in caplog.text
    idp.failing = False
    assert user_of(app, cookie) is None


def test_sign_out_everywhere_revokes_each_refresh_token(idp: Provider) -> None:
    app = companion_for(idp)
    first, second = sign_in(idp), sign_in(idp)  # type: ignore[arg-type]
    cookies = [signed_in(app, first), signed_in(app, second)]
    result = call(app, "DELETE", "/auth/session", query="everywhere=1", headers=same_origin(Cookie=cookies[0]))
    assert result.status == 204
    assert sorted(idp.revocations()) == sorted([first["refresh_token"], second["refresh_token"]])
    assert [user_of(app, c) for c in cookies] == [None, None]
    assert not idp.refresh_works(first["refresh_token"]) and not idp.refresh_works(second["refresh_token"])
