"""Shared fixtures: tiny sites on disk, and Debian's chromium for Playwright."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sitekit import write_files

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
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options, pointed at Debian's chromium (see TESTING.md)."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
