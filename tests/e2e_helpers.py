"""Real servers and fresh browsers for the end-to-end sign-in tests (``tests/test_e2e_*.py``).

- :func:`write_site`: a small site with an ``auth:`` block, the example site's
  to-do app (a copy of ``example/``: API, layout, script) and pages to sign in
  from (a deep docs page, ``/todos/``).
- :func:`serve_site`: ``atoll serve`` as a subprocess on free ports, with the
  embedded dev identity provider unless the site names an ``authority``.
- :func:`start_peer`: node-oidc-provider (``tests/peers/oidc_provider.mjs``),
  the certified third-party provider, as a subprocess.
- :class:`Reader`: one reader in a fresh browser context, watched for CSP
  violations (the ``securitypolicyviolation`` event, on every page it opens),
  for requests to anything but 127.0.0.1 (aborted and recorded) and for a
  ``window.__pwned`` set by injected markup.

``bench/signin.py`` uses the same servers and readers.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, expect

from serve_helpers import free_port
from sitekit import console_script

REPO = Path(__file__).resolve().parent.parent
PEERS = REPO / "tests" / "peers"
PEER_SCRIPT = PEERS / "oidc_provider.mjs"
PEER_CLIENT_ID = "atoll-peer"
SITE_CLIENT_ID = "atoll-e2e"

# Generous but bounded: a cold chromium on a busy 2-core machine.
TIMEOUT_MS = 15_000
START_TIMEOUT = 30.0
expect.set_options(timeout=TIMEOUT_MS)

SIGNED_IN = "html[data-atoll-auth='signed-in']"
SIGNED_OUT = "html[data-atoll-auth='signed-out']"
# A name claim that would run if it were ever inserted as HTML.
HTML_NAME = "<img src=x onerror=window.__pwned=1>"


@dataclass(frozen=True)
class DevUser:
    username: str
    password: str
    name: str
    email: str | None = None  # None: <username>@example.com


READER = DevUser("reader", "atoll-dev", "Dev Reader")
WRITER = DevUser("writer", "writer-pw", "Second Writer")
MALLORY = DevUser("mallory", "mallory-pw", HTML_NAME)
# A Cognito pool that signs in by email: the username is a UUID, the name is empty.
UUID_USER = DevUser("3be8456b-1c2d-4e5f-8a9b-0c1d2e3f4a5b", "uuid-pw", "", "ada@example.com")
DEV_USERS = (READER, WRITER, MALLORY, UUID_USER)

PAGES = {
    "content/index.md": """
        ---
        title: Home
        ---
        The home page of the end-to-end test site.
        """,
    "content/docs/guide/deep.md": """
        ---
        title: Deep page
        ---
        A page deep in the docs, to sign in from and come back to.

        ## Section two

        More text.
        """,
    "content/account.md": """
        ---
        title: Account
        ---
        Your sessions on this site.

        <button type="button" data-atoll-signout="everywhere" data-atoll-show="signed-in">Sign out everywhere</button>
        """,
    "content/todos.md": """
        ---
        title: To-dos
        auth: required
        layout: todos
        ---
        Your own to-do list.

        <div data-todos></div>
        """,
    "content/members.md": """
        ---
        title: Members
        ---
        <p data-atoll-group="readers" id="for-readers">For readers.</p>
        <p data-atoll-group="admins" id="for-admins">For admins.</p>
        """,
}


def write_site(root: Path, *, authority: str | None = None, client_id: str = SITE_CLIENT_ID,
               post_login_path: str = "/todos/", browser_tokens: bool = False,
               auth_extra: dict[str, Any] | None = None, companion_extra: dict[str, Any] | None = None) -> Path:
    """A site in ``root`` signing in through ``authority`` (None: the dev provider, with :data:`DEV_USERS`);
    ``auth_extra`` and ``companion_extra`` add settings to those blocks of site.yaml."""
    auth = [f"client_id: {client_id}", f"post_login_path: {post_login_path}",
            f"browser_tokens: {json.dumps(browser_tokens)}"]
    auth += [f"{key}: {json.dumps(value)}" for key, value in (auth_extra or {}).items()]
    if authority is not None:
        auth.append(f"authority: {authority}")
    auth.append("dev_users:")
    auth += [f"  - {json.dumps({'username': u.username, 'password': u.password, 'name': u.name})}"
             if u.email is None else
             f"  - {json.dumps({'username': u.username, 'password': u.password, 'name': u.name, 'email': u.email})}"
             for u in DEV_USERS]
    site_yaml = "title: E2E site\ntheme: example\nauth:\n" + "".join(f"  {line}\n" for line in auth) + (
        "companion:\n  api: example.todos:create_app\n  database: .atoll/todos.sqlite3\n") + "".join(
        f"  {key}: {json.dumps(value)}\n" for key, value in (companion_extra or {}).items())
    shutil.copytree(REPO / "example", root / "example", ignore=shutil.ignore_patterns("__pycache__"),
                    dirs_exist_ok=True)
    for name, text in {"site.yaml": site_yaml, **PAGES}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


# ---------------------------------------------------------------------------- processes


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """The status of a GET, or None when nothing answers."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)
    except (OSError, ValueError):
        return None


