"""The build cache is saved in parts, and a part nothing changed in is written as it was read."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path
from typing import Any

import pytest

from atoll.build import cache, seal
from atoll.build.content import UNREAD
from atoll.build.incremental import BuildState, Entry, SourceRecord
from sitekit import run_atoll, write_files

PAGES = 40
SITE: dict[str, str | bytes] = {
    "site.yaml": "title: Parts\nbase_url: https://parts.example/\nsearch: false\n",
    **{f"content/page-{i:02}.md": f"---\ntitle: Page {i}\n---\nBody {i}.\n" for i in range(PAGES)},
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = write_files(tmp_path / "site", SITE)
    assert run_atoll("build", "--site", root).code == 0
    return root


def edited(state: BuildState, source: str, output: str) -> BuildState:
    """``state`` with one source's record and one output's entry made anew, one entry dropped
    and one added, as a build after an edit would leave it."""
    record = state.sources[source]
    sources = {**state.sources, source: SourceRecord((record.stat[0] + 1, record.stat[1]), "new-digest", record.page)}
    entries = {**state.entries, output: Entry("new-fingerprint", ("tpl:page.html",), "new-key", (1, 2))}
    del entries[next(name for name in entries if name != output)]
    entries["extra/index.html"] = Entry("extra", ())
    return dataclasses.replace(state, sources=sources, entries=entries)


def values(state: BuildState) -> tuple[dict[str, Any], dict[str, Entry]]:
    return {name: (r.stat, r.digest, r.page.url) for name, r in state.sources.items()}, state.entries


def test_a_state_saved_like_the_loaded_one_reads_back_with_every_change(site: Path) -> None:
    loaded, notes = cache.load(site)
    assert notes == [] and len(loaded.sources) == PAGES
    changed = edited(loaded, "content/page-07.md", "page-07/index.html")
    cache.save(site, changed, like=loaded)
    again, notes = cache.load(site)
    assert notes == []
    assert values(again) == values(changed)
    assert again == changed  # the other fields too


def test_after_one_change_only_its_parts_are_pickled_again(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded, _ = cache.load(site)
    changed = dataclasses.replace(loaded, sources={
        **loaded.sources, "content/page-07.md": dataclasses.replace(loaded.sources["content/page-07.md"],
                                                                    digest="new-digest")})
    dumped: list[object] = []
    real_dumps = pickle.dumps

    def counting(obj: object, *args: Any, **kwargs: Any) -> bytes:
        dumped.append(obj)
        return real_dumps(obj, *args, **kwargs)

    monkeypatch.setattr(cache.pickle, "dumps", counting)
    cache.save(site, changed, like=loaded)
    parts = [obj for obj in dumped if isinstance(obj, dict)]
    assert len(parts) == 1 and "content/page-07.md" in parts[0]  # one part of the sources; entries as read
    dumped.clear()
    cache.save(site, changed)  # without the loaded state: every part
    assert len([obj for obj in dumped if isinstance(obj, dict)]) == 2 * cache.PARTS
    monkeypatch.undo()
    assert values(cache.load(site)[0]) == values(changed)


def test_a_saved_page_leaves_its_body_to_be_read_again(site: Path) -> None:
    loaded, _ = cache.load(site)
    assert all(record.page.body == UNREAD for record in loaded.sources.values())


@pytest.mark.parametrize("shape", ["a state of another version", "a foreign pickle"])
def test_a_cache_of_another_shape_is_discarded(site: Path, shape: str) -> None:
    loaded, _ = cache.load(site)
    if shape == "a state of another version":
        data: object = (dataclasses.replace(loaded, sources={}, entries={}, stored=None, version="0.0.0/0"), [], [])
    else:
        data = {"sources": {}}
    cache.cache_path(site).write_bytes(seal.seal(pickle.dumps(data)))
    result = run_atoll("build", "--site", site)
    assert result.code == 0 and "build cache is from another Atoll version" in result.err
    assert " unchanged)" not in result.out
    assert len(cache.load(site)[0].sources) == PAGES  # and a good one is written in its place
