"""The dev server's watcher: a save starts one rebuild as soon as the saved file is finished.

The quiet periods are set far apart here (a long one for files that may still be
written, none for finished ones), so each test tells which one the watcher chose
without depending on how fast this machine is.
"""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from atoll.serve import watch
from atoll.serve.rebuild import Changes
from atoll.serve.watch import Watcher

Found = queue.Queue[tuple[float, Changes]]
LONG = 2.0  # the quiet for a file that may still be written; a finished one gets none


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "post.md").write_text("---\ntitle: Post\n---\nFirst.\n")
    return tmp_path


@pytest.fixture
def rebuilds(site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Found]:
    monkeypatch.setattr(watch, "QUIET", LONG)
    monkeypatch.setattr(watch, "SETTLED_QUIET", 0.0)
    monkeypatch.setattr(watch, "MAX_WAIT", 3 * LONG)
    found: Found = queue.Queue()
    watcher = Watcher(site, lambda changes: found.put((time.monotonic(), changes)))
    watcher.start()
    time.sleep(0.5)
    yield found
    watcher.stop()


def next_rebuild(found: Found) -> tuple[float, Changes]:
    return found.get(timeout=3 * LONG + 5)


def test_a_file_written_and_closed_is_rebuilt_without_the_long_quiet(site: Path, rebuilds: Found) -> None:
    saved = time.monotonic()
    (site / "content" / "post.md").write_text("---\ntitle: Post\n---\nSecond.\n")
    at, changes = next_rebuild(rebuilds)
    assert changes.paths == {"content/post.md"}
    assert at - saved < LONG
    assert rebuilds.empty()


def test_an_editors_rename_into_place_is_rebuilt_without_the_long_quiet(site: Path, rebuilds: Found) -> None:
    temp = site / "content" / ".post.md.swp"  # an editor's temporary file: not a page
    temp.write_text("---\ntitle: Post\n---\nAtomic.\n")
    saved = time.monotonic()
    os.replace(temp, site / "content" / "post.md")
    at, changes = next_rebuild(rebuilds)
    assert changes.paths == {"content/post.md"} and at - saved < LONG


def test_a_backup_then_write_save_is_one_rebuild_of_the_saved_file(site: Path, rebuilds: Found) -> None:
    post = site / "content" / "post.md"
    os.rename(post, site / "content" / "post.md~")  # the backup: the file is gone for a moment
    post.write_text("---\ntitle: Post\n---\nRewritten.\n")
    _, changes = next_rebuild(rebuilds)
    assert changes.paths == {"content/post.md"}
    time.sleep(0.2)
    assert rebuilds.empty()


@pytest.mark.parametrize("change", ["touched", "deleted"])
def test_a_change_that_may_be_followed_by_more_waits_for_the_quiet(site: Path, rebuilds: Found,
                                                                   change: str) -> None:
    post = site / "content" / "post.md"
    changed = time.monotonic()
    if change == "touched":
        os.utime(post, ns=(time.time_ns(), time.time_ns()))  # its metadata: no write, no close
    else:
        post.unlink()
    at, changes = next_rebuild(rebuilds)
    assert changes.paths == {"content/post.md"}
    assert at - changed >= LONG
