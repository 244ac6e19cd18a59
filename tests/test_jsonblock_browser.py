"""A hostile site.yaml string leaves the auth config block readable by a real HTML parser (chromium's)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page

from sitekit import run_atoll, write_files
from test_build import AUTH_SITE, HOSTILE_SCOPE

pytestmark = pytest.mark.browser


def test_chromium_reads_the_whole_config_and_the_page_after_it(page: Page, tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", {**AUTH_SITE, "site.yaml": AUTH_SITE["site.yaml"]
                                           + f"  scope: '{HOSTILE_SCOPE}'\n"})
    assert run_atoll("build", "--site", site).code == 0
    page.set_content((site / "dist/index.html").read_text())
    text = page.evaluate("() => document.getElementById('atoll-auth-config').textContent")
    assert json.loads(text)["scope"] == HOSTILE_SCOPE
    # `<!--<script>` unescaped would swallow the rest of the page into the data block.
    assert page.locator("main").count() == 1
    assert page.evaluate("() => document.querySelectorAll('script').length") >= 2
