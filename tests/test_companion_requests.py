"""Request rules of /auth/session: Origin, Content-Type, size, JSON errors, no 500, no tokens in logs."""

from __future__ import annotations

import logging

import pytest

from companion_helpers import ORIGIN, FakeProvider, call, companion, post_session, same_origin


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize("origin", [None, "http://evil.example", "http://127.0.0.1:4321/", "http://localhost:4321",
                                    "null"])
def test_state_changing_requests_need_the_exact_origin(provider: FakeProvider, method: str,
                                                       origin: str | None) -> None:
    headers = {"Content-Type": "application/json"} | ({"Origin": origin} if origin else {})
    result = call(companion(provider), method, "/auth/session", headers=headers, json_body={})
    assert result.status == 403
    assert result.json()["error"] == "forbidden_origin"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/jsonp"])
def test_state_changing_requests_need_json(provider: FakeProvider, content_type: str | None) -> None:
    headers = {"Origin": ORIGIN} | ({"Content-Type": content_type} if content_type else {})
    result = call(companion(provider), "POST", "/auth/session", headers=headers, body=b"{}")
    assert result.status == 415
    assert result.json()["error"] == "unsupported_media_type"


def test_json_with_charset_is_accepted(provider: FakeProvider) -> None:
    result = call(companion(provider), "POST", "/auth/session",
                  headers=same_origin(**{"Content-Type": "application/json; charset=utf-8"}), json_body={})
    assert result.status == 400  # past the media type check, stopped by the missing tokens


def test_body_over_16_kib_is_413(provider: FakeProvider) -> None:
    body = b'{"id_token": "' + b"x" * (16 * 1024) + b'"}'
    result = call(companion(provider), "POST", "/auth/session", headers=same_origin(), body=body)
    assert result.status == 413
    assert result.json()["error"] == "body_too_large"


@pytest.mark.parametrize("body, message", [
    (b"not json", "not valid JSON"),
    (b"[1, 2]", "JSON object"),
    (b"[" * 100000, "not valid JSON"),
    (b'{"access_token": "a"}', "'id_token'"),
    (b'{"id_token": "a", "access_token": 3}', "'access_token'"),
    (b'{"id_token": "", "access_token": "a"}', "'id_token'"),
    (b'{"id_token": "a", "access_token": "b", "expires_in": "soon"}', "'expires_in'"),
])
def test_bad_bodies_are_400_with_a_message(provider: FakeProvider, body: bytes, message: str) -> None:
    result = call(companion(provider), "POST", "/auth/session", headers=same_origin(), body=body[:16000])
    assert result.status == 400
    assert set(result.json()) == {"error", "message"}
    assert message in result.json()["message"]


def test_deeply_nested_json_is_not_a_500(provider: FakeProvider) -> None:
    body = b'{"a":' * 2500 + b"1" + b"}" * 2500
    result = call(companion(provider), "POST", "/auth/session", headers=same_origin(), body=body)
    assert result.status == 400


@pytest.mark.parametrize("method", ["PUT", "PATCH", "OPTIONS"])
def test_other_methods_are_405_with_allow(provider: FakeProvider, method: str) -> None:
    result = call(companion(provider), method, "/auth/session", headers=same_origin())
    assert result.status == 405
    assert result.header("Allow") == "GET, POST, DELETE"


@pytest.mark.parametrize("path", ["/", "/auth/session/", "/auth", "/api/todos", "/../auth/session"])
def test_other_paths_are_json_404(provider: FakeProvider, path: str) -> None:
    result = call(companion(provider), "GET", path)
    assert result.status == 404
    assert result.json()["error"] == "not_found"
    assert result.header("Content-Type") == "application/json"


def test_responses_are_not_cached(provider: FakeProvider) -> None:
    assert call(companion(provider), "GET", "/auth/session").header("Cache-Control") == "no-store"


def test_no_token_reaches_a_log_line(provider: FakeProvider, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = companion(provider)
    tokens = [provider.id_token(), provider.access_token(), provider.id_token(aud="x"),
              provider.access_token(sub="other"), "Zq8xWv.Kp3mRt.Yh7nBc"]
    post_session(app, tokens[0], tokens[1])
    post_session(app, tokens[2], tokens[1])
    post_session(app, tokens[0], tokens[3])
    post_session(app, tokens[4], tokens[1])
    provider.failing = True
    post_session(companion(provider), tokens[0], tokens[1])
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "session refused" in logged
    for token in tokens:
        for part in token.split("."):
            assert part not in logged
