"""The sign-in round trip in chromium against the dev identity provider: click to signed-in page.

    .venv/bin/python bench/signin.py [--site DIR] [--path /docs/] [--runs 5]

Starts ``atoll serve`` (on free ports, with the embedded dev identity
provider) on ``--site``, or on a small generated site with a to-do page when
none is given, and drives Debian's chromium through the whole trip ``--runs``
times, each in a fresh browser context: on ``--path`` (``/docs/``, or the
home page when the site has none), click Sign in -> the provider's form (filled in and sent by Playwright) ->
``/callback/`` (token request, companion session) -> back on the page,
showing the reader's name. Prints each run, split into "to the provider's
form" and "form sent to name shown", and the median. The first run pays for
cold caches (the companion's first JWKS fetch); every run pays for a fresh
context (discovery fetched again, no HTTP cache).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from playwright.sync_api import sync_playwright

from conftest import CHROMIUM, CHROMIUM_ARGS
from e2e_helpers import READER, SIGNED_IN, Reader, http_status, serve_site, write_site


def one_round_trip(reader: Reader, start_path: str) -> tuple[float, float]:
    """Seconds from the click to the provider's form, and from sending the form to the name shown."""
    page = reader.visit(start_path)
    started = time.perf_counter()
    reader.click_sign_in()
    page.locator("input[name=password]").wait_for()
    at_form = time.perf_counter()
    page.locator("input[name=username]").fill(READER.username)
    page.locator("input[name=password]").fill(READER.password)
    sent = time.perf_counter()
    page.locator("button[type=submit]").click()
    page.locator(SIGNED_IN).wait_for(state="attached")
    page.locator("[data-atoll-user]:visible").first.wait_for()
    done = time.perf_counter()
    assert reader.user_text(), "signed in but no name shown"
    assert page.url.startswith(reader.site + start_path.split("?")[0]), page.url
    reader.assert_clean()
    return at_form - started, done - sent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path,
                        help="a site with an auth: block and no authority (default: a generated one)")
    parser.add_argument("--path", help="the page to sign in from (default: /docs/ if the site has it, else /)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="atoll-bench-signin-") as tmp:
        root = args.site.resolve() if args.site else write_site(Path(tmp) / "site")
        site = serve_site(root)
        try:
            start_path = args.path or ("/docs/" if http_status(f"{site.url}/docs/") == 200 else "/")
            print(f"atoll serve {root} -> {site.url} (dev provider {site.idp_url}); signing in from {start_path}")
            totals = []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for run in range(1, args.runs + 1):
                    reader = Reader.open(browser, site.url)
                    try:
                        to_form, back = one_round_trip(reader, start_path)
                    finally:
                        reader.close()
                    # The form is filled in between the two parts; that time is the bench's, not the reader's wait.
                    totals.append(to_form + back)
                    print(f"run {run}: {1000 * (to_form + back):6.0f} ms  "
                          f"(click -> provider form {1000 * to_form:4.0f} ms, "
                          f"form sent -> name shown {1000 * back:4.0f} ms)")
                browser.close()
            print(f"median of {len(totals)}: {1000 * statistics.median(totals):.0f} ms")
        finally:
            site.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
