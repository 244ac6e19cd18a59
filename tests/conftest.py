"""Shared fixtures: tiny sites on disk, fake and real providers, served sites, and
Debian's chromium for Playwright.

Every fixture a test module uses is defined here, so modules import only helpers
(classes and functions) from ``*_helpers.py``, never a fixture.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from atoll.devidp import start_idp
from atoll.wsgi.server import stop
from companion_helpers import FakeProvider, close_companions
from devidp_helpers import ORIGIN, Idp, site_config
from e2e_helpers import REPO, AtollSite, Peer, Reader, serve_site, serve_with_peer, write_site
from redis_helpers import RedisServer, start_redis
from sitekit import write_files

# Fixtures that several test modules share, without importing them into each (ruff F811).
pytest_plugins = ["moto_helpers"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

MakeSite = Callable[..., Path]


@pytest.fixture
def make_site(tmp_path: Path) -> MakeSite:
    """``make_site({path: text})`` -> a site folder; ``site.yaml`` defaults to a title."""

    def make(files: dict[str, str | bytes], name: str = "site") -> Path:
        root = tmp_path / name
        files = {"site.yaml": "title: Test site\n", **files}
        return write_files(root, files)

    return make


@pytest.fixture(scope="session", autouse=True)
def user_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user's cache folder (the build cache's sealing key lives there), kept out of the real home;
    set in the environment so that subprocesses (``atoll serve``) share it."""
    folder = tmp_path_factory.mktemp("user-cache")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch options, pointed at Debian's chromium (see TESTING.md)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# ---------------------------------------------------------------------------- providers

@pytest.fixture(autouse=True)
def _close_companions() -> Iterator[None]:
    """Companion apps a test made with companion_helpers.companion() let go of their stores."""
    yield
    close_companions()


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    yield fake
    fake.close()


@pytest.fixture
def idp(tmp_path: Path) -> Iterator[Idp]:
    server, app = start_idp(site_config(tmp_path), site_origin=ORIGIN)
    yield Idp(app, app.settings.issuer)
    stop(server)


# ---------------------------------------------------------------------------- served sites


@pytest.fixture(scope="module")
def dev_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AtollSite]:
    """``atoll serve`` with the dev identity provider, shared by a module's tests.

    Tests stay independent: each reader has a fresh browser context (cookies,
    storage, the provider's sign-in), and to-do texts are unique per test.
    """
    site = serve_site(write_site(tmp_path_factory.mktemp("dev") / "site"))
    yield site
    site.stop()


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AtollSite]:
    """A copy of the example site (this repository's site.yaml, content/ and example/) under ``atoll serve``."""
    root = tmp_path_factory.mktemp("example") / "site"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "example", root / "example", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    site = serve_site(root)
    yield site
    site.stop()


@pytest.fixture
def own_peer_site(tmp_path: Path) -> Iterator[Callable[..., tuple[Peer, AtollSite]]]:
    """``own_peer_site(**options)``: a provider and site for one test (options of :func:`serve_with_peer`)."""
    started: list[tuple[Peer, AtollSite]] = []

    def start(**options: Any) -> tuple[Peer, AtollSite]:
        started.append(serve_with_peer(tmp_path / f"site{len(started)}", **options))
        return started[-1]

    yield start
    for peer, site in started:
        site.stop()
        peer.stop()


@pytest.fixture(scope="module")
def peer_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Peer, AtollSite]]:
    peer, site = serve_with_peer(tmp_path_factory.mktemp("peer") / "site")
    yield peer, site
    site.stop()
    peer.stop()


# ---------------------------------------------------------------------------- browsers


@pytest.fixture(scope="module")
def e2e_browser(request: pytest.FixtureRequest, browser_type_launch_args: dict[str, Any]) -> Iterator[Browser]:
    """Chromium for one module (launched as conftest.py says), stopped after it.

    pytest-playwright's own ``browser`` lives for the whole session, and its
    suspended event loop makes any later ``asyncio.run`` in the main thread
    fail (``atoll serve`` run in-process, as tests/test_serve.py does). So
    these modules run their own Playwright, unless the session's is already
    running, which they then share (a second sync Playwright cannot start).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        yield request.getfixturevalue("browser")
        return
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**browser_type_launch_args)
        yield browser
        browser.close()


@pytest.fixture
def readers(e2e_browser: Browser) -> Iterator[Callable[[str], Reader]]:
    """``readers(site_url)`` -> a new :class:`Reader` (a fresh browser context); all closed after the test."""
    opened: list[Reader] = []

    def open_reader(site: str) -> Reader:
        reader = Reader.open(e2e_browser, site)
        opened.append(reader)
        return reader

    yield open_reader
    for reader in opened:
        reader.close()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the whole test session (tests/redis_helpers.py); flushed by the tests that need it."""
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()
