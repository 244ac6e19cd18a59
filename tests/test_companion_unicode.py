"""Hostile Unicode in the posted tokens is a 400 or 401 with a JSON error, never a 503."""

from __future__ import annotations

import json

import pytest

from companion_helpers import DROP, FakeProvider, call, companion, same_origin


def post_raw(app: object, body: bytes) -> tuple[int, dict[str, str]]:
    result = call(app, "POST", "/auth/session", body=body, headers=same_origin())
    return result.status, result.json()


@pytest.mark.parametrize("field", ["id_token", "access_token"])
def test_a_lone_surrogate_in_either_token_is_400(provider: FakeProvider, field: str) -> None:
    tokens = {"id_token": provider.id_token(), "access_token": provider.access_token()}
    body = json.dumps(tokens).replace(tokens[field][:10], tokens[field][:5] + "\\udc80" + tokens[field][5:10], 1)
    status, error = post_raw(companion(provider), body.encode())
    assert status == 400 and error["error"] == "invalid_json"
    assert "lone surrogate (U+DC80)" in error["message"]


@pytest.mark.parametrize("token", ["токен-не-latin1", "caf\u00e9", "a b", "tok\u2028en", "x" * 10 + "\u0000"])
def test_an_opaque_access_token_with_characters_no_bearer_token_has_is_401(provider: FakeProvider,
                                                                             token: str) -> None:
    app = companion(provider, cognito=False)
    body = json.dumps({"id_token": provider.id_token(token_use=DROP), "access_token": token}).encode()
    status, error = post_raw(app, body)
    assert status == 401 and error["error"] == "invalid_token"
    assert error["message"] == "access token holds characters no bearer token has (RFC 6750 b64token)"
    assert provider.hits["/userinfo"] == 0  # refused before any header could be built from it


@pytest.mark.parametrize("where", [1, -3])
def test_non_ascii_inside_a_jwt_is_401(provider: FakeProvider, where: int) -> None:
    token = provider.id_token()
    hostile = token[:where] + "\u00e9" + token[where:]
    body = json.dumps({"id_token": hostile, "access_token": provider.access_token()}).encode()
    status, error = post_raw(companion(provider), body)
    assert status == 401 and error["message"].startswith("ID token is not a JWT")
