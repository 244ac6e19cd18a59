"""Settings from site.yaml, loading a site's API, and the production entry points."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from atoll.companion import (
    CompanionConfigError,
    CompanionSettings,
    load_api,
    run_companion,
    settings_from_site,
)
from atoll.companion import wsgi as companion_wsgi
from atoll.config import SiteConfig, parse_config
from atoll.errors import StartError
from devidp_helpers import http

SITE = """
title: T
base_url: https://docs.example.com/guide/
auth:
  client_id: abc
  authority: https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC
companion:
  api: site_api:create_app
  database: data/notes.sqlite3
"""
# The site's own API module, as a site folder would hold it.
SITE_API = """
def create_app(*, database):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(database).encode()]
    return app
"""


@pytest.fixture(autouse=True)
def _fresh_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """load_api puts each site folder on sys.path and imports from it: undo both."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    for name in ("site_api", "site_api_for_test"):
        sys.modules.pop(name, None)


def site(tmp_path: Path, text: str = SITE) -> SiteConfig:
    (tmp_path / "site.yaml").write_text(text)
    (tmp_path / "site_api.py").write_text(SITE_API)
    return parse_config(text, tmp_path)


def test_settings_come_from_the_auth_block(tmp_path: Path) -> None:
    settings = settings_from_site(site(tmp_path), secret="s" * 32)
    assert settings.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC"
    assert settings.client_id == "abc"
    assert settings.origin == "https://docs.example.com"
    assert settings.cognito and settings.secure
    assert settings.session_path == "/auth/session"
    assert "s" * 32 not in repr(settings)


def test_origin_can_be_overridden(tmp_path: Path) -> None:
    assert settings_from_site(site(tmp_path), secret="s", origin="http://127.0.0.1:4321").origin \
        == "http://127.0.0.1:4321"


def test_a_site_without_authority_is_refused(tmp_path: Path) -> None:
    text = "title: T\nauth:\n  client_id: abc\n"
    with pytest.raises(CompanionConfigError, match="authority"):
        settings_from_site(site(tmp_path, text), secret="s")


def test_a_site_without_auth_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CompanionConfigError, match="auth"):
        settings_from_site(site(tmp_path, "title: T\n"), secret="s")


@pytest.mark.parametrize("origin", ["https://x.com/", "ftp://x.com", "x.com", "https://x.com/path"])
def test_bad_origins_are_refused(origin: str) -> None:
    with pytest.raises(CompanionConfigError, match="origin"):
        CompanionSettings(issuer="https://i", client_id="c", origin=origin, secret="s")


def test_load_api_passes_the_database_path(tmp_path: Path) -> None:
    config = site(tmp_path)
    api = load_api(config)
    assert api is not None
    assert b"".join(api({}, lambda *_: None)) == str(tmp_path / "data/notes.sqlite3").encode()
    assert load_api(dataclasses.replace(config, companion=dataclasses.replace(config.companion, api=None))) is None


def test_load_api_imports_a_module_from_the_site_folder(tmp_path: Path) -> None:
    (tmp_path / "site_api_for_test.py").write_text(
        "def make(*, database):\n    return ('app', database)\n")
    config = site(tmp_path, SITE.replace("site_api:create_app", "site_api_for_test:make"))
    assert load_api(config) == ("app", tmp_path / "data/notes.sqlite3")  # type: ignore[comparison-overlap]


def test_load_api_names_a_missing_factory(tmp_path: Path) -> None:
    config = site(tmp_path, SITE.replace("site_api:create_app", "site_api:nope"))
    with pytest.raises(CompanionConfigError, match="nope"):
        load_api(config)


@pytest.mark.parametrize("secret", [None, "", "too-short"])
def test_production_refuses_to_start_without_a_good_secret(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        secret: str | None) -> None:
    if secret is None:
        monkeypatch.delenv("ATOLL_SESSION_SECRET", raising=False)
    else:
        monkeypatch.setenv("ATOLL_SESSION_SECRET", secret)
    with pytest.raises(StartError, match="ATOLL_SESSION_SECRET"):
        run_companion(site(tmp_path), log=sys.stderr, port=1)
    assert capsys.readouterr().err == ""  # nothing printed: the CLI reports it


def test_wsgi_factory_builds_the_app_from_the_environment(tmp_path: Path) -> None:
    site(tmp_path)
    app = companion_wsgi.make_application({"ATOLL_SITE": str(tmp_path), "ATOLL_SESSION_SECRET": "s" * 32})
    assert app.settings.client_id == "abc"
    with pytest.raises(CompanionConfigError):
        companion_wsgi.make_application({"ATOLL_SITE": str(tmp_path)})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_production_runner_serves_the_session_and_the_api_under_waitress(tmp_path: Path) -> None:
    site(tmp_path, SITE.replace("https://docs.example.com/guide/", "http://127.0.0.1:4321/"))
    port = free_port()
    env = {**os.environ, "ATOLL_SESSION_SECRET": "p" * 40}
    process = subprocess.Popen([sys.executable, "-m", "atoll", "companion", "--site", str(tmp_path),
                                "--port", str(port)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 20
        while True:
            try:
                session = http("GET", f"http://127.0.0.1:{port}/auth/session")
                break
            except OSError:
                assert time.time() < deadline and process.poll() is None, "the companion did not start"
                time.sleep(0.1)
        assert session.status == 200 and session.json() == {"user": None}
        assert http("GET", f"http://127.0.0.1:{port}/api/notes").status == 401
    finally:
        process.terminate()
        _, err = process.communicate(timeout=10)
    assert "/auth/session and /api/ for http://127.0.0.1:4321" in err
