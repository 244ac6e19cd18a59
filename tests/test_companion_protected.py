"""The companion's gates over WSGI: protected files by their manifest, and GET /auth/check."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest

from atoll.companion import CompanionSettings, create_app
from atoll.gate.manifest import Entry, Manifest, Rule
from atoll.gate.rules import Access
from companion_helpers import ORIGIN, SECRET, Result, call, session_cookie

MEMBERS_TEXT = b"<p>Only members read this: walrus-42.</p>"
STAFF_TEXT = b"<p>Staff plan: heron-17.</p>"
PROMPT = b"<h1>Members notes</h1><button data-atoll-signin>Sign in</button>"
FORBIDDEN = b"<h1>Staff plan</h1><p>For members of staff.</p><button data-atoll-signout>Sign out</button>"


def write_protected(root: Path) -> Path:
    files = {
        "members/notes/index.html": MEMBERS_TEXT,
        "members/notes/chart.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        "staff/plan/index.html": STAFF_TEXT,
        ".atoll/prompt/members/notes/index.html": PROMPT,
        ".atoll/prompt/staff/plan/index.html": PROMPT,
        ".atoll/forbidden/staff/plan/index.html": FORBIDDEN,
    }
    staff = Access((("staff",),))
    manifest = Manifest(urls={
        "/members/notes/": Entry("members/notes/index.html", Access(),
                                 prompt=".atoll/prompt/members/notes/index.html"),
        "/members/notes/chart.svg": Entry("members/notes/chart.svg", Access()),
        "/staff/plan/": Entry("staff/plan/index.html", staff, prompt=".atoll/prompt/staff/plan/index.html",
                              forbidden=".atoll/forbidden/staff/plan/index.html"),
    }, rules=(Rule("/staff/**", staff),))
    files[".atoll/manifest.json"] = manifest.to_json()
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


@pytest.fixture
def protected(tmp_path: Path) -> Path:
    return write_protected(tmp_path / "dist-protected")


def store(folder: Path) -> str:
    """The gates and the sign-ins of a test share one session store beside the folder."""
    return f"sqlite:///{folder.parent / 'sessions.sqlite3'}"


def gate(folder: Path, secret: str = SECRET) -> Any:
    return create_app(CompanionSettings(issuer="http://127.0.0.1:9", client_id="c", origin=ORIGIN, secret=secret,
                                        protected=folder, sessions=store(folder)))


def cookie(folder: Path, groups: list[str] | None = None, *, expires_in: int = 3600, secret: str = SECRET) -> str:
    return session_cookie(gate(folder, secret), sub="s1", username="ann", name="Ann", groups=groups,
                          expires_in=expires_in)


def get(app: Any, path: str, cookie_header: str | None = None, method: str = "GET", **headers: str) -> Result:
    if cookie_header:
        headers["Cookie"] = cookie_header
    return call(app, method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})


def test_a_member_gets_the_page_privately(protected: Path) -> None:
    result = get(gate(protected), "/members/notes/", cookie(protected))
    assert result.status == 200 and result.body == MEMBERS_TEXT
    assert result.header("Content-Type") == "text/html; charset=utf-8"
    assert result.header("Cache-Control") == "private, no-store"
    assert result.header("Vary") == "Cookie"
    assert result.header("ETag")


def test_etag_gives_304_and_head_gives_no_body(protected: Path) -> None:
    app = gate(protected)
    etag = get(app, "/members/notes/", cookie(protected)).header("ETag")
    assert etag is not None
    again = get(app, "/members/notes/", cookie(protected), If_None_Match=etag)
    assert again.status == 304 and again.body == b"" and again.header("ETag") == etag
    head = get(app, "/members/notes/", cookie(protected), method="HEAD")
    assert head.status == 200 and head.body == b"" and head.header("Content-Length") == str(len(MEMBERS_TEXT))


def test_files_beside_a_page_get_their_content_type(protected: Path) -> None:
    result = get(gate(protected), "/members/notes/chart.svg", cookie(protected))
    assert result.status == 200 and result.header("Content-Type") == "image/svg+xml; charset=utf-8"


def test_signed_out_readers_get_the_prompt_with_401(protected: Path) -> None:
    result = get(gate(protected), "/members/notes/")
    assert result.status == 401 and result.body == PROMPT
    assert result.header("Cache-Control") == "no-store" and result.header("Vary") == "Cookie"


@pytest.mark.parametrize("make", [
    lambda folder: cookie(folder, expires_in=-10),  # expired
    lambda folder: cookie(folder, secret="another-secret-" + "y" * 32),  # signed with another key
    lambda folder: cookie(folder)[:-3] + "abc",  # tampered
])
def test_expired_or_forged_sessions_get_the_prompt_never_the_content(protected: Path, make: Any) -> None:
    result = get(gate(protected), "/members/notes/", make(protected))
    assert result.status == 401 and MEMBERS_TEXT not in result.body


def test_non_members_get_the_403_page(protected: Path) -> None:
    result = get(gate(protected), "/staff/plan/", cookie(protected, ["readers"]))
    assert result.status == 403 and result.body == FORBIDDEN
    assert get(gate(protected), "/staff/plan/", cookie(protected, ["staff"])).body == STAFF_TEXT


@pytest.mark.parametrize("path", [
    "/members/notes", "/members/notes/index.html", "/Members/Notes/", "/public/../members/notes/",
    "/members//notes/", "/members\\notes\\",
])
def test_other_spellings_cannot_skip_the_rule(protected: Path, path: str) -> None:
    result = get(gate(protected), path)
    assert MEMBERS_TEXT not in result.body
    assert result.status in (301, 401)


def test_a_url_without_its_slash_is_redirected(protected: Path) -> None:
    result = get(gate(protected), "/members/notes", cookie(protected))
    assert result.status == 301 and result.header("Location") == "/members/notes/"


@pytest.mark.parametrize("path", ["/.atoll/manifest.json", "/.atoll/forbidden/staff/plan/index.html",
                                  "/../dist-protected/members/notes/index.html", "/about/"])
def test_nothing_outside_the_manifest_is_served(protected: Path, path: str) -> None:
    result = get(gate(protected), path, cookie(protected, ["staff"]))
    assert result.status in (400, 404), path


def test_a_symlink_out_of_the_folder_is_not_followed(protected: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"server secret")
    target = protected / "members" / "notes" / "chart.svg"
    target.unlink()
    os.symlink(secret, target)
    result = get(gate(protected), "/members/notes/chart.svg", cookie(protected))
    assert result.status == 404 and b"server secret" not in result.body


def test_a_missing_manifest_refuses_everything(protected: Path, caplog: pytest.LogCaptureFixture) -> None:
    (protected / ".atoll" / "manifest.json").unlink()
    app = gate(protected)
    with caplog.at_level(logging.ERROR, "atoll.gate"):
        page = get(app, "/members/notes/", cookie(protected, ["staff"]))
        check = get(app, "/auth/check", cookie(protected, ["staff"]), X_Original_URI="/members/notes/")
    assert page.status == 503 and page.json()["error"] == "gate_unavailable"
    assert check.status == 503
    assert "protected pages refused" in caplog.text


def test_auth_check_answers_reverse_proxies(protected: Path) -> None:
    app = gate(protected)
    assert get(app, "/auth/check", X_Original_URI="/about/").status == 204
    assert get(app, "/auth/check", X_Original_URI="/members/notes/?x=1").status == 401
    assert get(app, "/auth/check", cookie(protected, ["readers"]), X_Forwarded_Uri="/staff/plan/").status == 403
    assert get(app, "/auth/check", cookie(protected, ["readers"]), X_Forwarded_Uri="/staff/unbuilt.pdf").status == 403
    allowed = get(app, "/auth/check", cookie(protected, ["staff", "a,b"]), X_Original_URI="/staff/plan/")
    assert allowed.status == 204 and allowed.body == b""
    assert allowed.header("X-Atoll-User") == "ann" and allowed.header("X-Atoll-Groups") == "staff,a%2Cb"


@pytest.mark.parametrize("uri", ["/public/%2e%2e/members/notes/", "/MEMBERS/notes/index.html",
                                 "/members%2Fnotes/", "//members/notes"])
def test_auth_check_sees_through_encodings(protected: Path, uri: str) -> None:
    assert get(gate(protected), "/auth/check", X_Original_URI=uri).status == 401


@pytest.mark.parametrize("headers", [{}, {"X_Original_URI": "/a/%00/"}, {"X_Original_URI": "/../x"}])
def test_auth_check_refuses_what_it_cannot_decide(protected: Path, headers: dict[str, str]) -> None:
    result = get(gate(protected), "/auth/check", **headers)
    assert result.status == 400 and "error" in result.json()