@dataclass
class Process:
    """A server subprocess in its own process group, its output in ``log``."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def wait_until_ready(self, url: str, timeout: float = START_TIMEOUT, status: int = 200) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}:\n{self.log_tail()}")
            if http_status(url) == status:
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {url} within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGINT (a clean stop), then SIGKILL to the group this helper started."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)  # stray children (build workers), if any
        except (ProcessLookupError, PermissionError):
            pass
        self.popen.wait(timeout=5)


def start_process(name: str, argv: list[str], log: Path, *, cwd: Path = REPO,
                  env: dict[str, str] | None = None) -> Process:
    """``argv`` in its own session, with ``env`` added to this environment."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        popen = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True, env={**os.environ, **(env or {})})
    return Process(name, popen, log)


def atoll_command() -> list[str]:
    return console_script("atoll", "atoll")


@dataclass
class AtollSite:
    """A running ``atoll serve``: the site at ``url``, the dev provider (if any) at ``idp_url``."""

    url: str
    idp_url: str | None
    process: Process

    def stop(self) -> None:
        self.process.stop()


def serve_site(root: Path, *, port: int | None = None, idp_port: int | None = None,
               dev_idp: bool = True) -> AtollSite:
    port = port or free_port()
    idp_port = idp_port or free_port()
    url = f"http://127.0.0.1:{port}"
    argv = [*atoll_command(), "serve", "--site", str(root), "--port", str(port), "--idp-port", str(idp_port),
            "--jobs", "1"]
    process = start_process(f"atoll serve on {url}", argv, root.parent / f"serve-{port}.log")
    process.wait_until_ready(f"{url}/")
    if "search: false" not in (root / "site.yaml").read_text(encoding="utf-8"):
        process.wait_until_ready(f"{url}/pagefind/pagefind.js")  # built after the pages, in the background
    idp_url = f"http://127.0.0.1:{idp_port}" if dev_idp else None
    if idp_url is not None:
        process.wait_until_ready(f"{idp_url}/.well-known/openid-configuration")
    return AtollSite(url, idp_url, process)


def require_peer() -> str:
    """The ``node`` to run node-oidc-provider with: skips without Node (as the JS unit tests do),
    fails when the npm package is missing, since the suite is meant to cover that provider."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the third-party provider tests need Node 20 or later")
    if not (PEERS / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("tests/peers/node_modules has no oidc-provider: run `sh tools/setup-test.sh` "
                    "(or `npm ci` in tests/peers)")
    return node


@dataclass
class Peer:
    issuer: str
    client_id: str
    process: Process

    def stop(self) -> None:
        self.process.stop()

    def requests(self) -> list[str]:
        """``METHOD /path STATUS`` lines the provider has logged so far."""
        return [line for line in self.process.log_tail(1 << 20).splitlines() if line[:4] in ("GET ", "POST")]


def start_peer(site_origin: str, log_dir: Path, *, token_ttl: int = 3600, options: Sequence[str] = ()) -> Peer:
    """``options``: the peer script's behaviour flags, e.g. ``--no-kid``, ``--groups-at-userinfo``."""
    node = require_peer()
    port = free_port()
    argv = [node, str(PEER_SCRIPT), "--port", str(port), "--site", site_origin,
            "--client-id", PEER_CLIENT_ID, "--token-ttl", str(token_ttl), *options]
    process = start_process(f"oidc-provider on port {port}", argv, log_dir / f"peer-{port}.log", cwd=PEERS)
    issuer = f"http://127.0.0.1:{port}"
    process.wait_until_ready(f"{issuer}/.well-known/openid-configuration")
    return Peer(issuer, PEER_CLIENT_ID, process)


