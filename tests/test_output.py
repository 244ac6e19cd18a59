from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from atoll.build.output import MARKER, Staging, check_output_location
from atoll.errors import SiteError


@pytest.mark.parametrize("out", [".", "content", "content/dist", "public", "layouts/x", ".."])
def test_output_overlapping_sources_is_refused(tmp_path: Path, out: str) -> None:
    site = tmp_path / "a" / "site"
    for name in ("content", "layouts", "public"):
        (site / name).mkdir(parents=True)
    with pytest.raises(SiteError):
        check_output_location(site, site / out)


def test_foreign_non_empty_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    docs = tmp_path / "my-documents"
    docs.mkdir()
    (docs / "thesis.txt").write_text("precious")
    with pytest.raises(SiteError, match="not written by Atoll"):
        check_output_location(tmp_path / "site", docs)
    check_output_location(tmp_path / "site", tmp_path / "dist")  # missing is fine


def test_staging_swaps_in_only_on_commit(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    first = Staging(out)
    first.write("index.html", b"one")
    first.commit()
    second = Staging(out)
    second.write("a/b/index.html", b"two")
    assert (out / "index.html").read_bytes() == b"one"  # not yet swapped
    second.discard()
    assert (out / "index.html").read_bytes() == b"one" and (out / MARKER).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_leftovers_of_an_interrupted_build_are_swept(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    Staging(out)  # never committed nor discarded, as after a kill -9
    Staging(out).commit()
    sweeper = Staging(out).commit()  # replaces an existing output: the old one is swept in a thread
    assert sweeper is not None
    sweeper.join()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_output_folders_get_the_mode_of_a_plain_mkdir(make_site, umask: int) -> None:
    """Not tempfile's 0700: nginx running as another user must be able to read the web root."""
    from sitekit import run_atoll

    site = make_site({"content/index.md": "---\ntitle: Home\n---\nHi\n",
                      "content/blog/post.md": "---\ntitle: Post\ndate: 2026-01-01\n---\nText\n",
                      "public/css/site.css": "body {}\n"})
    previous = os.umask(umask)
    try:
        for _ in range(2):  # the first build, and one swapped in over an existing output
            assert run_atoll("build", "--site", site).code == 0
            dist = site / "dist"
            folders = [dist, *(p for p in dist.rglob("*") if p.is_dir())]
            assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o777 & ~umask}
            files = [p for p in dist.rglob("*") if p.is_file()]
            assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o666 & ~umask}
    finally:
        os.umask(previous)
