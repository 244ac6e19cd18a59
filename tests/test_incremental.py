"""Incremental builds equal clean builds, byte for byte, after any sequence of edits.

Both incremental paths are checked against a clean ``atoll build --drafts
--no-cache`` of the same files: the dev server's in-place ``LiveBuilder`` and
``atoll build`` with its persistent cache.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import random
import re
import time
from pathlib import Path

import pytest

from atoll.build import cache, collections, pipeline, reuse, seal
from atoll.build.output import MARKER
from atoll.build.protect import PROTECTED
from atoll.config import load_config as config_of
from atoll.errors import BuildFailed, SiteError
from atoll.serve import rebuild as rebuild_module
from atoll.serve.rebuild import Changes, LiveBuilder
from sitekit import clean_build, png, run_atoll, tree, write_files

SITE = {
    "site.yaml": "title: Inc\nbase_url: http://127.0.0.1:4321/\nper_page: 3\n",
    "layouts/page.html": ('{% extends "base.html" %}'
                          '{% block main %}<h1>{{ page.title }}</h1>{{ page.html }}{% endblock %}'),
    "content/index.md": "---\ntitle: Home\n---\nSee [a](blog/a.md).\n",
    "content/about.md": "---\ntitle: About\n---\nAbout.\n",
    "content/blog/index.md": "---\ntitle: Blog\n---\nThe intro.\n",
    **{f"content/blog/{name}.md": f"---\ntitle: Post {name}\ndate: 2026-01-{i + 1:02}\ntags: [t{i % 3}]\n---\n"
       f"Body {name}. [Home](../index.md)\n" for i, name in enumerate("abcdefg")},
    "content/blog/pic.png": png(40, 30),
    "content/blog/pictured.md": ("---\ntitle: Pictured\ndate: 2025-06-01\n---\n"
                                 "![A picture](pic.png)\n\n!!! note\n    Noted.\n"),
}




def touch_later(path: Path) -> None:
    """Make sure a rewrite is seen even on file systems with coarse timestamps."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000))