def serve_with_peer(root: Path, *, token_ttl: int = 3600, browser_tokens: bool = False,
                    peer_options: Sequence[str] = (), authority_suffix: str = "") -> tuple[Peer, AtollSite]:
    """node-oidc-provider, then ``atoll serve`` with ``auth.authority`` set to it (no dev provider);
    ``authority_suffix`` is appended to the issuer as site.yaml writes it (e.g. a trailing "/")."""
    port = free_port()
    root.mkdir(parents=True, exist_ok=True)
    peer = start_peer(f"http://127.0.0.1:{port}", root.parent, token_ttl=token_ttl, options=peer_options)
    try:
        write_site(root, authority=peer.issuer + authority_suffix, client_id=peer.client_id, post_login_path="/",
                   browser_tokens=browser_tokens)
        return peer, serve_site(root, port=port, dev_idp=False)
    except BaseException:
        peer.stop()
        raise


# ---------------------------------------------------------------------------- browsers

WATCH_SCRIPT = """
(() => {
  window.__cspViolations = [];
  addEventListener("securitypolicyviolation", (event) => {
    const violation = {
      directive: event.effectiveDirective, blocked: event.blockedURI, document: event.documentURI,
      source: event.sourceFile, line: event.lineNumber, sample: event.sample,
    };
    window.__cspViolations.push(violation);
    window.__atollReportViolation?.(violation);
  }, true);
})();
"""


