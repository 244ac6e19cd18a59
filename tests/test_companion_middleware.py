"""The session middleware for a site's API, and how the companion mounts it under /api/."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from atoll.companion import USER_KEY, create_app, session_middleware
from companion_helpers import ORIGIN, SUB, FakeProvider, call, post_session, same_origin, settings_for


def echo(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Answers with what it saw: the user, the mount-relative path and the body."""
    import json
    user = environ.get(USER_KEY)
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    data = json.dumps({"sub": user["sub"] if user else None, "path": environ["PATH_INFO"],
                       "script": environ["SCRIPT_NAME"], "body": body.decode()}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def broken(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    raise RuntimeError("secret-token-value in an exception message")


def signed_in(provider: FakeProvider, api: Any = echo) -> tuple[Any, str]:
    app = create_app(settings_for(provider), api=api)
    cookie = post_session(app, provider.id_token(), provider.access_token()).cookie
    return app, cookie


def test_api_sees_the_user_and_a_mount_relative_path(provider: FakeProvider) -> None:
    app, cookie = signed_in(provider)
    result = call(app, "GET", "/api/todos/3", headers={"Cookie": cookie})
    assert result.status == 200
    assert result.json() == {"sub": SUB, "path": "/todos/3", "script": "/api", "body": ""}


def test_anonymous_api_calls_are_401(provider: FakeProvider) -> None:
    app, _ = signed_in(provider)
    result = call(app, "GET", "/api/todos")
    assert result.status == 401
    assert result.json()["error"] == "no_session"


def test_optional_session_passes_anonymous_calls_with_none(provider: FakeProvider) -> None:
    app = session_middleware(echo, settings_for(provider), required=False)
    assert call(app, "GET", "/todos").json()["sub"] is None


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE"])
def test_api_state_changes_need_the_site_origin(provider: FakeProvider, method: str) -> None:
    app, cookie = signed_in(provider)
    result = call(app, method, "/api/todos", headers={"Cookie": cookie, "Origin": "http://evil.example",
                                                      "Content-Type": "application/json"}, body=b"{}")
    assert result.status == 403
    missing = call(app, method, "/api/todos", headers={"Cookie": cookie, "Content-Type": "application/json"})
    assert missing.status == 403


def test_api_state_changes_need_json(provider: FakeProvider) -> None:
    app, cookie = signed_in(provider)
    result = call(app, "POST", "/api/todos", headers={"Cookie": cookie, "Origin": ORIGIN,
                                                      "Content-Type": "text/plain"}, body=b"{}")
    assert result.status == 415


def test_api_bodies_are_capped(provider: FakeProvider) -> None:
    app, cookie = signed_in(provider)
    result = call(app, "POST", "/api/todos", headers=same_origin(Cookie=cookie), body=b"x" * 17000)
    assert result.status == 413


def test_api_receives_the_body(provider: FakeProvider) -> None:
    app, cookie = signed_in(provider)
    result = call(app, "POST", "/api/todos", headers=same_origin(Cookie=cookie), body=b'{"text": "hi"}')
    assert result.json()["body"] == '{"text": "hi"}'


def test_an_exception_in_the_api_is_a_json_503_logged_without_its_message(
        provider: FakeProvider, caplog: pytest.LogCaptureFixture) -> None:
    app, cookie = signed_in(provider, api=broken)
    result = call(app, "GET", "/api/anything", headers={"Cookie": cookie})
    assert result.status == 503
    assert result.json()["error"] == "internal_error"
    assert "Traceback" not in result.body.decode()
    assert "RuntimeError" in caplog.text
    assert "secret-token-value" not in caplog.text


def test_api_root_without_slash_is_mounted(provider: FakeProvider) -> None:
    app, cookie = signed_in(provider)
    assert call(app, "GET", "/api", headers={"Cookie": cookie}).json()["path"] == ""
    assert call(app, "GET", "/apix", headers={"Cookie": cookie}).status == 404
