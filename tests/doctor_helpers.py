"""Providers to examine: the dev identity provider, deliberately misconfigured, served on loopback."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from atoll.devidp import DevIdpApp, DevIdpSettings, create_app
from atoll.devidp.tokens import SigningKey
from atoll.wsgi.server import start_background, stop
from sitekit import run_atoll

SITE_ORIGIN = "http://127.0.0.1:4321"
CLIENT_ID = "doctor-test"
SECRET = {"ATOLL_SESSION_SECRET": secrets.token_urlsafe(32)}


class ShortKey(SigningKey):
    """A 1024-bit signing key: the provider mistake the doctor must catch."""

    def __init__(self) -> None:
        super().__init__()
        self._private = rsa.generate_private_key(public_exponent=65537, key_size=1024)


def good_settings(issuer: str) -> DevIdpSettings:
    return DevIdpSettings(issuer=issuer, client_id=CLIENT_ID, redirect_uris=(f"{SITE_ORIGIN}/callback/",),
                          logout_uris=(f"{SITE_ORIGIN}/",), allowed_origins=(SITE_ORIGIN,))


@dataclass(frozen=True)
class RunningIdp:
    app: DevIdpApp
    url: str  # where it listens (its issuer, unless the test changed that)

    @property
    def settings(self) -> DevIdpSettings:
        return self.app.settings


@contextmanager
def dev_provider(**changes: Any) -> Iterator[RunningIdp]:
    """The dev identity provider on a free port, its settings changed by ``changes`` (e.g. no CORS)."""
    short_key = changes.pop("short_key", False)
    server, url = start_background(lambda _environ, _start_response: [])
    app = create_app(replace(good_settings(url.rstrip("/")), **changes))
    if short_key:
        app.key = ShortKey()
    server.set_app(app)
    try:
        yield RunningIdp(app, url.rstrip("/"))
    finally:
        stop(server)


def site_yaml(authority: str, *, base_url: str = f"{SITE_ORIGIN}/", client_id: str = CLIENT_ID,
              cognito_domain: str | None = None, extra: str = "") -> str:
    lines = ["title: Doctor", f"base_url: {base_url}", "auth:", f"  client_id: {client_id}",
             f"  authority: {authority}"]
    if cognito_domain:
        lines.append(f"  cognito_domain: {cognito_domain}")
    return "\n".join(lines) + "\n" + extra


@dataclass(frozen=True)
class Diagnosis:
    code: int
    findings: list[dict[str, Any]]
    text: str

    def statuses(self, check: str) -> list[str]:
        return [f["status"] for f in self.findings if f["check"] == check]

    def failed(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for f in self.findings:
            if f["status"] == "fail":
                found.setdefault(f["check"], []).append(f"{f['message']} | fix: {f['fix']}")
        return found


def doctor(root: Path, text: str, *args: str) -> Diagnosis:
    """``atoll doctor --json`` on a site holding ``text`` as site.yaml, and the same on screen."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(text, encoding="utf-8")
    result = run_atoll("doctor", "--site", root, "--json", *args)
    assert result.err == "", result.err
    screen = run_atoll("doctor", "--site", root, *args)
    assert screen.code == result.code
    return Diagnosis(result.code, json.loads(result.out)["findings"], screen.out)
