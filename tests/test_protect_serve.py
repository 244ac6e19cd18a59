"""`atoll serve` applies the same rules as the production gates (HTTP level; the browser tests sign in)."""

from __future__ import annotations

import time
from pathlib import Path

from serve_helpers import dev_server, get
from sitekit import write_files

SITE = {
    "site.yaml": "title: Dev\nauth:\n  client_id: dev-site\n  protect:\n    - {path: /staff/**, groups: [staff]}\n",
    "content/index.md": "---\ntitle: Home\n---\nHello.\n",
    "content/members.md": "---\ntitle: Members\nauth: required\n---\nMembers text gannet-3.\n",
    "content/staff/plan.md": "---\ntitle: Plan\n---\nStaff text gannet-4.\n",
}


def test_signed_out_readers_get_the_prompt_and_never_the_content(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        status, headers, body = get(server.origin + "/members/")
        assert status == 401 and b"gannet-3" not in body and b"data-atoll-signin" in body
        assert headers["Cache-Control"] == "no-store"
        status, _, body = get(server.origin + "/staff/plan/")
        assert status == 401 and b"gannet-4" not in body
        assert get(server.origin + "/")[0] == 200
        for path in ("/.atoll-protected/members/index.html", "/.atoll-protected/.atoll/manifest.json",
                     "/%2eatoll-protected/members/index.html", "/members/index.html", "/Members/"):
            status, _, body = get(server.origin + path)
            assert b"gannet-3" not in body and status in (301, 401, 404), path


def test_a_page_protected_after_a_save_is_gated_at_once(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        (site / "content/index.md").write_text("---\ntitle: Home\nauth: required\n---\nNow secret gannet-5.\n")
        deadline = time.monotonic() + 20
        while get(server.origin + "/")[0] != 401:
            assert time.monotonic() < deadline, server.log_text.getvalue()  # type: ignore[attr-defined]
            time.sleep(0.1)
        assert b"gannet-5" not in get(server.origin + "/")[2]


def test_a_body_edit_of_a_protected_page_reaches_only_the_protected_output(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        protected = server.builder.out / ".atoll-protected" / "members" / "index.html"
        assert b"gannet-3" in protected.read_bytes()
        (site / "content/members.md").write_text("---\ntitle: Members\nauth: required\n---\nEdited gannet-6.\n")
        deadline = time.monotonic() + 20
        while b"gannet-6" not in protected.read_bytes():
            assert time.monotonic() < deadline, server.log_text.getvalue()  # type: ignore[attr-defined]
            time.sleep(0.1)
        public = (server.builder.out / "members" / "index.html").read_bytes()
        assert b"gannet" not in public and b"data-atoll-signin" in public