class Editor:
    """Random author actions on a site folder."""

    def __init__(self, site: Path, rng: random.Random) -> None:
        self.site, self.rng, self.counter = site, rng, 0

    def posts(self) -> list[Path]:
        return sorted(p for p in (self.site / "content/blog").glob("*.md") if p.name not in ("index.md", "pictured.md"))

    def pages(self) -> list[Path]:
        return sorted((self.site / "content").rglob("*.md"))

    def relink(self, old: str, new: str | None) -> None:
        """Point every link to ``old`` at ``new`` (or at an external page)."""
        pattern = re.compile(r"\(([^()]*/)?" + re.escape(old) + r"\)")
        for page in self.pages():
            text = page.read_text()
            fixed = pattern.sub(lambda m: f"({m.group(1) or ''}{new})" if new else "(https://example.com/)", text)
            if fixed != text:
                page.write_text(fixed)

    def act(self) -> str:
        self.counter += 1
        n = self.counter
        action = self.rng.choice([
            "body", "body", "title", "tags", "date", "add", "delete", "rename", "draft",
            "layout", "partial", "link", "config", "public", "intro", "image",
        ])
        posts = self.posts()
        target = self.rng.choice(posts) if posts else None
        if action in ("body", "title", "tags", "date", "draft", "delete", "rename", "link") and target is None:
            action = "add"
        if action == "body":
            target.write_text(target.read_text() + f"\nMore text {n}.\n")
        elif action == "title":
            text = target.read_text()
            start = text.index("title: ") + len("title: ")
            end = text.index("\n", start)
            target.write_text(text[:start] + f"Retitled {n}" + text[end:])
        elif action == "tags":
            text = target.read_text()
            start = text.index("tags: ")
            end = text.index("\n", start)
            target.write_text(text[:start] + f"tags: [t{n % 4}, extra]" + text[end:])
        elif action == "date":
            text = target.read_text()
            start = text.index("date: ")
            end = text.index("\n", start)
            target.write_text(text[:start] + f"date: 2025-{1 + n % 12:02}-{1 + n % 28:02}" + text[end:])
        elif action == "add":
            (self.site / f"content/blog/new{n}.md").write_text(
                f"---\ntitle: New {n}\ndate: 2026-02-{1 + n % 28:02}\ntags: [t{n % 3}]\n---\nFresh {n}.\n")
        elif action == "delete":
            self.relink(target.name, None)  # keep the site valid: unlink before deleting
            target.unlink()
        elif action == "rename":
            new = target.with_name(f"renamed{n}.md")
            target.rename(new)
            self.relink(target.name, new.name)
        elif action == "draft":
            text = target.read_text()
            target.write_text(text.replace("---\n", "---\ndraft: true\n", 1) if "draft:" not in text
                              else text.replace("draft: true\n", ""))
        elif action == "layout":
            path = self.site / "layouts/page.html"
            path.write_text(path.read_text().replace("<h1>", f"<h1 data-v='{n}'>", 1).replace(
                f"data-v='{n - 1}' ", ""))
        elif action == "partial":
            path = self.site / "layouts/partials/footer.html"
            path.parent.mkdir(exist_ok=True)
            path.write_text(f"<footer>footer {n}</footer>\n")
        elif action == "link":
            other = self.rng.choice(posts)
            target.write_text(target.read_text() + f"\nSee [{other.stem}]({other.name}).\n")
        elif action == "config":  # also what rendered markdown depends on: base path, extensions
            path = self.site / "site.yaml"
            base = self.rng.choice(["", "docs/"])
            extensions = self.rng.choice(["", "markdown:\n  extensions: [def_list]\n"])
            path.write_text(f"title: Inc {n}\nbase_url: http://127.0.0.1:4321/{base}\nper_page: {2 + n % 3}\n"
                            + extensions)
        elif action == "public":
            (self.site / "public").mkdir(exist_ok=True)
            (self.site / f"public/file{n % 3}.txt").write_text(f"public {n}\n")
        elif action == "image":  # the same name, another size: pages showing it get the new one
            (self.site / "content/blog/pic.png").write_bytes(png(10 + n, 20 + n))
        elif action == "intro":
            path = self.site / "content/blog/index.md"
            path.write_text(f"---\ntitle: Blog {n}\n---\nIntro {n}.\n")
        for path in self.site.rglob("*"):
            if path.is_file() and path.stat().st_mtime_ns > time.time_ns() - 10_000_000_000:
                touch_later(path)
        return action


def snapshot(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*")
            if p.is_file() and ".atoll" not in p.parts and "dist" not in p.parts}


