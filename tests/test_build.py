"""Whole builds of small sites through the real CLI."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from atoll.build import pipeline as build_module
from atoll.build.output import MARKER
from sitekit import REPO, run_atoll, tree

BASIC = Path(__file__).parent / "sites" / "basic"



@pytest.fixture
def basic(tmp_path: Path) -> Path:
    site = tmp_path / "basic"
    shutil.copytree(BASIC, site)
    return site


def test_build_writes_pretty_urls_and_site_files(basic: Path) -> None:
    result = run_atoll("build", "--site", basic)
    assert result.code == 0, result.err
    assert re.fullmatch(r"Built 13 pages and 6 assets into .*dist/ in \d+\.\d\d s\n", result.out)
    files = tree(basic / "dist")
    for name in ["index.html", "who/index.html", "guide/index.html", "blog/post-1/index.html",
                 "blog/index.html", "blog/page/2/index.html", "tags/index.html", "tags/news/index.html",
                 "feed.xml", "sitemap.xml", "robots.txt", "404.html", "img/dot.png", "css/site.css"]:
        assert name in files, name
    assert files["img/dot.png"] == (BASIC / "public/img/dot.png").read_bytes()
    assert b"Sitemap: https://example.org/docs/sitemap.xml" in files["robots.txt"]


def test_drafts_are_left_out_everywhere_unless_asked(basic: Path) -> None:
    assert run_atoll("build", "--site", basic).code == 0
    files = tree(basic / "dist")
    assert "blog/draft/index.html" not in files and "tags/drafty/index.html" not in files
    for name in ("blog/index.html", "feed.xml", "sitemap.xml", "tags/index.html"):
        assert b"draft" not in files[name].lower(), name
    assert run_atoll("build", "--site", basic, "--drafts").code == 0
    files = tree(basic / "dist")
    assert b"Secret draft" in files["blog/draft/index.html"]
    assert b"Secret draft" in files["blog/index.html"] and b"Secret draft" in files["feed.xml"]


def test_listing_is_newest_first_and_paginated(basic: Path) -> None:
    assert run_atoll("build", "--site", basic).code == 0
    first = (basic / "dist/blog/index.html").read_text()
    second = (basic / "dist/blog/page/2/index.html").read_text()
    assert first.index("Post 3") < first.index("Post 2") and "Post 1" not in first
    assert "Post 1" in second and 'href="/docs/blog/"' in second
    assert "News from <em>Basic</em>" in first  # blog/index.md is the listing's intro


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.urls.append(a[key] or "")
        if tag == "script":
            self.scripts.append(a)


def parse(html: str) -> _Links:
    p = _Links()
    p.feed(html)
    return p


def test_base_url_sub_path_prefixes_every_generated_link(basic: Path) -> None:
    assert run_atoll("build", "--site", basic).code == 0
    for path in (basic / "dist").rglob("*.html"):
        for url in parse(path.read_text()).urls:
            assert url.startswith(("/docs/", "#", "https://")), f"{path}: {url}"
    home = (basic / "dist/index.html").read_text()
    assert 'href="/docs/guide/#install"' in home and 'href="/docs/who/"' in home


def test_base_url_flag_overrides_site_yaml(basic: Path) -> None:
    assert run_atoll("build", "--site", basic, "--base-url", "https://cdn.example.net").code == 0
    assert b'href="/css/site.css"' in (basic / "dist/index.html").read_bytes()
    assert b"<id>https://cdn.example.net/blog/post-3/</id>" in (basic / "dist/feed.xml").read_bytes()


def test_two_builds_are_byte_identical(basic: Path, tmp_path: Path) -> None:
    assert run_atoll("build", "--site", basic, "--out", tmp_path / "one").code == 0
    assert run_atoll("build", "--site", basic, "--out", tmp_path / "two", "--jobs", "2").code == 0
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_parallel_and_serial_builds_agree(tmp_path: Path, make_site) -> None:
    pages = {f"content/blog/p{i:03}.md": f"---\ntitle: P{i}\ndate: 2026-01-{1 + i % 28:02}\n"
             f"tags: [t{i % 7}]\n---\n## Part\n\nSee [next](p{(i + 1) % 250:03}.md).\n" for i in range(250)}
    site = make_site(pages)
    assert run_atoll("build", "--site", site, "--out", tmp_path / "serial", "--jobs", "1").code == 0
    assert run_atoll("build", "--site", site, "--out", tmp_path / "parallel", "--jobs", "2").code == 0
    assert tree(tmp_path / "serial") == tree(tmp_path / "parallel")


def test_failed_build_keeps_previous_output(basic: Path) -> None:
    assert run_atoll("build", "--site", basic).code == 0
    before = tree(basic / "dist")
    (basic / "content/blog/post-2.md").write_text("---\ntitle: Broken\ndate: soon\n---\n")
    (basic / "content/about.md").write_text("---\ntitle: [unclosed\n---\n")
    result = run_atoll("build", "--site", basic)
    assert result.code == 1
    assert "content/blog/post-2.md:3: front matter: 'date' must be a date" in result.err
    assert "content/about.md:2: front matter: YAML syntax error" in result.err
    assert "was left as it was" in result.err
    assert tree(basic / "dist") == before
    assert [p.name for p in basic.iterdir() if "staging" in p.name] == []


def test_interrupted_build_keeps_previous_output(basic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_atoll("build", "--site", basic).code == 0
    before = tree(basic / "dist")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "site_files", interrupted)
    result = run_atoll("build", "--site", basic)
    assert result.code == 130 and "left as it was" in result.err
    assert tree(basic / "dist") == before
    assert [p.name for p in basic.iterdir() if "staging" in p.name] == []


@pytest.mark.parametrize("out", ["content", "public", ".", "content/out"])
def test_output_inside_sources_is_refused(basic: Path, out: str) -> None:
    before = tree(basic)
    result = run_atoll("build", "--site", basic, "--out", basic / out)
    assert result.code == 1 and ("overlaps the source folder" in result.err or "contains the site" in result.err)
    assert tree(basic) == before


def test_layouts_by_front_matter_folder_and_default(make_site) -> None:
    site = make_site({
        "layouts/page.html": "PAGE {{ page.title }}",
        "layouts/post.html": "POST {{ page.title }} {{ page.date | isodate }}",
        "layouts/wide.html": "WIDE {{ page.title }} {{ page.hero }}",
        "content/a.md": "---\ntitle: A\n---\n",
        "content/b.md": "---\ntitle: B\nlayout: wide\nhero: big.png\n---\n",
        "content/blog/c.md": "---\ntitle: C\ndate: 2026-05-04\n---\n",
    })
    assert run_atoll("build", "--site", site).code == 0
    assert (site / "dist/a/index.html").read_text() == "PAGE A"
    assert (site / "dist/b/index.html").read_text() == "WIDE B big.png"
    assert (site / "dist/blog/c/index.html").read_text() == "POST C 2026-05-04"
    # layouts the site does not override come from the default theme
    assert "<!doctype html>" in (site / "dist/404.html").read_text()


def test_site_params_and_collections_reach_layouts(make_site) -> None:
    site = make_site({
        "site.yaml": "title: T\nparams: {greeting: hi}\n",
        "layouts/page.html": "{{ site.params.greeting }} {% for p in collections.posts %}{{ p.title }},{% endfor %}",
        "content/index.md": "---\ntitle: Home\n---\n",
        "content/blog/one.md": "---\ntitle: One\ndate: 2026-01-01\n---\n",
        "content/blog/two.md": "---\ntitle: Two\ndate: 2026-02-01\n---\n",
    })
    assert run_atoll("build", "--site", site).code == 0
    assert (site / "dist/index.html").read_text() == "hi Two,One,"


def test_other_files_in_content_travel_with_their_pages(make_site) -> None:
    site = make_site({"content/index.md": "---\ntitle: Home\n---\n", "content/photo.jpg": b"\xff\xd8\xff"})
    result = run_atoll("build", "--site", site)
    assert result.code == 0 and "photo.jpg" not in result.err
    assert (site / "dist/photo.jpg").read_bytes() == b"\xff\xd8\xff"


AUTH_SITE = {
    "site.yaml": "title: T\nauth:\n  client_id: abc\n  authority: https://idp.example.com\n"
                 "  cognito_domain: https://x.auth.eu-west-1.amazoncognito.com\n",
    "content/index.md": "---\ntitle: Home\n---\nHi\n",
    "content/members.md": "---\ntitle: Members\nauth: required\n---\nSecret-ish text\n",
}


def test_auth_site_gets_config_block_and_hashed_scripts(make_site) -> None:
    site = make_site(AUTH_SITE)
    assert run_atoll("build", "--site", site).code == 0
    dist = site / "dist"
    home = parse((dist / "index.html").read_text())
    config_blocks = [s for s in home.scripts if s.get("type") == "application/json"]
    assert len(config_blocks) == 1
    raw = (dist / "index.html").read_text()
    data = json.loads(raw.split('id="atoll-auth-config">', 1)[1].split("</script>", 1)[0])
    assert data["client_id"] == "abc" and data["redirect_path"] == "/callback/"
    assert data["cognito_domain"] == "https://x.auth.eu-west-1.amazoncognito.com"
    [module] = [s for s in home.scripts if "islands" in (s.get("src") or "")]
    [hint] = [s for s in home.scripts if "auth-hint" in (s.get("src") or "")]
    # The hint is a classic script (before the first paint); the islands a module.
    assert re.fullmatch(r"/_atoll/auth-hint\.[0-9a-f]{10}\.js", hint["src"] or "") and hint.get("type") is None
    assert re.fullmatch(r"/_atoll/islands\.[0-9a-f]{10}\.js", module["src"] or "") and module.get("type") == "module"
    assert (dist / module["src"].lstrip("/")).exists() and (dist / hint["src"].lstrip("/")).exists()
    callback = parse((dist / "callback/index.html").read_text())
    assert any(re.fullmatch(r"/_atoll/callback\.[0-9a-f]{10}\.js", s.get("src") or "") for s in callback.scripts)
    assert 'content="no-referrer"' in (dist / "callback/index.html").read_text()
    members = (dist / "members/index.html").read_text()
    assert "data-atoll-signin" in members and "Secret-ish text" not in members
    assert "Secret-ish text" in (site / "dist-protected/members/index.html").read_text()


def test_no_page_has_inline_executable_script(make_site) -> None:
    site = make_site(AUTH_SITE)
    assert run_atoll("build", "--site", site).code == 0
    for path in (site / "dist").rglob("*.html"):
        for script in parse(path.read_text()).scripts:
            assert script.get("src") or script.get("type") == "application/json", path


def test_site_without_auth_has_no_auth_script(basic: Path) -> None:
    assert run_atoll("build", "--site", basic).code == 0
    # only the theme's own scripts: colour scheme, copy buttons, search
    assert sorted(p.name.split(".")[0] for p in (basic / "dist/_atoll").iterdir()) == ["search", "theme"]
    for path in (basic / "dist").rglob("*.html"):
        scripts = parse(path.read_text()).scripts
        srcs = [re.sub(r"\.[0-9a-f]{10}", "", s.get("src") or "") for s in scripts]
        assert srcs == ["/docs/_atoll/theme.js"], path  # the basic site lives under /docs/


HOSTILE_SCOPE = "openid <!--<script> </script><b> a&amp;b &lt;"


def test_auth_config_cannot_break_out_of_its_script_block(make_site) -> None:
    site = make_site({**AUTH_SITE, "site.yaml": AUTH_SITE["site.yaml"] + f"  scope: '{HOSTILE_SCOPE}'\n"})
    assert run_atoll("build", "--site", site).code == 0
    html = (site / "dist/index.html").read_text()
    block = html.split('id="atoll-auth-config">', 1)[1].split("</script>", 1)[0]
    assert not set(block) & set("<>&"), block
    assert "\\u003c!--\\u003cscript\\u003e" in block
    assert json.loads(block)["scope"] == HOSTILE_SCOPE


def test_the_example_site_builds(tmp_path: Path) -> None:
    result = run_atoll("build", "--site", REPO, "--out", tmp_path / "out", "--no-cache")
    assert result.code == 0, result.err
    assert (tmp_path / "out/todos/index.html").exists()
    assert (tmp_path / "out" / MARKER).exists()


def test_a_site_robots_txt_replaces_the_generated_one(make_site) -> None:
    site = make_site({"content/index.md": "---\ntitle: Home\n---\n",
                      "public/robots.txt": "User-agent: *\nDisallow: /\n"})
    assert run_atoll("build", "--site", site).code == 0
    assert (site / "dist/robots.txt").read_text() == "User-agent: *\nDisallow: /\n"


def test_layouts_write_their_own_data_blocks_with_json_block(make_site) -> None:
    site = make_site({
        "layouts/page.html": '<main>{{ page.title }}</main><script type="application/json" id="chart">'
                             "{{ page.chart | json_block | safe }}</script>",
        "content/index.md": "---\ntitle: Home\nchart: {label: '</script><!--<script>', n: 3}\n---\nHi\n",
    })
    assert run_atoll("build", "--site", site).code == 0
    html = (site / "dist/index.html").read_text()
    block = html.split('id="chart">', 1)[1].split("</script>", 1)[0]
    assert json.loads(block) == {"label": "</script><!--<script>", "n": 3}
    assert not set(block) & set("<>&")


def test_a_loopback_base_url_is_warned_about_loudly(make_site) -> None:
    site = make_site({"site.yaml": "title: T\nbase_url: http://127.0.0.1:4321/\n",
                      "content/index.md": "---\ntitle: Home\n---\nHi.\n"})
    result = run_atoll("build", "--site", site)
    assert result.code == 0
    assert result.err.startswith("warning: base_url is http://127.0.0.1:4321/, a loopback address")
    assert "hint: set base_url in site.yaml" in result.err
    public = make_site({"site.yaml": "title: T\nbase_url: https://www.example.org/\n",
                        "content/index.md": "---\ntitle: Home\n---\nHi.\n"}, name="public")
    assert "warning" not in run_atoll("build", "--site", public).err


def test_a_docs_only_site_has_no_empty_blog(make_site) -> None:
    site = make_site({
        "site.yaml": "title: T\nbase_url: https://www.example.org/\nmenu:\n"
                     "  - {title: Docs, url: /docs/}\n  - {title: Blog, url: /blog/}\n",
        "content/index.md": "---\ntitle: Home\n---\nHi.\n",
        "content/docs/index.md": "---\ntitle: Docs\n---\nRead me.\n",
    })
    assert run_atoll("build", "--site", site).code == 0
    assert not (site / "dist/blog").exists()
    home = (site / "dist/index.html").read_text()
    assert 'href="/docs/"' in home and 'href="/blog/"' not in home
    assert "/blog/" not in (site / "dist/sitemap.xml").read_text()
