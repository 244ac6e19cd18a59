"""A symbolic link in content/ or public/ that leads outside the site is never published, nor served."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from serve_helpers import dev_server, get
from sitekit import run_atoll, tree, write_files

SITE = {
    "site.yaml": "title: Links\n",
    "content/index.md": "---\ntitle: Home\n---\nHello.\n",
    "public/css/site.css": "body { color: black }\n",
}
SECRET = "root:x:0:0:the secret outside the site\n"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    (secret.parent / "notes.md").write_text("---\ntitle: Notes\n---\n" + SECRET)
    return secret


def site_with(tmp_path: Path, link: str, target: Path) -> Path:
    site = write_files(tmp_path / "site", SITE)
    (site / link).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, site / link)
    return site


@pytest.mark.parametrize(("link", "target"), [
    ("public/secret.txt", "secret.txt"),
    ("public/docs", "."),  # a linked folder
    ("content/notes.md", "notes.md"),
])
def test_a_link_out_of_the_site_fails_the_build_naming_it(tmp_path: Path, outside: Path, link: str,
                                                          target: str) -> None:
    site = write_files(tmp_path / "site", SITE)
    assert run_atoll("build", "--site", site).code == 0
    before = tree(site / "dist")
    os.symlink(outside.parent / target, site / link)
    result = run_atoll("build", "--site", site)
    assert result.code == 1
    real = (outside.parent / target).resolve()
    assert f"{link}: symbolic link to {real}, outside the site: Atoll never publishes files from outside " \
           "the site" in result.err
    assert "hint: copy the file into the site, or delete the link" in result.err
    assert tree(site / "dist") == before  # the previous output stays, and carries no secret
    assert all(SECRET.encode() not in data for data in before.values())


def test_a_link_to_the_public_folder_itself_out_of_the_site_is_refused(tmp_path: Path, outside: Path) -> None:
    site = write_files(tmp_path / "site", {"site.yaml": "title: Links\n",
                                           "content/index.md": "---\ntitle: Home\n---\nHello.\n"})
    os.symlink(outside.parent, site / "public")
    result = run_atoll("build", "--site", site)
    assert result.code == 1 and "public: symbolic link to" in result.err


def test_links_that_stay_inside_the_site_are_published(tmp_path: Path) -> None:
    site = site_with(tmp_path, "public/alias.css", Path("css/site.css"))
    os.symlink("../public/css/site.css", site / "content" / "ignored.css")
    result = run_atoll("build", "--site", site)
    assert result.code == 0, result.err
    assert (site / "dist/alias.css").read_text() == SITE["public/css/site.css"]
    assert not (site / "dist/alias.css").is_symlink()


def test_the_dev_server_never_serves_a_link_out_of_the_site(tmp_path: Path, outside: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    with dev_server(site) as server:
        assert get(server.origin + "/")[0] == 200
        os.symlink(outside, site / "public/secret.txt")
        os.symlink(outside.parent / "notes.md", site / "content/notes.md")
        deadline = time.monotonic() + 15
        while "outside the site" not in server.log_text.getvalue():  # type: ignore[attr-defined]
            assert time.monotonic() < deadline, server.log_text.getvalue()  # type: ignore[attr-defined]
            time.sleep(0.05)
        for path in ("/secret.txt", "/notes/"):
            status, _, body = get(server.origin + path)
            assert status == 404 and SECRET.encode() not in body, path
