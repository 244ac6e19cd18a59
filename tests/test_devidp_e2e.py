"""End to end over HTTP, no browser: dev provider login -> tokens -> companion session -> to-do API."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from atoll.companion import create_app, settings_from_site
from atoll.config import parse_config
from atoll.devidp import runner
from atoll.errors import StartError
from atoll.wsgi.server import start_background, stop
from companion_helpers import ORIGIN, SECRET, Result
from devidp_helpers import SITE_YAML, Idp, http, sign_in, stop_right_after_start
from example.todos import create_app as create_todos


@pytest.fixture
def site_url(idp: Idp, tmp_path: Path) -> Iterator[str]:
    """The companion (with the to-do API) over HTTP, trusting the dev provider as a Cognito issuer."""
    text = SITE_YAML.replace("auth:\n", f"auth:\n  authority: {idp.url}\n  cognito_domain: {idp.url}\n")
    site = parse_config(text, tmp_path)
    app = create_app(settings_from_site(site, secret=SECRET), api=create_todos(database=tmp_path / "t.sqlite3"))
    server, url = start_background(app)
    yield url
    stop(server)


def send(method: str, url: str, data: object = None, cookie: str = "") -> Result:
    headers = {"Origin": ORIGIN, "Content-Type": "application/json", "Cookie": cookie}
    return http(method, url, body=None if data is None else json.dumps(data).encode(), headers=headers)


def test_companion_accepts_the_dev_providers_real_tokens(idp: Idp, site_url: str) -> None:
    tokens = sign_in(idp)
    started = send("POST", f"{site_url}/auth/session", {
        "access_token": tokens["access_token"], "id_token": tokens["id_token"], "expires_in": tokens["expires_in"]})
    assert started.status == 200, started.body
    user = started.json()
    assert user["username"] == "reader" and user["groups"] == ["readers"] and user["name"] == "Dev Reader"
    cookie = started.cookie
    assert send("GET", f"{site_url}/auth/session", cookie=cookie).json() == {"user": user}

    created = send("POST", f"{site_url}/api/todos", {"text": "from the e2e test"}, cookie)
    assert created.status == 201
    assert send("GET", f"{site_url}/api/todos", cookie=cookie).json()["todos"] == [created.json()]

    ended = send("DELETE", f"{site_url}/auth/session", cookie=cookie)
    assert ended.status == 204 and "Max-Age=0" in (ended.header("Set-Cookie") or "")


def test_refreshed_tokens_are_accepted_too(idp: Idp, site_url: str) -> None:
    tokens = sign_in(idp)
    fresh = http("POST", f"{idp.url}/oauth2/token", form={
        "grant_type": "refresh_token", "client_id": idp.settings.client_id,
        "refresh_token": tokens["refresh_token"]}).json()
    result = send("POST", f"{site_url}/auth/session", {"access_token": fresh["access_token"],
                                                        "id_token": fresh["id_token"]})
    assert result.status == 200


def test_tokens_of_two_readers_cannot_be_mixed(idp: Idp, site_url: str) -> None:
    reader, loner = sign_in(idp), sign_in(idp, "loner", "pw-2")
    result = send("POST", f"{site_url}/auth/session", {"access_token": loner["access_token"],
                                                        "id_token": reader["id_token"]})
    assert result.status == 401


def test_run_idp_refuses_a_public_address() -> None:
    with pytest.raises(StartError, match="listens on loopback addresses only"):
        runner.run_idp(None, log=io.StringIO(), host="0.0.0.0", port=0)


def test_run_idp_says_it_is_for_development_only(monkeypatch: pytest.MonkeyPatch) -> None:
    stop_right_after_start(monkeypatch)
    log = io.StringIO()
    runner.run_idp(None, log=log, port=0)
    err = log.getvalue()
    assert "for development only" in err and "reader / atoll-dev" in err and "http://127.0.0.1:" in err
