"""``theme:`` in site.yaml: a folder whose layouts/, scripts/ and public/ sit between
the site's own folders and the default theme (first match by name wins)."""

from __future__ import annotations

from pathlib import Path

from atoll.serve.watch import relevant, source_folders
from sitekit import REPO, clean_build, run_atoll, write_files

AUTH = "auth:\n  client_id: themed\n"
SITE = {
    "site.yaml": "title: Themed\ntheme: house\n" + AUTH,
    "content/index.md": "---\ntitle: Home\n---\nHello.\n",
    "content/special.md": "---\ntitle: Special\nlayout: special\n---\nSpecial body.\n",
    "house/layouts/special.html": '{% extends "page.html" %}{% block auth_script %}{{ super() }}'
                                  '<script type="module" src="{{ atoll.scripts[\'house.js\'] }}"></script>'
                                  "{% endblock %}",
    "house/layouts/partials/footer.html": "<footer>the house footer</footer>",
    "house/scripts/house.js": 'import { manager } from "./islands.js";\nexport const house = manager;\n',
    "house/public/css/house.css": "body { color: teal; }\n",
}


def test_the_theme_fills_in_between_the_site_and_the_default_theme(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", {**SITE, "layouts/partials/footer.html": "<footer>the site's own</footer>"})
    out = clean_build(site, tmp_path / "out")
    special = out["special/index.html"].decode()
    [house] = [name for name in out if name.startswith("_atoll/house.")]
    [islands] = [name for name in out if name.startswith("_atoll/islands.")]
    assert f'src="/{house}"' in special and "Special body." in special  # the theme's layout and script
    assert islands.split("/")[1].encode() in out[house]  # its import of the default theme's islands.js
    assert out["css/house.css"] == b"body { color: teal; }\n"
    assert out["css/site.css"] == (REPO / "public/css/site.css").read_bytes()  # the default theme still fills in
    assert "the site's own" in out["index.html"].decode()  # the site's own layout beats the theme's


def test_without_the_site_s_own_layout_the_theme_s_wins(tmp_path: Path) -> None:
    out = clean_build(write_files(tmp_path / "site", SITE), tmp_path / "out")
    assert "the house footer" in out["index.html"].decode()


def test_errors_in_theme_files_name_them_from_the_site_folder(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", {**SITE, "house/scripts/house.js": 'import "./gone.js";\n'})
    result = run_atoll("build", "--site", site, "--out", tmp_path / "out")
    assert result.code == 1
    assert result.err.splitlines()[0] == "house/scripts/house.js:1: imports ./gone.js, which is not in scripts/"


def test_the_dev_server_watches_the_theme_inside_the_site(tmp_path: Path) -> None:
    site = write_files(tmp_path / "site", SITE).resolve()
    folders = source_folders(site, site / "house")
    assert relevant(site, str(site / "house/layouts/special.html"), folders) == "house/layouts/special.html"
    assert relevant(site, str(site / "house/notes.txt"), folders) is None
    assert relevant(site, str(site / "house/layouts/special.html")) is None  # no theme: not a source
    assert source_folders(site, tmp_path / "elsewhere") == source_folders(site)
