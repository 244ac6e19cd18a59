"""The docs' nginx recipe, run against a real nginx and the companion: dist/ public,
dist-protected/ behind auth_request, the prompt and 403 pages from the companion."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from atoll.companion import CompanionSettings, create_app
from atoll.wsgi.server import start_background, stop
from companion_helpers import ORIGIN, SECRET
from nginx_helpers import Nginx, start_nginx
from test_companion_protected import FORBIDDEN, MEMBERS_TEXT, PROMPT, STAFF_TEXT, store, write_protected
from test_companion_protected import cookie as session_in

PUBLIC_HOME = b"<h1>Home</h1>"


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


# The protected folder of the running proxy: sign-ins go to the session store beside it.
FOLDER: list[Path] = []


def cookie(groups: list[str] | None = None, **options: Any) -> str:
    return session_in(FOLDER[0], groups, **options)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    root = tmp_path_factory.mktemp("nginx")
    protected = write_protected(root / "dist-protected")
    dist = root / "dist"
    for rel, data in {"index.html": PUBLIC_HOME, "404.html": b"<h1>Not found</h1>",
                      "members/notes/index.html": PROMPT, "staff/plan/index.html": PROMPT}.items():
        (dist / rel).parent.mkdir(parents=True, exist_ok=True)
        (dist / rel).write_bytes(data)
    app = create_app(CompanionSettings(issuer="http://127.0.0.1:9", client_id="c", origin=ORIGIN, secret=SECRET,
                                       protected=protected, sessions=store(protected)))
    FOLDER[:] = [protected]
    server, url = start_background(app)
    nginx = start_nginx(companion=url.removeprefix("http://"), dist=dist, protected=protected,
                        scratch=root / "nginx")
    yield nginx
    nginx.stop()
    stop(server)


def fetch(proxy: Nginx, path: str, cookie_value: str | None = None, method: str = "GET",
          **headers: str) -> Answer:
    connection = http.client.HTTPConnection(proxy.url.removeprefix("http://"), timeout=10)
    sent = {k.replace("_", "-"): v for k, v in headers.items()}
    if cookie_value:
        sent["Cookie"] = cookie_value
    connection.request(method, path, headers=sent)
    response = connection.getresponse()
    answer = Answer(response.status, response.headers, response.read())
    connection.close()
    return answer


def test_public_files_are_served_as_they_are(proxy: Nginx) -> None:
    answer = fetch(proxy, "/")
    assert answer.status == 200 and answer.body == PUBLIC_HOME


def test_a_member_reads_the_page_through_nginx(proxy: Nginx) -> None:
    answer = fetch(proxy, "/members/notes/", cookie())
    assert answer.status == 200 and answer.body == MEMBERS_TEXT
    assert answer.headers["Cache-Control"] == "private, no-store" and answer.headers["Vary"] == "Cookie"
    assert answer.headers["Content-Type"].startswith("text/html")
    again = fetch(proxy, "/members/notes/", cookie(), If_None_Match=answer.headers["ETag"])
    assert again.status == 304 and again.body == b""
    assert fetch(proxy, "/members/notes/chart.svg", cookie()).headers["Content-Type"] == "image/svg+xml"


def test_signed_out_readers_get_the_prompt_with_401(proxy: Nginx) -> None:
    answer = fetch(proxy, "/members/notes/")
    assert answer.status == 401 and answer.body == PROMPT


def test_non_members_get_the_403_page(proxy: Nginx) -> None:
    answer = fetch(proxy, "/staff/plan/", cookie(["readers"]))
    assert answer.status == 403 and answer.body == FORBIDDEN
    assert fetch(proxy, "/staff/plan/", cookie(["staff"])).body == STAFF_TEXT


@pytest.mark.parametrize("make", [lambda: cookie(expires_in=-10), lambda: cookie(secret="other-secret-" + "z" * 32)])
def test_expired_or_forged_sessions_get_the_prompt(proxy: Nginx, make: object) -> None:
    answer = fetch(proxy, "/members/notes/", make())  # type: ignore[operator]
    assert answer.status == 401 and MEMBERS_TEXT not in answer.body


@pytest.mark.parametrize("path", ["/members/notes/index.html", "/members/%6Eotes/", "/public/../members/notes/",
                                  "/members//notes/", "/members/notes/chart.svg"])
def test_other_spellings_go_through_the_gate(proxy: Nginx, path: str) -> None:
    answer = fetch(proxy, path)
    assert answer.status == 401 and MEMBERS_TEXT not in answer.body, path


@pytest.mark.parametrize("path", ["/_atoll_gate/members/notes/index.html", "/.atoll/manifest.json",
                                  "/.atoll/forbidden/staff/plan/index.html", "/_atoll_check"])
def test_the_gate_internals_cannot_be_requested(proxy: Nginx, path: str) -> None:
    answer = fetch(proxy, path, cookie(["staff"]))
    assert answer.status == 404 and MEMBERS_TEXT not in answer.body and STAFF_TEXT not in answer.body
