"""`atoll build` keeps protected pages out of the public output and writes them, their
prompt and 403 pages and the manifest into the protected output."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from atoll.build.content import Page, parse_page
from atoll.build.protect import Protection, beside_protected
from atoll.gate.manifest import parse
from atoll.gate.rules import Access
from conftest import MakeSite
from sitekit import REPO, run_atoll, tree

AUTH = "auth:\n  client_id: abc\n  authority: https://idp.example.com\n"
SITE = {
    "site.yaml": "title: T\n" + AUTH + "  protect:\n    - path: /staff/**\n      groups: [staff]\n",
    "content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
    "content/blog/open.md": "---\ntitle: Open post\ndate: 2026-01-01\ntags: [news]\n---\nEveryone reads this.\n",
    "content/blog/members.md": (
        "---\ntitle: Members post\ndate: 2026-01-02\ntags: [news]\nauth: required\n"
        "description: Summary kestrel-88\nteaser: extra kestrel-89\n---\n"
        "## Heading kestrel-90\n\nBody kestrel-91.\n"),
    "content/staff/plan.md": "---\ntitle: Staff plan\n---\nPlan osprey-12.\n",
    "content/editors.md": "---\ntitle: Editors desk\nauth: {groups: [editors, admins]}\n---\nDesk puffin-7.\n",
}
SECRETS = [b"kestrel-88", b"kestrel-89", b"kestrel-90", b"kestrel-91", b"osprey-12", b"puffin-7"]


def build(site: Path, *args: str) -> tuple[dict[str, bytes], dict[str, bytes]]:
    result = run_atoll("build", "--site", site, *args)
    assert result.code == 0, result.err
    return tree(site / "dist"), tree(site / "dist-protected")


def test_no_protected_text_anywhere_in_the_public_output(make_site: MakeSite) -> None:
    public, _ = build(make_site(SITE))
    hits = [(name, secret) for name, data in public.items() for secret in SECRETS if secret in data]
    assert hits == []


def test_the_search_index_holds_no_protected_text(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site(SITE)
    for args in ((), ("--no-cache",)):  # a staged build, then one updating dist/ in place
        page = site / "content/staff/plan.md"
        page.write_text(page.read_text() + f"More osprey-12 {len(args)}.\n")
        public, _ = build(site, *args)
        fragments = [gzip.decompress(data) for name, data in public.items() if name.endswith(".pf_fragment")]
        assert any(b"Everyone reads this." in f for f in fragments)  # the public pages are indexed
        assert [f for f in fragments for secret in SECRETS if secret in f] == []


def test_protected_pages_and_their_gate_pages_go_to_the_protected_output(make_site: MakeSite) -> None:
    public, protected = build(make_site(SITE))
    assert b"Body kestrel-91." in protected["blog/members/index.html"]
    assert b"Plan osprey-12." in protected["staff/plan/index.html"]
    assert b"Desk puffin-7." in protected["editors/index.html"]
    for output in ("blog/members/index.html", "staff/plan/index.html", "editors/index.html"):
        prompt = public[output].decode()
        assert "data-atoll-signin" in prompt and 'data-atoll-gate="sign-in"' in prompt
        assert protected[f".atoll/prompt/{output}"] == public[output]
    forbidden = protected[".atoll/forbidden/editors/index.html"].decode()
    assert "<strong>admins</strong> or <strong>editors</strong>" in forbidden and "data-atoll-signout" in forbidden
    assert ".atoll/forbidden/blog/members/index.html" not in protected  # any signed-in reader qualifies
    assert "index.html" not in protected and "blog/open/index.html" not in protected
    assert not any(name.startswith((".atoll/", ".atoll-protected")) for name in public)


def test_the_manifest_names_every_protected_url_and_rule(make_site: MakeSite) -> None:
    _, protected = build(make_site(SITE))
    manifest = parse(protected[".atoll/manifest.json"])
    assert sorted(manifest.urls) == ["/blog/members/", "/editors/", "/staff/plan/"]
    assert manifest.urls["/blog/members/"].access == Access()
    assert manifest.urls["/editors/"].access == Access((("admins", "editors"),))
    assert manifest.urls["/staff/plan/"].access == Access((("staff",),))
    assert [(r.path, r.access) for r in manifest.rules] == [("/staff/**", Access((("staff",),)))]


def test_listings_show_protected_pages_by_title_only(make_site: MakeSite) -> None:
    public, _ = build(make_site(SITE))
    for listing in ("blog/index.html", "tags/news/index.html"):
        html = public[listing].decode()
        assert "Members post" in html and "Members only" in html and "Open post" in html, listing
    feed, sitemap = public["feed.xml"].decode(), public["sitemap.xml"].decode()
    assert "Open post" in feed and "Members post" not in feed
    assert "/blog/open/" in sitemap and "/blog/members/" not in sitemap and "/staff/plan/" not in sitemap


def test_a_setting_leaves_protected_pages_out_of_listings(make_site: MakeSite) -> None:
    site = make_site({**SITE, "site.yaml": "title: T\n" + AUTH + "  list_protected: false\n"})
    public, _ = build(site)
    assert "Members post" not in public["blog/index.html"].decode()
    assert "Members post" not in public["tags/news/index.html"].decode()


def test_a_page_tightens_a_rule_and_a_rule_matching_nothing_is_a_note(make_site: MakeSite) -> None:
    site = make_site({**SITE, "site.yaml": SITE["site.yaml"] + "    - {path: /nowhere/**}\n",
                      "content/staff/editors.md": "---\ntitle: Both\nauth: {groups: [editors]}\n---\nx\n"})
    result = run_atoll("build", "--site", site)
    assert result.code == 0, result.err
    assert "note: site.yaml:8: auth: protect: '/nowhere/**' matches no page" in result.err
    manifest = parse((site / "dist-protected/.atoll/manifest.json").read_bytes())
    assert manifest.urls["/staff/editors/"].access == Access((("editors",), ("staff",)))


def test_auth_without_an_auth_block_is_an_error(make_site: MakeSite) -> None:
    site = make_site({"content/index.md": "---\ntitle: Home\n\nauth: required\n---\nx\n"})
    result = run_atoll("build", "--site", site)
    assert result.code == 1
    assert "content/index.md:4: front matter: 'auth' protects this page, but site.yaml has no 'auth:' block" \
        in result.err


def test_protected_out_flag_and_setting(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site(SITE)
    target = tmp_path / "members-only"
    assert run_atoll("build", "--site", site, "--protected-out", target).code == 0
    assert (target / "editors/index.html").exists() and not (site / "dist-protected").exists()
    site2 = make_site({**SITE, "site.yaml": SITE["site.yaml"] + "protected_output: private\n"}, name="s2")
    assert run_atoll("build", "--site", site2).code == 0
    assert (site2 / "private/editors/index.html").exists()


@pytest.mark.parametrize("where", ["dist", "dist/members", "content", "."])
def test_a_protected_output_overlapping_the_output_or_a_source_is_refused(make_site: MakeSite, where: str) -> None:
    site = make_site(SITE)
    result = run_atoll("build", "--site", site, "--protected-out", site / where)
    assert result.code == 1 and "protected output folder" in result.err
    assert not (site / "dist").exists() or not (site / "dist/editors/index.html").read_bytes().count(b"puffin")


def test_a_failed_build_keeps_the_previous_protected_output(make_site: MakeSite) -> None:
    site = make_site(SITE)
    _, before = build(site)
    (site / "content/editors.md").write_text("---\ntitle: Editors desk\nauth: {groups: [editors]}\ndate: no\n---\n")
    assert run_atoll("build", "--site", site).code == 1
    assert tree(site / "dist-protected") == before


def test_incremental_builds_equal_clean_ones(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site(SITE)
    build(site)
    (site / "content/staff/plan.md").write_text("---\ntitle: Staff plan\n---\nPlan osprey-13.\n")
    public, protected = build(site)
    clean = run_atoll("build", "--site", site, "--no-cache", "--out", tmp_path / "clean")
    assert clean.code == 0, clean.err
    assert public == tree(tmp_path / "clean") and protected == tree(tmp_path / "clean-protected")
    assert b"osprey-13" in protected["staff/plan/index.html"]


def test_sites_without_auth_get_no_protected_output(make_site: MakeSite) -> None:
    site = make_site({"content/index.md": "---\ntitle: Home\n---\nx\n"})
    assert run_atoll("build", "--site", site).code == 0
    assert not (site / "dist-protected").exists()


def test_clean_removes_the_protected_output_too(make_site: MakeSite) -> None:
    site = make_site(SITE)
    build(site)
    result = run_atoll("clean", "--site", site)
    assert result.code == 0 and "dist-protected" in result.out
    assert not (site / "dist-protected").exists() and not (site / "dist").exists()


def load_scan() -> ModuleType:
    spec = importlib.util.spec_from_file_location("protected_scan", REPO / "tools" / "protected_scan.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_leak_scan_finds_nothing_in_the_example_site_and_finds_a_planted_leak(tmp_path: Path) -> None:
    scan = load_scan().scan
    assert run_atoll("build", "--site", REPO, "--out", tmp_path / "dist", "--no-cache").code == 0
    assert scan(tmp_path / "dist", tmp_path / "dist-protected") == []
    leaked = (tmp_path / "dist-protected/members/editors/index.html").read_bytes()
    (tmp_path / "dist/leak.html").write_bytes(leaked)
    assert {url for _, url, _ in scan(tmp_path / "dist", tmp_path / "dist-protected")} == {"/members/editors/"}


def test_files_beside_only_protected_pages_are_protected() -> None:
    def page(rel: str, auth: str = "") -> Page:
        return parse_page(f"content/{rel}", rel, f"---\ntitle: T\n{auth}---\nx\n")

    notes = page("members/notes/index.md", "auth: required\n")
    plan = page("staff/plan.md", "auth: {groups: [staff]}\n")
    desk = page("staff/desk.md", "auth: {groups: [editors]}\n")
    protection = Protection({notes.source: Access(), plan.source: Access((("staff",),)),
                             desk.source: Access((("editors",),))})
    outputs = ["members/notes/chart.png", "members/notes/img/deep.png", "staff/x.pdf", "guide/a.png", "b.png"]
    found = beside_protected(outputs, [notes, plan, desk, page("guide/a.md"), page("index.md")], protection)
    # staff/ holds pages for two groups: its files are for any signed-in reader, never public
    assert found == {"members/notes/chart.png": Access(), "members/notes/img/deep.png": Access(),
                     "staff/x.pdf": Access()}


def test_files_beside_a_protected_page_go_to_the_protected_output(make_site: MakeSite) -> None:
    site = make_site({**SITE, "content/members/index.md": "---\ntitle: Corner\nauth: required\n---\n"
                                                           "![chart](chart.svg)\n",
                      "content/members/chart.svg": "<svg xmlns='http://www.w3.org/2000/svg'>skua-9</svg>\n",
                      "content/blog/open.png": b"\x89PNG\r\n\x1a\n"})
    public, protected = build(site)
    assert "members/chart.svg" not in public and b"skua-9" in protected["members/chart.svg"]
    assert "blog/open.png" in public  # beside public posts too: public
    manifest = parse(protected[".atoll/manifest.json"])
    assert manifest.urls["/members/chart.svg"].access == Access()
    assert b'src="/members/chart.svg"' in protected["members/index.html"]