@pytest.mark.parametrize("watched", [False, True], ids=["rescan", "watcher-hints"])
@pytest.mark.parametrize("seed", range(5))
def test_live_builder_matches_clean_build_after_random_edits(tmp_path: Path, seed: int, watched: bool) -> None:
    site, builder = live_site(tmp_path, SITE)
    editor = Editor(site, random.Random(seed))
    for step in range(12):
        before = snapshot(site)
        action = editor.act()
        after = snapshot(site)
        changed = frozenset(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
        builder.rebuild(Changes(changed) if watched else None)
        assert tree(tmp_path / "live") == clean_build(site, tmp_path / f"clean{step}"), \
            f"seed {seed}, step {step}: after {action!r}"


@pytest.mark.parametrize("seed", range(4))
def test_cached_build_matches_clean_build_after_random_edits(tmp_path: Path, seed: int,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_files(tmp_path / "site", SITE)
    in_place = []
    original = pipeline.update_in_place
    monkeypatch.setattr(pipeline, "update_in_place", lambda *a, **k: in_place.append(1) or original(*a, **k))
    editor = Editor(site, random.Random(100 + seed))
    action = "none"
    for step in range(10):
        result = run_atoll("build", "--site", site, "--drafts")
        assert result.code == 0, result.err
        # every build after the first updates dist/ in place, its markdown from the markup cache
        assert len(in_place) == step
        # once the build has returned, its scratch folder is gone, not still being deleted
        assert sorted(p.name for p in site.iterdir() if p.name.startswith(".dist")) == []
        assert tree(site / "dist") == clean_build(site, tmp_path / f"clean{step}"), \
            f"seed {seed}, step {step}: after {action!r}"
        action = editor.act()


def rendered(result_out: str) -> int:
    """How many outputs the summary line says were rendered."""
    if "rendered" not in result_out:
        return int(result_out.split("Built ")[1].split(" ")[0])
    return int(result_out.split("(")[1].split(" rendered")[0])


def test_unchanged_site_renders_nothing_and_one_edit_renders_its_dependents(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    first = run_atoll("build", "--site", site)
    assert first.code == 0 and " unchanged)" not in first.out
    again = run_atoll("build", "--site", site)
    assert rendered(again.out) == 0
    post = site / "content/blog/c.md"
    post.write_text(post.read_text() + "\nOnly the body changed.\n")
    touch_later(post)
    body_edit = run_atoll("build", "--site", site)
    assert rendered(body_edit.out) == 1  # listings show titles and dates, not bodies
    post.write_text(post.read_text().replace("title: Post c", "title: Post C!"))
    touch_later(post)
    title_edit = run_atoll("build", "--site", site)
    # the post, its listing page, its tag page: not every page of the site
    assert 2 < rendered(title_edit.out) < 8


def test_layout_change_rerenders_only_its_users(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    builder = LiveBuilder(site, tmp_path / "live")
    total = builder.rebuild().total
    layout = site / "layouts/page.html"
    layout.write_text(layout.read_text().replace("<h1>", "<h1 class='x'>"))
    touch_later(layout)
    result = builder.rebuild()
    assert result.rendered == 2  # content/index.md and content/about.md use page.html
    assert result.rendered < total


def test_failed_rebuild_changes_nothing_and_recovers(tmp_path: Path) -> None:
    site, builder = live_site(tmp_path, SITE)
    before = tree(tmp_path / "live")
    post = site / "content/blog/a.md"
    good = post.read_text()
    post.write_text("---\ntitle: [broken\n---\n")
    with pytest.raises(BuildFailed):
        builder.rebuild()
    assert tree(tmp_path / "live") == before
    post.write_text(good.replace("Body a.", "Body a, fixed."))
    touch_later(post)
    builder.rebuild()
    assert b"Body a, fixed." in (tmp_path / "live/blog/a/index.html").read_bytes()


def test_corrupted_cache_is_discarded_with_a_note(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    assert run_atoll("build", "--site", site).code == 0
    good = tree(site / "dist")
    cache.cache_path(site).write_bytes(seal.seal(b"\x80\x05 not a pickle"))
    result = run_atoll("build", "--site", site)
    assert result.code == 0 and "build cache unreadable" in result.err
    assert " unchanged)" not in result.out  # everything was rendered again
    assert tree(site / "dist") == good


def test_foreign_version_cache_is_discarded(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    assert run_atoll("build", "--site", site).code == 0
    state, _ = cache.load(site)
    cache.cache_path(site).write_bytes(seal.seal(pickle.dumps(dataclasses.replace(state, version="0.0.0/0"))))
    result = run_atoll("build", "--site", site)
    assert result.code == 0 and "another Atoll version (0.0.0/0)" in result.err
    assert " unchanged)" not in result.out


def test_hand_edited_output_is_rendered_again(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    assert run_atoll("build", "--site", site).code == 0
    page = site / "dist/about/index.html"
    page.write_text("tampered")
    assert run_atoll("build", "--site", site).code == 0
    assert page.read_text() != "tampered"


def test_a_cached_build_updates_the_output_where_it_stands(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    assert run_atoll("build", "--site", site).code == 0
    dist = site / "dist"
    before = {p: p.stat().st_mtime_ns for p in dist.rglob("*") if p.is_file()}
    (dist / "stray.html").write_text("put here by hand")
    (dist / "blog/stray").mkdir()
    (dist / "blog/stray/x.txt").write_text("and here")
    (dist / "pagefind/pagefind-entry.json").unlink()
    assert run_atoll("build", "--site", site).code == 0
    # an unchanged site: no page rewritten, what the build would not write gone, the index whole again
    after = {p: p.stat().st_mtime_ns for p in dist.rglob("*") if p.is_file()}
    assert {p: t for p, t in after.items() if "pagefind" not in p.parts} == \
        {p: t for p, t in before.items() if "pagefind" not in p.parts}
    assert not (dist / "blog/stray").exists() and not (dist / "stray.html").exists()
    assert tree(dist) == clean_build(site, tmp_path / "clean")
    untouched = {p: p.stat().st_mtime_ns for p in dist.rglob("*") if p.is_file()}
    assert run_atoll("build", "--site", site).code == 0
    assert {p: p.stat().st_mtime_ns for p in dist.rglob("*") if p.is_file()} == untouched


def test_a_cached_build_that_fails_late_puts_every_file_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_files(tmp_path / "site", SITE)
    assert run_atoll("build", "--site", site).code == 0
    before = tree(site / "dist")
    for name in ("a", "b"):
        post = site / f"content/blog/{name}.md"
        post.write_text(post.read_text() + "\nNew words.\n")
        touch_later(post)
    (site / "content/blog/c.md").unlink()
    (site / "content/blog/new.md").write_text("---\ntitle: New\ndate: 2026-03-01\n---\nNew.\n")

    def failing(folder: Path, *, into: Path | None = None) -> None:  # after the pages were moved in
        assert (folder / "blog/new/index.html").exists()
        raise SiteError("building the search index failed: out of memory", "site.yaml", None)

    monkeypatch.setattr(pipeline, "index_site", failing)
    result = run_atoll("build", "--site", site)
    assert result.code == 1 and "search index failed" in result.err
    assert tree(site / "dist") == before
    monkeypatch.undo()
    assert run_atoll("build", "--site", site).code == 0
    assert tree(site / "dist") == clean_build(site, tmp_path / "clean")


def test_the_saved_cache_holds_no_page_bodies_and_renders_from_the_files(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    assert run_atoll("build", "--site", site).code == 0
    assert b"About.\n" not in cache.cache_path(site).read_bytes()  # (not a post: no HTML kept for the feed)
    layout = site / "layouts/page.html"  # every page using it renders again, its body read from its file
    layout.write_text(layout.read_text().replace("<h1>", "<h1 class='again'>"))
    touch_later(layout)
    assert run_atoll("build", "--site", site).code == 0
    assert b"<h1 class='again'>Home</h1>" in (site / "dist/index.html").read_bytes()
    assert tree(site / "dist") == clean_build(site, tmp_path / "clean")


def test_no_cache_and_clean(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE)
    assert run_atoll("build", "--site", site).code == 0
    no_cache = run_atoll("build", "--site", site, "--no-cache")
    assert no_cache.code == 0 and " unchanged)" not in no_cache.out
    cleaned = run_atoll("clean", "--site", site)
    assert cleaned.code == 0 and not (site / "dist").exists() and not cache.cache_path(site).exists()


def live_site(tmp_path: Path, files: dict[str, str | bytes]) -> tuple[Path, LiveBuilder]:
    """A site and a dev-server builder that has built it once."""
    site = write_files(tmp_path / "site", files)
    builder = LiveBuilder(site, tmp_path / "live")
    builder.rebuild()
    return site, builder


def full_plans(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Each time the dev server plans the whole site again, rather than taking a shortcut."""
    calls: list[object] = []
    original = rebuild_module.plan_pages
    monkeypatch.setattr(rebuild_module, "plan_pages", lambda *a, **k: calls.append(a) or original(*a, **k))
    return calls


def test_body_edits_take_the_fast_path_and_match_a_clean_build(tmp_path: Path, monkeypatch) -> None:
    site, builder = live_site(tmp_path, SITE)
    full_rebuilds = full_plans(monkeypatch)
    post = site / "content/blog/g.md"  # the newest post: in the feed too
    post.write_text(post.read_text() + "\nA new paragraph with a [link](a.md).\n")
    result = builder.rebuild(Changes(frozenset({"content/blog/g.md"})))
    assert full_rebuilds == [] and result.rendered == 1
    assert set(result.changed) == {"blog/g/index.html", "feed.xml"}
    assert tree(tmp_path / "live") == clean_build(site, tmp_path / "clean1")
    # a new slug moves the page: the full path takes over
    post.write_text(post.read_text().replace("title: Post g", "title: Post g\nslug: gee"))
    builder.rebuild(Changes(frozenset({"content/blog/g.md"})))
    assert len(full_rebuilds) == 1
    assert tree(tmp_path / "live") == clean_build(site, tmp_path / "clean2")
    # and a broken body is reported, changing nothing
    before = tree(tmp_path / "live")
    post.write_text(post.read_text() + "\n[broken](nowhere.md)\n")
    with pytest.raises(BuildFailed):
        builder.rebuild(Changes(frozenset({"content/blog/g.md"})))
    assert tree(tmp_path / "live") == before


REPLAN_SITE = {
    **SITE,
    "site.yaml": "title: Re\nbase_url: http://127.0.0.1:4321/\nper_page: 2\n"
                 "auth:\n  client_id: abc\n  authority: https://idp.example.com\n",
    "content/members.md": "---\ntitle: Members\nauth: required\ntags: [t1]\n---\nFor members.\n",
    "content/blog/secret.md": ("---\ntitle: Secret\ndate: 2026-01-05\ntags: [Web]\nauth:\n  groups: [staff]\n---\n"
                               "Staff only.\n"),
    "content/docs/index.md": "---\ntitle: Docs\n---\nDocs.\n",
    "content/docs/start.md": "---\ntitle: Start\ntags: [web]\n---\nStart here.\n",
}


def clean_with_protected(site: Path, out: Path) -> dict[str, bytes]:
    """A clean build as the dev server keeps it: the protected output inside, under .atoll-protected/."""
    public = clean_build(site, out)
    protected = tree(out.with_name(out.name + "-protected"))
    return {**public, **{f"{PROTECTED}{name}": data for name, data in protected.items() if name != MARKER}}


def listed(plan: pipeline.Plan) -> pipeline.Plan:
    """``plan`` with its posts and tags as listings see them: by meta (a body-only edit keeps the
    previous page objects there, which listings read only the meta of)."""
    model = plan.model
    posts = tuple(p.meta for p in model.posts)
    tags = tuple((t.name, t.slug, tuple(p.meta for p in t.pages)) for t in model.tags)
    return dataclasses.replace(plan, model=dataclasses.replace(model, posts=posts, tags=tags))  # type: ignore[arg-type]


class FrontMatterEditor:
    """Random edits of what listings show: titles, dates, descriptions and tags (new ones,
    case variants of one slug, repeats), with a body edit now and then."""

    TAGS = ["t0", "t1", "t2", "Web", "web", "WEB", "tags", "New Tag"]

    def __init__(self, site: Path, rng: random.Random) -> None:
        self.site, self.rng = site, rng

    def act(self, n: int) -> tuple[str, str]:
        """An edit; returns what it did and the file's site-relative name."""
        blog = self.site / "content/blog"
        path = self.rng.choice([p for p in sorted(blog.glob("*.md")) if p.name != "index.md"]
                               + [self.site / "content/members.md"])
        head, body = path.read_text()[4:].split("\n---\n", 1)
        fields = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line and not line.startswith(" "))
        action = self.rng.choice(["title", "date", "tags", "tags", "description", "updated", "body"])
        if action == "title":
            fields["title"] = self.rng.choice(["Post a", "Same title", f"Title {n}"])
        elif action == "date" and "date" in fields:
            fields["date"] = self.rng.choice(["2026-01-05", "2025-12-31", f"2026-0{1 + n % 3}-1{n % 10}"])
        elif action == "tags":
            picked = self.rng.sample(self.TAGS, self.rng.randint(0, 3)) + self.rng.choice([[], [f"fresh{n}"]])
            fields["tags"] = "[" + ", ".join(f'"{tag}"' for tag in picked) + "]"
        elif action == "description":
            fields["description"] = f"About {n}"
        elif action == "updated" and "date" in fields:
            fields["updated"] = "2026-03-01"
        else:
            body += f"\nMore {n}.\n"
        kept = [line for line in head.splitlines() if line.split(": ", 1)[0] not in fields]  # the auth block
        front = "".join(f"{k}: {v}\n" for k, v in fields.items()) + "".join(line + "\n" for line in kept)
        path.write_text(f"---\n{front}---\n{body}")
        touch_later(path)
        return action, path.relative_to(self.site).as_posix()


@pytest.mark.parametrize("seed", range(4))
def test_front_matter_edits_are_planned_by_difference_as_a_full_plan_would(tmp_path: Path, seed: int,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Edits of titles, dates and tags keep every page in its place: the plan is made again by
    difference. It must equal the full planner's, and the output a clean build's."""
    monkeypatch.setattr(collections, "FEED_ENTRIES", 3)  # so date edits move posts into the feed and out
    site, builder = live_site(tmp_path, REPLAN_SITE)
    full_rebuilds = full_plans(monkeypatch)
    editor = FrontMatterEditor(site, random.Random(seed))
    for step in range(14):
        action, name = editor.act(step)
        builder.rebuild(Changes(frozenset({name})))
        loaded = pipeline.load_site(builder.configure(config_of(site)), {}, drafts=True)
        assert builder._plan is not None and listed(builder._plan) == listed(loaded.plan), \
            f"seed {seed}, step {step}: after {action} of {name}"
        assert tree(tmp_path / "live") == clean_with_protected(site, tmp_path / f"clean{step}"), \
            f"seed {seed}, step {step}: after {action} of {name}"
    assert full_rebuilds == []


def test_a_link_added_by_a_body_edit_follows_the_page_it_points_to(tmp_path: Path) -> None:
    """A body edit keeps the previous plan; the link it adds is a new dependency all the same."""
    site, builder = live_site(tmp_path, SITE)
    page = site / "content/blog/a.md"
    page.write_text(page.read_text() + "\nSee [the next one](b.md).\n")
    touch_later(page)
    builder.rebuild(Changes(frozenset({"content/blog/a.md"})))
    target = site / "content/blog/b.md"
    target.write_text(target.read_text().replace("title: Post b", "title: Post b\nslug: bee"))
    touch_later(target)
    builder.rebuild(Changes(frozenset({"content/blog/b.md"})))
    assert b'href="/blog/bee/"' in (tmp_path / "live/blog/a/index.html").read_bytes()
    assert tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


@pytest.mark.parametrize("broken", ["link", "layout"])
def test_files_of_a_failed_rebuild_are_looked_at_again_by_the_next(tmp_path: Path, broken: str) -> None:
    """A watcher names only the files saved since the last rebuild: after one that failed,
    the next must not keep what the failed files were before (the build state's version)."""
    site, builder = live_site(tmp_path, SITE)
    if broken == "link":  # a link to a page that does not exist yet
        name, edit = "content/blog/a.md", ("Body a.", "Body a, see [the new one](fresh.md).")
    else:
        name, edit = "layouts/page.html", ("<h1>", "<h1 class='{{ page.title | nosuchfilter }}'>")
    path = site / name
    path.write_text(path.read_text().replace(*edit))
    touch_later(path)
    with pytest.raises(BuildFailed):
        builder.rebuild(Changes(frozenset({name})))
    other = site / "content/blog/b.md"
    other.write_text(other.read_text() + "\nMore.\n")
    touch_later(other)
    if broken == "link":  # the missing page is written: the link now works, and shows
        write_files(site, {"content/blog/fresh.md": "---\ntitle: Fresh\ndate: 2026-03-01\n---\nNew.\n"})
        builder.rebuild(Changes(frozenset({"content/blog/b.md", "content/blog/fresh.md"})))
        assert b'href="/blog/fresh/"' in (tmp_path / "live/blog/a/index.html").read_bytes()
    else:  # the layout is still broken: still an error, not the old layout's pages
        with pytest.raises(BuildFailed, match="nosuchfilter"):
            builder.rebuild(Changes(frozenset({"content/blog/b.md"})))
        path.write_text(path.read_text().replace(" class='{{ page.title | nosuchfilter }}'", ""))
        touch_later(path)
        builder.rebuild(Changes(frozenset({name})))
    assert tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_a_post_that_another_posts_date_edit_brings_into_the_feed_is_rendered_for_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collections, "FEED_ENTRIES", 3)  # e, f and g; d was never in the feed
    site, builder = live_site(tmp_path, SITE)
    post = site / "content/blog/g.md"
    post.write_text(post.read_text().replace("date: 2026-01-07", "date: 2020-01-01"))
    touch_later(post)
    result = builder.rebuild(Changes(frozenset({"content/blog/g.md"})))
    assert "blog/d/index.html" in result.changed  # rendered again: the feed needs its HTML
    assert b"Body d." in (tmp_path / "live/feed.xml").read_bytes()
    assert tree(tmp_path / "live") == clean_build(site, tmp_path / "clean")


def test_an_edit_that_moves_a_page_or_a_sidebar_entry_is_planned_whole(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    site, builder = live_site(tmp_path, REPLAN_SITE)
    full_rebuilds = full_plans(monkeypatch)
    edits = [("content/docs/start.md", "title: Start", "title: Begin"),  # its sidebar entry
             ("content/blog/a.md", "title: Post a", "title: Post a\nslug: moved"),  # its URL
             ("content/blog/b.md", "title: Post b", "title: Post b\ndraft: true"),
             ("content/blog/c.md", "title: Post c", "title: Post c\nauth: required"),
             ("content/blog/d.md", "title: Post d", "title: Post d\nlayout: page"),
             ("content/blog/e.md", "title: Post e", "title: Post e\nimage: pic.png")]
    for number, (name, old, new) in enumerate(edits, start=1):
        path = site / name
        path.write_text(path.read_text().replace(old, new))
        touch_later(path)
        builder.rebuild(Changes(frozenset({name})))
        assert len(full_rebuilds) == number, name
        assert tree(tmp_path / "live") == clean_with_protected(site, tmp_path / f"clean{number}"), name
    # and a tag page that would take another page's URL, or a public file's, is the full planner's to report
    clashes = [("content/taken.md", "---\ntitle: Taken\npermalink: /tags/brand-new/\n---\nHere.\n", "brand-new",
                "the URL /tags/brand-new/ is claimed by both"),
               ("public/tags/other-new/index.html", "<p>Mine</p>\n", "other-new",
                "this file and the page of tag 'other-new' would both be written")]
    for name, text, tag, error in clashes:
        write_files(site, {name: text})
        builder.rebuild(Changes(frozenset({name})))
        path = site / "content/blog/f.md"
        path.write_text(re.sub(r"tags: \[.*\]", f"tags: [{tag}]", path.read_text()))
        touch_later(path)
        before = tree(tmp_path / "live")
        with pytest.raises(BuildFailed, match=re.escape(error)):
            builder.rebuild(Changes(frozenset({"content/blog/f.md"})))
        assert tree(tmp_path / "live") == before
        path.write_text(path.read_text().replace(f"tags: [{tag}]", "tags: [t2]"))
        builder.rebuild(Changes(frozenset({"content/blog/f.md"})))


POST_LAYOUT = '{% extends "base.html" %}{% block main %}<h1>{{ page.title }}</h1>{{ page.html }}{% endblock %}'


def first_pass_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, LiveBuilder]:
    monkeypatch.setattr(reuse, "FIRST_PASS_MIN", 5)  # 8 posts to render: a long rebuild
    site = write_files(tmp_path / "site", {**SITE, "layouts/post.html": POST_LAYOUT})
    builder = LiveBuilder(site, tmp_path / "live")
    builder.rebuild()
    return site, tmp_path / "live", builder


def test_a_long_rebuild_moves_the_pages_open_in_a_browser_in_first(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    site, live, builder = first_pass_site(tmp_path, monkeypatch)
    (site / "layouts/post.html").write_text(POST_LAYOUT.replace("<h1>", "<h1 class=new>"))
    seen: dict[str, object] = {}

    def shown(urls: tuple[str, ...]) -> None:
        seen.update(urls=urls, viewed=(live / "blog/c/index.html").read_text(),
                    other=(live / "blog/d/index.html").read_text())

    # about/ is open too, but its layout did not change: nothing to show early
    result = builder.rebuild(Changes(frozenset({"layouts/post.html"})), viewed=frozenset({"/blog/c/", "/about/"}),
                             shown=shown)
    assert seen["urls"] == ("/blog/c/",) == result.shown
    assert "<h1 class=new>" in str(seen["viewed"]) and "<h1 class=new>" not in str(seen["other"])
    assert result.rendered == 8 and {"blog/c/index.html", "blog/d/index.html"} <= set(result.changed)
    assert tree(live) == clean_build(site, tmp_path / "clean")


def test_a_short_rebuild_has_no_first_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site, live, builder = first_pass_site(tmp_path, monkeypatch)
    calls: list[tuple[str, ...]] = []
    post = site / "content/blog/c.md"
    post.write_text(post.read_text().replace("title: Post c", "title: Post C"))  # c, its tag page, listings
    result = builder.rebuild(Changes(frozenset({"content/blog/c.md"})), viewed=frozenset({"/blog/c/"}),
                             shown=calls.append)
    assert 0 < result.rendered < 5 and calls == [] and result.shown == ()
    assert tree(live) == clean_build(site, tmp_path / "clean")


def test_when_the_rest_fails_the_pages_shown_first_go_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site, live, builder = first_pass_site(tmp_path, monkeypatch)
    before = tree(live)
    broken = POST_LAYOUT.replace("<h1>", '<h1 class=new>{% if page.title == "Post f" %}{{ page.no.such }}{% endif %}')
    (site / "layouts/post.html").write_text(broken)
    seen: list[str] = []
    with pytest.raises(BuildFailed) as failed:
        builder.rebuild(Changes(frozenset({"layouts/post.html"})), viewed=frozenset({"/blog/c/"}),
                        shown=lambda urls: seen.append((live / "blog/c/index.html").read_text()))
    assert len(seen) == 1 and "<h1 class=new>" in seen[0]  # shown, then the other posts failed
    assert "layouts/post.html" in str(failed.value)
    assert tree(live) == before
    (site / "layouts/post.html").write_text(POST_LAYOUT)  # back as it was: nothing may stay half new
    builder.rebuild(Changes(frozenset({"layouts/post.html"})), viewed=frozenset({"/blog/c/"}), shown=seen.append)
    assert tree(live) == clean_build(site, tmp_path / "clean")
