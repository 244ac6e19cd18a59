"""Rendered markdown is kept by content: a layout edit or a moved page re-runs no markdown,
and whatever else the HTML depends on (extensions, base path, folder, files) is honoured."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from atoll.build import markup
from atoll.serve.rebuild import Changes, LiveBuilder
from sitekit import clean_build, png, run_atoll, tree, write_files

SITE = {
    "site.yaml": "title: Cache\nbase_url: http://127.0.0.1:4321/\n",
    "layouts/post.html": '{% extends "base.html" %}{% block main %}{{ page.html }}{% endblock %}',
    "content/index.md": "---\ntitle: Home\n---\nSee [the first post](blog/a.md#part).\n",
    "content/blog/a.md": "---\ntitle: A\ndate: 2026-01-01\n---\n## Part\n\nBody a.\n",
    "content/blog/b.md": "---\ntitle: B\ndate: 2026-01-02\n---\n```python\nx = 1\n```\n",
    "content/guide/setup.md": "---\ntitle: Setup\n---\n![The diagram](diagram.png)\n\n!!! note\n    Careful.\n",
    "content/guide/diagram.png": png(40, 30),
    "content/other/diagram.png": png(70, 50),
}


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages whose markdown was converted, in this process."""
    seen: list[str] = []
    original = markup.MarkupRenderer.render

    def counting(self: markup.MarkupRenderer, page, table):  # type: ignore[no-untyped-def]
        seen.append(page.source)
        return original(self, page, table)

    monkeypatch.setattr(markup.MarkupRenderer, "render", counting)
    return seen


def later(path: Path) -> None:
    """A rewrite seen as one even on file systems with coarse timestamps."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000))


def built(site: Path, *args: str | Path) -> dict[str, bytes]:
    result = run_atoll("build", "--site", site, "--drafts", *args)
    assert result.code == 0, result.err
    return tree(site / "dist")


def test_a_layout_edit_reuses_every_rendered_body(tmp_path: Path, conversions: list[str]) -> None:
    site = write_files(tmp_path / "site", SITE)
    builder = LiveBuilder(site, tmp_path / "live", jobs=1)
    builder.rebuild()
    assert sorted(conversions) == ["content/blog/a.md", "content/blog/b.md", "content/guide/setup.md",
                                   "content/index.md"]
    conversions.clear()
    layout = site / "layouts/post.html"
    layout.write_text(layout.read_text().replace("{{ page.html }}", "<article>{{ page.html }}</article>"))
    result = builder.rebuild(Changes(frozenset({"layouts/post.html"})))
    assert result.rendered >= 2 and conversions == []
    assert b"<article>" in (tmp_path / "live/blog/a/index.html").read_bytes()
    assert tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_atoll_build_shares_the_cache_with_the_dev_server(tmp_path: Path, conversions: list[str]) -> None:
    site = write_files(tmp_path / "site", SITE)
    LiveBuilder(site, tmp_path / "live", jobs=1).rebuild()
    conversions.clear()
    assert built(site) == clean_build(site, tmp_path / "clean")
    assert conversions.count("content/blog/a.md") == 1  # the clean build's; `atoll build` converted nothing


def test_a_page_that_moves_renders_again_only_the_pages_linking_to_it(tmp_path: Path,
                                                                      conversions: list[str]) -> None:
    site = write_files(tmp_path / "site", SITE)
    builder = LiveBuilder(site, tmp_path / "live", jobs=1)
    builder.rebuild()
    conversions.clear()
    post = site / "content/blog/a.md"
    post.write_text(post.read_text().replace("date: 2026-01-01\n", "date: 2026-01-01\nslug: moved\n"))
    builder.rebuild(Changes(frozenset({"content/blog/a.md"})))
    # a's own body is as before; the home page links to a, whose URL changed
    assert conversions == ["content/index.md"]
    assert 'href="/blog/moved/#part"' in (tmp_path / "live/index.html").read_text()
    assert tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_a_tampered_entry_is_rendered_again(tmp_path: Path, conversions: list[str]) -> None:
    site = write_files(tmp_path / "site", SITE)
    LiveBuilder(site, tmp_path / "live1", jobs=1).rebuild()
    for entry in (site / ".atoll/cache/markup").rglob("*.json"):
        entry.write_bytes(entry.read_bytes().replace(b"Body a.", b"<script>x</script>"))
    conversions.clear()
    LiveBuilder(site, tmp_path / "live2", jobs=1).rebuild()
    assert "content/blog/a.md" in conversions
    assert b"<script>x</script>" not in (tmp_path / "live2/blog/a/index.html").read_bytes()


def test_a_replaced_image_gets_its_new_size(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    assert b'height="30" loading="lazy" src="/guide/diagram.png" width="40"' in built(site)["guide/setup/index.html"]
    image = site / "content/guide/diagram.png"
    image.write_bytes(png(400, 300))
    later(image)
    output = built(site)
    assert b'height="300" loading="lazy" src="/guide/diagram.png" width="400"' in output["guide/setup/index.html"]
    assert output == clean_build(site, tmp_path / "clean")


def test_the_same_body_in_another_folder_shows_that_folders_files(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    built(site)
    body = (site / "content/guide/setup.md").read_text()
    (site / "content/other/setup.md").write_text(body)
    output = built(site)
    assert b'height="50" loading="lazy" src="/other/diagram.png" width="70"' in output["other/setup/index.html"]
    assert output == clean_build(site, tmp_path / "clean")


def test_other_extensions_or_base_path_convert_again(tmp_path: Path, conversions: list[str]) -> None:
    site = write_files(tmp_path / "site", SITE)
    assert b'class="admonition note"' in built(site)["guide/setup/index.html"]
    config = site / "site.yaml"
    config.write_text(SITE["site.yaml"] + "markdown:\n  extensions: [def_list]\n")
    later(config)
    conversions.clear()
    output = built(site)
    assert "content/guide/setup.md" in conversions
    assert b"admonition" not in output["guide/setup/index.html"]
    assert output == clean_build(site, tmp_path / "clean1")
    config.write_text(SITE["site.yaml"].replace("4321/", "4321/docs/"))
    later(config)
    output = built(site)
    assert b'href="/docs/blog/a/#part"' in output["index.html"]
    assert output == clean_build(site, tmp_path / "clean2")
