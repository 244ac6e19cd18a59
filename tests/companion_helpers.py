"""Shared pieces for the companion, dev provider and to-do tests.

A fake OIDC provider (discovery, JWKS, userinfo) served over real HTTP on
127.0.0.1, token factories signed with test RSA keys, and a tiny WSGI client
that runs every call through ``wsgiref.validate``.
"""

from __future__ import annotations

import io
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from atoll.companion import CompanionSettings, create_app
from atoll.companion.verify import Identity
from atoll.wsgi.server import start_background, stop

CLIENT_ID = "test-client"
ORIGIN = "http://127.0.0.1:4321"
SECRET = "test-secret-" + "x" * 32
SUB = "1b7c6d6e-0000-4000-8000-000000000001"
DROP = object()


@lru_cache(maxsize=8)
def rsa_key(index: int) -> rsa.RSAPrivateKey:
    """Test keys, made once per run (key generation is the slow part)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class ProviderKey:
    kid: str | None  # None: published, and signing, without a kid
    private: rsa.RSAPrivateKey
    extra: dict[str, Any] = field(default_factory=dict)

    def jwk(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        kid = {} if self.kid is None else {"kid": self.kid}
        return {**public, **kid, "use": "sig", "alg": "RS256", **self.extra}


class FakeProvider:
    """Discovery + JWKS + userinfo over HTTP, with knobs for failure and rotation."""

    def __init__(self) -> None:
        self.keys = [ProviderKey("key-0", rsa_key(0))]
        self.failing = False
        self.hits: Counter[str] = Counter()
        self.opaque: dict[str, dict[str, Any]] = {}
        self.server, self.issuer = start_background(self.app)
        # What discovery says the issuer is (None: self.issuer).
        self.discovery_issuer: str | None = None
        self.has_userinfo = True

    def app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        self.hits[path] += 1
        body: Any
        if self.failing:
            status, body = "500 Internal Server Error", {"error": "down"}
        elif path == "/.well-known/openid-configuration":
            status, body = "200 OK", {"issuer": self.discovery_issuer or self.issuer, "jwks_uri": f"{self.issuer}/jwks"}
            if self.has_userinfo:
                body["userinfo_endpoint"] = f"{self.issuer}/userinfo"
        elif path == "/jwks":
            status, body = "200 OK", {"keys": [key.jwk() for key in self.keys]}
        elif path == "/userinfo":
            token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
            status, body = ("200 OK", self.opaque[token]) if token in self.opaque \
                else ("401 Unauthorized", {"error": "invalid_token"})
        else:
            status, body = "404 Not Found", {}
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    @property
    def jwks_fetches(self) -> int:
        return self.hits["/jwks"]

    def sign(self, claims: dict[str, Any], *, key: ProviderKey | None = None, headers: dict[str, Any] | None = None,
             algorithm: str = "RS256") -> str:
        key = key or self.keys[0]
        kid = {} if key.kid is None else {"kid": key.kid}
        return jwt.encode(claims, key.private, algorithm=algorithm, headers={**kid, **(headers or {})})

    def id_token(self, **changes: Any) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": SUB, "aud": CLIENT_ID, "token_use": "id", "auth_time": now,
                  "iat": now, "exp": now + 3600, "cognito:username": "alice", "email": "alice@example.com",
                  "name": "Alice", "cognito:groups": ["admins"], "jti": str(uuid.uuid4())}
        return self.sign(apply(claims, changes))

    def access_token(self, **changes: Any) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": SUB, "client_id": CLIENT_ID, "token_use": "access",
                  "scope": "openid email", "auth_time": now, "iat": now, "exp": now + 3600,
                  "username": "alice", "jti": str(uuid.uuid4())}
        return self.sign(apply(claims, changes))

    def close(self) -> None:
        stop(self.server)


def apply(claims: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = {**claims, **{k.replace("__", ":"): v for k, v in changes.items()}}
    return {k: v for k, v in out.items() if v is not DROP}


def settings_for(provider: FakeProvider, **changes: Any) -> CompanionSettings:
    values: dict[str, Any] = {"issuer": provider.issuer, "client_id": CLIENT_ID, "origin": ORIGIN,
                              "secret": SECRET, "cognito": True, **changes}
    return CompanionSettings(**values)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Result:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def cookie(self) -> str:
        """``name=value`` of the Set-Cookie header, ready for a Cookie request header."""
        set_cookie = self.header("Set-Cookie")
        assert set_cookie is not None
        return set_cookie.split(";", 1)[0]


def call(app: Any, method: str = "GET", path: str = "/", *, body: bytes | None = None, json_body: Any = None,
         headers: dict[str, str] | None = None, query: str = "") -> Result:
    """Run one request through ``app`` (checked by ``wsgiref.validate``)."""
    if json_body is not None:
        body = json.dumps(json_body).encode()
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path,
                               "QUERY_STRING": query}
    setup_testing_defaults(environ)
    data = body or b""
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    captured: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"], captured["headers"] = status, response_headers
        return lambda chunk: None

    iterable = validator(app)(environ, start_response)
    try:
        content = b"".join(iterable)
    finally:
        iterable.close()  # type: ignore[attr-defined]
    return Result(int(captured["status"][:3]), captured["headers"], content)


def same_origin(**extra: str) -> dict[str, str]:
    return {"Origin": ORIGIN, "Content-Type": "application/json", **extra}


def post_session(app: Any, id_token: str, access_token: str, **extra: Any) -> Result:
    return call(app, "POST", "/auth/session", headers=same_origin(),
                json_body={"id_token": id_token, "access_token": access_token, "expires_in": 3600, **extra})


OPENED: list[Any] = []


def companion(provider: FakeProvider, *, api: Any = None, **changes: Any) -> Any:
    """A companion app for ``provider``, closed after the test (:func:`close_companions`)."""
    app = create_app(settings_for(provider, **changes), api=api)
    OPENED.append(app)
    return app


def close_companions() -> None:
    """Close the apps :func:`companion` opened (conftest.py does it after every test)."""
    while OPENED:
        OPENED.pop().close()


def session_cookie(app: Any, *, sub: str = SUB, username: str = "alice", name: str | None = "Alice",
                   groups: list[str] | None = None, expires_in: int = 3600) -> str:
    """A session for this user in ``app``'s store, as a sign-in would make it: ``name=value`` of its cookie."""
    claims = {"sub": sub, "cognito:username": username, "name": name, app.settings.groups_claim_name: groups or []}
    identity = Identity(id_claims=claims, access_claims={}, userinfo={}, expires_at=int(time.time()) + expires_in)
    _, (_, header) = app.sessions.start(identity, None, {})
    return str(header.split(";", 1)[0])


def echo_api(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """A site API that answers with the user the session middleware found."""
    body = json.dumps({"user": environ.get("atoll.user")}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
