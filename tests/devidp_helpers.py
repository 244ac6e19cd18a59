"""Driving the dev identity provider over real HTTP, as a browser and an OIDC client would."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from atoll.config import SiteConfig, parse_config
from atoll.devidp import DevIdpApp, runner
from atoll.wsgi.server import ThreadingWSGIServer
from companion_helpers import ORIGIN, Result

CLIENT_ID = "idp-test-client"
REDIRECT_URI = f"{ORIGIN}/callback/"
SITE_YAML = f"""
title: Test
base_url: {ORIGIN}/
auth:
  client_id: {CLIENT_ID}
  post_logout_path: /bye/
  dev_users:
    - {{username: reader, password: atoll-dev, email: reader@example.com, name: Dev Reader, groups: [readers]}}
    - {{username: loner, password: pw-2, name: "<b>Lo & ner</b>"}}
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirect, urllib.request.ProxyHandler({}))


def http(method: str, url: str, *, form: dict[str, str] | None = None, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> Result:
    headers = dict(headers or {})
    if form is not None:
        body = urlencode(form).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with OPENER.open(request, timeout=10) as response:
            return Result(response.status, list(response.headers.items()), response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return Result(exc.code, list(exc.headers.items()), exc.read())


def site_config(tmp_path: Path, text: str = SITE_YAML) -> SiteConfig:
    return parse_config(text, tmp_path)


@dataclass
class Idp:
    app: DevIdpApp
    url: str

    @property
    def settings(self) -> Any:
        return self.app.settings


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(challenge: str, **changes: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI,
        "scope": "openid email profile", "state": "st-123", "nonce": "n-456",
        "code_challenge": challenge, "code_challenge_method": "S256", **changes}
    return {k: v for k, v in params.items() if v is not None}


def location_params(result: Result) -> dict[str, str]:
    location = result.header("Location")
    assert result.status == 302 and location is not None, (result.status, result.body[:300])
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def login(idp: Idp, params: dict[str, str], username: str = "reader", password: str = "atoll-dev",
          cookie: str | None = None) -> Result:
    headers = {"Cookie": cookie} if cookie else {}
    return http("POST", f"{idp.url}/oauth2/authorize", form={**params, "username": username, "password": password},
                headers=headers)


def get_code(idp: Idp, challenge: str, **changes: str | None) -> str:
    return location_params(login(idp, authorize_params(challenge, **changes)))["code"]


def exchange(idp: Idp, code: str, verifier: str, redirect_uri: str = REDIRECT_URI, **extra: str) -> Result:
    form = {"grant_type": "authorization_code", "client_id": CLIENT_ID, "code": code,
            "redirect_uri": redirect_uri, "code_verifier": verifier, **extra}
    return http("POST", f"{idp.url}/oauth2/token", form=form, headers={"Origin": ORIGIN})


def sign_in(idp: Idp, username: str = "reader", password: str = "atoll-dev") -> dict[str, Any]:
    verifier, challenge = pkce()
    code = location_params(login(idp, authorize_params(challenge), username, password))["code"]
    result = exchange(idp, code, verifier)
    assert result.status == 200, result.body
    tokens: dict[str, Any] = json.loads(result.body)
    return tokens


def stop_right_after_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``run_idp`` return as soon as it has bound and printed (as if Ctrl-C came at once)."""
    real_start = runner.start_idp

    def start_and_stop(*args: Any, **kwargs: Any) -> tuple[ThreadingWSGIServer, DevIdpApp]:
        server, app = real_start(*args, **kwargs)
        server.shutdown()
        finished = threading.Thread(target=lambda: None)
        finished.start()
        finished.join()
        server.thread = finished
        return server, app

    monkeypatch.setattr(runner, "start_idp", start_and_stop)