@dataclass
class Reader:
    """One reader: a fresh browser context and its page, on the site at ``site``."""

    context: BrowserContext
    page: Page
    site: str
    violations: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    third_party: list[tuple[str, str]] = field(default_factory=list)  # (page URL, blocked URL)

    @classmethod
    def open(cls, browser: Browser, site: str) -> Reader:
        context = browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        reader = cls(context, context.new_page(), site)
        context.expose_binding("__atollReportViolation", lambda source, violation: reader.violations.append(violation))
        context.add_init_script(WATCH_SCRIPT)
        context.route(lambda url: not url.startswith("http://127.0.0.1:"), reader._block)
        context.on("request", lambda request: reader.requests.append(request))
        return reader

    def _block(self, route: Route) -> None:
        # The frame's URL is the document asking (for a navigation: the one being left).
        self.third_party.append((route.request.frame.url, route.request.url))
        route.abort()

    def new_page(self) -> Page:
        """Another tab of the same reader (shares cookies and localStorage, not sessionStorage)."""
        return self.context.new_page()

    def close(self) -> None:
        self.context.close()

    # ------------------------------------------------------------ navigation

    def visit(self, path: str, page: Page | None = None) -> Page:
        """Open ``path`` on the site and wait until the islands know the auth state."""
        page = page or self.page
        page.goto(self.site + path)
        page.locator(f"{SIGNED_IN}, {SIGNED_OUT}").wait_for(state="attached")
        return page

    def click_sign_in(self, page: Page | None = None) -> None:
        (page or self.page).locator("button[data-atoll-signin]:visible").first.click()

    def click_sign_out(self, page: Page | None = None) -> None:
        (page or self.page).locator("button[data-atoll-signout]:visible").first.click()

    def dev_login(self, user: DevUser, page: Page | None = None) -> None:
        """Fill in the dev identity provider's form (the page must be on it)."""
        page = page or self.page
        page.locator("input[name=username]").fill(user.username)
        page.locator("input[name=password]").fill(user.password)
        page.locator("button[type=submit]").click()

    def peer_login(self, login: str, page: Page | None = None) -> None:
        """node-oidc-provider's dev interactions: the login form, then the consent page when it asks."""
        page = page or self.page
        page.locator("input[name=login]").fill(login)
        page.locator("input[name=password]").fill("any password")
        page.locator("button[type=submit]").click()
        consent = page.locator("button[type=submit]:has-text('Continue')")
        landed = page.locator(f"{SIGNED_IN}, [data-atoll-callback-error]")
        consent.or_(landed).first.wait_for()
        if consent.count():
            consent.click()

    def sign_in(self, user: DevUser = READER, path: str = "/docs/guide/deep/") -> None:
        """From ``path``: Sign in -> the dev provider's form -> back, signed in."""
        self.visit(path)
        self.click_sign_in()
        self.dev_login(user)
        self.page.locator(SIGNED_IN).wait_for(state="attached")

    def sign_in_at_peer(self, login: str, path: str = "/docs/guide/deep/") -> None:
        """From ``path``: Sign in -> node-oidc-provider's login and consent -> back, signed in."""
        self.visit(path)
        self.click_sign_in()
        self.peer_login(login)
        self.page.locator(SIGNED_IN).wait_for(state="attached")

    def sign_out_at_peer(self, peer: Peer) -> dict[str, list[str]]:
        """Sign out, say yes on the provider's end-session page, be back on the site signed out.
        Returns the end-session request's parameters."""
        self.click_sign_out()
        self.page.wait_for_url(f"{peer.issuer}/session/end?*")
        params = query_of(self.page.url)
        self.page.locator("button[name=logout][value=yes]").click()
        self.page.locator(SIGNED_OUT).wait_for(state="attached")
        return params

    # ------------------------------------------------------------ what the reader has

    def fetch(self, path: str, page: Page | None = None) -> dict[str, Any]:
        """A same-origin GET from the page, with its cookies (the HttpOnly session too): ``{status, body}``."""
        return (page or self.page).evaluate(
            """async (path) => {
                 const response = await fetch(path, {
                   credentials: "same-origin", headers: { Accept: "application/json" } });
                 const text = await response.text();
                 let body = null;
                 try { body = JSON.parse(text); } catch {}
                 return { status: response.status, body };
               }""",
            path,
        )

    def session_user(self, page: Page | None = None) -> dict[str, Any] | None:
        """The companion's answer to ``GET /auth/session`` from the page: the user, or None (signed out)."""
        answer = self.fetch("/auth/session", page)
        assert answer["status"] == 200, answer
        user: dict[str, Any] | None = answer["body"]["user"]
        return user

    def cookie(self, name: str) -> dict[str, Any] | None:
        return next((dict(c) for c in self.context.cookies(self.site) if c["name"] == name), None)

    def session_storage(self, page: Page | None = None) -> dict[str, str]:
        return dict((page or self.page).evaluate("() => ({ ...sessionStorage })"))

    def requested(self, prefix: str, method: str | None = None) -> list[Request]:
        return [r for r in self.requests if r.url.startswith(prefix) and (method is None or r.method == method)]

    def user_text(self, page: Page | None = None) -> str:
        return (page or self.page).locator("[data-atoll-user]").first.text_content() or ""

    # ------------------------------------------------------------ the checks every test ends with

    def assert_clean(self) -> None:
        """No CSP violation on any page, no script run from injected markup, nothing third-party loaded by the site."""
        for page in self.context.pages:
            if not page.is_closed() and not page.url.startswith("about:"):
                assert page.evaluate("() => window.__cspViolations") == [], page.url
                assert page.evaluate("() => window.__pwned") is None, f"injected markup ran on {page.url}"
        assert self.violations == [], f"CSP violations: {self.violations}"
        from_site = [(where, url) for where, url in self.third_party if where.startswith(self.site)]
        assert from_site == [], f"the site loaded third-party resources: {from_site}"


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)
