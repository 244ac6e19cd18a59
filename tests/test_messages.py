"""What a newcomer reads: each message that once cost a guess, asserted word for word
(what is wrong, where, what to do). Ports and the dev provider's host: tests/test_ports.py
and tests/test_serve.py; the overlay: tests/test_serve_browser.py."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import MakeSite
from serve_helpers import dev_server, get
from sitekit import run_atoll

HOME = {"content/index.md": "---\ntitle: Home\n---\nHome.\n"}


def build_errors(site: Path) -> str:
    result = run_atoll("build", "--site", site)
    assert result.code == 1, result.out
    return result.err


def test_a_page_where_a_public_file_needs_the_path_names_both(make_site: MakeSite) -> None:
    site = make_site({**HOME, "content/banner.md": "---\ntitle: Banner\npermalink: /img/banner.png/\n---\nx\n",
                      "public/img/banner.png": b"\x89PNG"})
    assert build_errors(site) == (
        "content/banner.md:3: this page needs img/banner.png/ as a folder (for img/banner.png/index.html), "
        "but public/img/banner.png is written to img/banner.png\n"
        "  hint: rename or move the file, or give the page another 'slug' or 'permalink'\n"
        "Build failed: 1 error.\n")


def test_a_public_file_where_a_page_is_written_names_both(make_site: MakeSite) -> None:
    site = make_site({**HOME, "content/about.md": "---\ntitle: About\npermalink: /about.html\n---\nx\n",
                      "public/about.html/photo.jpg": b"\xff\xd8"})
    assert build_errors(site).splitlines()[0] == (
        "public/about.html/photo.jpg: this file needs about.html/ as a folder (for about.html/photo.jpg), "
        "but content/about.md is written to about.html")


def test_a_permalink_that_is_not_a_page_is_refused(make_site: MakeSite) -> None:
    site = make_site({**HOME, "content/logo.md": "---\ntitle: Logo\npermalink: /foo.png\n---\nx\n"})
    assert build_errors(site) == (
        "content/logo.md:3: front matter: 'permalink' must end in '/' (a folder URL) or '.html' (a page is HTML), "
        "got '/foo.png'\n"
        "  hint: use permalink: /foo/ or permalink: /foo.html; a file such as an image belongs in public/\n"
        "Build failed: 1 error.\n")


def test_a_quoted_date_says_the_quotes_make_it_text(make_site: MakeSite) -> None:
    site = make_site({**HOME, "content/blog/post.md": '---\ntitle: Post\ndate: "2026-11-26"\n---\nx\n'})
    assert build_errors(site) == (
        "content/blog/post.md:3: front matter: 'date' must be a date, and the quotes make '2026-11-26' text\n"
        "  hint: write it without quotes: date: 2026-11-26\n"
        "Build failed: 1 error.\n")


def test_a_date_that_is_no_date_keeps_its_message(make_site: MakeSite) -> None:
    site = make_site({**HOME, "content/blog/post.md": "---\ntitle: Post\ndate: tomorrow\n---\nx\n"})
    assert build_errors(site).splitlines()[0] == (
        "content/blog/post.md:3: front matter: 'date' must be a date (YYYY-MM-DD), got 'tomorrow'")


@pytest.mark.parametrize(("key", "hint"), [
    ("summary", "a page's summary in listings and the feed is its 'description'"),
    ("word_count", "name it something else, e.g. my_word_count"),
    ("reading_minutes", "name it something else, e.g. my_reading_minutes"),
])
def test_names_kept_for_layouts_are_refused_in_front_matter(make_site: MakeSite, key: str, hint: str) -> None:
    site = make_site({**HOME, "content/page.md": f"---\ntitle: Page\n{key}: 3\n---\nx\n"})
    assert build_errors(site) == (
        f"content/page.md:3: front matter: '{key}' is a name Atoll keeps for layouts and cannot be set in "
        f"front matter\n  hint: {hint}\nBuild failed: 1 error.\n")


def test_computed_names_are_refused_as_before(make_site: MakeSite) -> None:
    site = make_site({**HOME, "content/page.md": "---\ntitle: Page\nurl: /x/\n---\nx\n"})
    assert build_errors(site).splitlines()[0] == (
        "content/page.md:3: front matter: 'url' is computed by Atoll and cannot be set in front matter")


def test_clean_of_a_missing_folder_is_bad_usage(tmp_path: Path) -> None:
    result = run_atoll("clean", "--site", tmp_path / "no-such-dir")
    assert result.code == 2
    assert result.err == f"atoll clean: the site folder {tmp_path / 'no-such-dir'} does not exist\n"


def test_commands_other_than_build_do_not_say_build_failed(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("title: T\nnope: 1\n")
    result = run_atoll("clean", "--site", tmp_path)
    assert result.code == 1
    assert result.err.splitlines()[-1] == "atoll clean: stopped, the site has 1 error."
    assert "Build failed" not in result.err


def wait_for_log(server: object, text: str) -> str:
    deadline = time.monotonic() + 10
    while text not in (log := server.log_text.getvalue()):  # type: ignore[attr-defined]
        assert time.monotonic() < deadline, log
        time.sleep(0.02)
    return log


def test_the_dev_server_counts_errors_in_words(make_site: MakeSite) -> None:
    site = make_site(HOME)
    with dev_server(site) as server:
        (site / "content/index.md").write_text("---\ntitle: Home\ndate: tomorrow\nupdated: never\n---\nx\n")
        log = wait_for_log(server, "Build failed:")
    assert "Build failed: 2 errors; still serving the last good build.\n" in log
    assert "error(s)" not in log


def test_the_dev_server_serves_files_beside_pages_without_notes(make_site: MakeSite) -> None:
    # files in content/ other than pages travel with their pages (page bundles): served, not "ignored"
    site = make_site({**HOME, "content/photo.jpg": b"\xff\xd8"})
    with dev_server(site) as server:
        assert get(server.origin + "/photo.jpg")[2] == b"\xff\xd8"
        (site / "content/docs").mkdir()
        (site / "content/docs/diagram.svg").write_text("<svg/>")
        deadline = time.monotonic() + 10
        while get(server.origin + "/docs/diagram.svg")[0] != 200:
            assert time.monotonic() < deadline, server.log_text.getvalue()
            time.sleep(0.05)
        log = server.log_text.getvalue()
    assert "ignored" not in log and "note:" not in log


def test_the_dev_server_logs_errors_and_404s_but_not_signed_out_checks(make_site: MakeSite) -> None:
    site = make_site({**HOME, "site.yaml": "title: T\nauth:\n  client_id: log-site\n"})
    with dev_server(site) as server:
        for _ in range(3):
            assert get(server.origin + "/auth/session")[0] < 500  # what every page asks when signed out
        assert get(server.origin + "/")[0] == 200
        assert get(server.origin + "/no/such/page/")[0] == 404
        log = wait_for_log(server, "404 GET /no/such/page/\n")
        refused = urllib.request.Request(server.origin + "/auth/session", method="DELETE")  # no Origin header
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(refused, timeout=10)
        answer.value.close()
        log = wait_for_log(server, f"{answer.value.code} DELETE /auth/session\n")
        assert answer.value.code == 403
    assert "GET /auth/session" not in log
    assert "200 GET /" not in log
