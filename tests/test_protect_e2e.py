"""Protected pages in a real browser, through each gate: the companion (nginx hands protected
URLs to it), nginx auth_request (the docs' recipe) and `atoll serve`.

A signed-out reader gets the prompt, signs in from it and lands back on the page, now with
its content; a member reads a group page; a non-member gets the 403 page; a forged session
gets the prompt. With ATOLL_SCREENSHOTS=DIR the prompt, 403 and members' pages are saved
there at 1280 and 390 pixels wide.
"""

from __future__ import annotations

import os
import secrets
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from atoll.config import load_config
from atoll.devidp import start_idp
from atoll.wsgi.server import stop
from e2e_helpers import SIGNED_IN, DevUser, Process, Reader, atoll_command, serve_site, start_process
from nginx_helpers import start_nginx
from serve_helpers import free_port
from sitekit import run_atoll

pytestmark = pytest.mark.browser

READER = DevUser("reader", "atoll-dev", "Dev Reader")  # group: readers
STELLA = DevUser("stella", "stella-pw", "Stella Staff")  # group: staff
MEMBERS_TEXT = "Members text albatross-21, for signed-in readers."
STAFF_TEXT = "Staff text albatross-22, for the staff group."


def write_site(root: Path, *, authority: str | None = None, base_url: str | None = None,
               signed_out: str = "prompt") -> Path:
    lines = ["title: Members site"]
    if base_url:
        lines.append(f"base_url: {base_url}")
    lines += ["auth:", "  client_id: atoll-protect", "  post_login_path: /", f"  signed_out: {signed_out}"]
    if authority:
        lines += [f"  authority: {authority}", f"  cognito_domain: {authority}"]
    lines += ["  dev_users:",
              "    - {username: reader, password: atoll-dev, name: Dev Reader, groups: [readers]}",
              "    - {username: stella, password: stella-pw, name: Stella Staff, groups: [staff]}",
              "  protect:", "    - {path: /staff/**, groups: [staff]}"]
    files = {
        "site.yaml": "\n".join(lines) + "\n",
        "content/index.md": "---\ntitle: Home\n---\nThe public home page.\n",
        "content/members/notes.md": f"---\ntitle: Members' notes\nauth: required\n---\n{MEMBERS_TEXT}\n",
        "content/staff/plan.md": f"---\ntitle: Staff plan\n---\n{STAFF_TEXT}\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@dataclass
class Stack:
    """A site behind one gate, with the dev provider to sign in at."""

    url: str
    stop: Callable[[], None]
    parts: list[Any] = field(default_factory=list)


def production_stack(root: Path, gate: str) -> Stack:
    """`atoll build`, the dev provider, `atoll companion` (waitress) and nginx, on loopback ports."""
    port, idp_port, companion_port = free_port(), free_port(), free_port()
    origin, issuer = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{idp_port}"
    write_site(root, authority=issuer, base_url=origin + "/")
    built = run_atoll("build", "--site", root)
    assert built.code == 0, built.err
    idp_server, _ = start_idp(load_config(root), port=idp_port, site_origin=origin)
    companion: Process | None = None
    try:
        companion = start_process("atoll companion", [*atoll_command(), "companion", "--site", str(root), "--port",
                                                      str(companion_port)], root.parent / "companion.log",
                                  env={"ATOLL_SESSION_SECRET": secrets.token_urlsafe(32)})
        companion.wait_until_ready(f"http://127.0.0.1:{companion_port}/auth/check", timeout=20,
                                   status=400)  # no X-Original-URI: it answers, and refuses
        nginx = start_nginx(companion=f"127.0.0.1:{companion_port}", dist=root / "dist",
                            protected=root / "dist-protected", scratch=root.parent / "nginx", port=port, gate=gate)
    except BaseException:
        if companion is not None:
            companion.stop()
        stop(idp_server)
        raise

    def stop_all() -> None:
        nginx.stop()
        assert companion is not None
        companion.stop()
        stop(idp_server)

    return Stack(origin, stop_all)


@pytest.fixture(scope="module", params=["companion", "nginx", "serve"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp(request.param) / "site"
    if request.param == "serve":
        site = serve_site(write_site(root))
        running = Stack(site.url, site.stop)
    else:
        running = production_stack(root, "companion" if request.param == "companion" else "auth_request")
    yield running
    running.stop()


def shoot(page: Page, name: str) -> None:
    folder = os.environ.get("ATOLL_SCREENSHOTS")
    if not folder:
        return
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 720})


def test_signed_out_reader_gets_the_prompt_signs_in_and_lands_on_the_page(
        stack: Stack, readers: Callable[[str], Reader]) -> None:
    reader = readers(stack.url)
    response = reader.page.goto(stack.url + "/members/notes/")
    assert response is not None and response.status == 401
    expect(reader.page.locator("h1")).to_have_text("Members' notes")
    expect(reader.page.locator("main")).not_to_contain_text("albatross-21")
    shoot(reader.page, "prompt")
    reader.page.locator("main button[data-atoll-signin]").click()
    reader.dev_login(READER)
    reader.page.wait_for_url(stack.url + "/members/notes/")
    expect(reader.page.locator("main")).to_contain_text(MEMBERS_TEXT)
    reader.page.locator(SIGNED_IN).wait_for(state="attached")
    shoot(reader.page, "members")
    reader.assert_clean()


def open_as(user: DevUser, path: str, stack: Stack, readers: Callable[[str], Reader]) -> tuple[Reader, int]:
    """A reader signed in as ``user`` (from the home page) who then opens ``path``: (reader, status)."""
    reader = readers(stack.url)
    reader.sign_in(user, path="/")
    response = reader.page.goto(stack.url + path)
    assert response is not None
    return reader, response.status


def test_a_member_reads_the_group_page(stack: Stack, readers: Callable[[str], Reader]) -> None:
    reader, status = open_as(STELLA, "/staff/plan/", stack, readers)
    assert status == 200
    expect(reader.page.locator("main")).to_contain_text(STAFF_TEXT)
    reader.assert_clean()


def test_a_non_member_gets_the_403_page_with_sign_out(stack: Stack, readers: Callable[[str], Reader]) -> None:
    reader, status = open_as(READER, "/staff/plan/", stack, readers)
    assert status == 403
    main = reader.page.locator("main")
    expect(main).to_contain_text("members of staff")
    expect(main).not_to_contain_text("albatross-22")
    expect(main.locator("button[data-atoll-signout]")).to_be_visible()
    reader.page.locator(SIGNED_IN).wait_for(state="attached")
    shoot(reader.page, "forbidden")
    reader.assert_clean()


def test_a_forged_session_gets_the_prompt(stack: Stack, readers: Callable[[str], Reader]) -> None:
    reader = readers(stack.url)
    reader.context.add_cookies([{"name": "atoll_session", "value": "eyJzdWIiOiJ4In0.forged",
                                 "url": stack.url}])
    response = reader.page.goto(stack.url + "/members/notes/")
    assert response is not None and response.status == 401
    expect(reader.page.locator("main")).not_to_contain_text("albatross-21")


def test_with_signed_out_redirect_the_prompt_starts_the_sign_in_itself(
        tmp_path: Path, readers: Callable[[str], Reader]) -> None:
    site = serve_site(write_site(tmp_path / "site", signed_out="redirect"))
    try:
        reader = readers(site.url)
        reader.page.goto(site.url + "/members/notes/")
        reader.page.wait_for_url(f"{site.idp_url}/oauth2/authorize?*")
        reader.dev_login(READER)
        reader.page.wait_for_url(site.url + "/members/notes/")
        expect(reader.page.locator("main")).to_contain_text(MEMBERS_TEXT)
        # Signed out again, the prompt does not start a second sign-in in this tab (no loop on a
        # host that serves the prompt to everybody); its button still does.
        reader.context.clear_cookies()
        reader.page.evaluate("() => { for (const k of Object.keys(sessionStorage)) "
                             "if (!k.startsWith('atoll.autostart')) sessionStorage.removeItem(k); }")
        reader.page.goto(site.url + "/members/notes/")
        reader.page.locator("html[data-atoll-auth='signed-out']").wait_for(state="attached")
        reader.page.wait_for_timeout(1500)  # time for a sign-in that must not start
        expect(reader.page.locator("main button[data-atoll-signin]")).to_be_visible()
        assert reader.page.url == site.url + "/members/notes/"
        assert len(reader.requested(f"{site.idp_url}/oauth2/authorize", "GET")) == 1
    finally:
        site.stop()
