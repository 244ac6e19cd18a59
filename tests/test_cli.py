from __future__ import annotations

from pathlib import Path

from atoll import __version__
from atoll.theme import default_theme
from sitekit import run_atoll


def test_version() -> None:
    result = run_atoll("--version")
    assert result.code == 0


def test_help_lists_commands(capsys) -> None:
    assert run_atoll("--help").code == 0
    assert "build" in capsys.readouterr().out
    assert run_atoll("build", "--help").code == 0
    assert "--base-url" in capsys.readouterr().out


def test_bad_usage_exits_2(capsys) -> None:
    assert run_atoll().code == 2
    assert run_atoll("build", "--frobnicate").code == 2
    assert run_atoll("build", "--jobs", "0").code == 2
    assert run_atoll("build", "--base-url", "example.com").code == 2
    assert run_atoll("nonsense").code == 2


def test_missing_site_folder_is_bad_usage(tmp_path: Path) -> None:
    result = run_atoll("build", "--site", tmp_path / "nowhere")
    assert result.code == 2 and "does not exist" in result.err


def test_folder_without_site_yaml_is_a_site_error(tmp_path: Path) -> None:
    result = run_atoll("build", "--site", tmp_path)
    assert result.code == 1
    assert "no site.yaml" in result.err and "atoll new" in result.err and "Traceback" not in result.err


def test_new_site_builds_at_once(tmp_path: Path) -> None:
    result = run_atoll("new", tmp_path / "my-site")
    assert result.code == 0
    site = tmp_path / "my-site"
    # only what the author writes: the theme stays in the package (and upgrades with it)
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == [
        ".gitignore", "content/blog/first-post.md", "content/index.md", "content/members.md", "site.yaml"]
    build = run_atoll("build", "--site", site)
    assert build.code == 0, build.err
    assert (site / "dist/blog/first-post/index.html").exists()
    assert (site / "dist/members/index.html").exists()
    assert (site / "dist/css/site.css").read_bytes() == (default_theme() / "public/css/site.css").read_bytes()


def test_eject_copies_one_theme_file_and_the_copy_wins(tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert run_atoll("new", site).code == 0
    result = run_atoll("eject", "--site", site, "layouts/partials/footer.html")
    assert result.code == 0, result.err
    footer = site / "layouts/partials/footer.html"
    assert footer.read_text() == (default_theme() / "layouts/partials/footer.html").read_text()
    footer.write_text('<footer class="site-footer"><p>My own footer</p></footer>\n')
    assert run_atoll("build", "--site", site).code == 0
    assert "My own footer" in (site / "dist/index.html").read_text()
    assert not (site / "layouts/base.html").exists()  # everything else still comes from the theme
    again = run_atoll("eject", "--site", site, "layouts/partials/footer.html")
    assert again.code == 1 and "already exists" in again.err
    missing = run_atoll("eject", "--site", site, "layouts/partials/nope.html")
    assert missing.code == 1 and "the default theme has no file 'layouts/partials/nope.html'" in missing.err
    listed = run_atoll("eject", "--list")
    assert "layouts/partials/header.html" in listed.out.split() and "scripts/theme.js" in listed.out.split()


def test_new_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = run_atoll("new", tmp_path)
    assert result.code == 1 and "not empty" in result.err
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_version_string_matches_package(capsys) -> None:
    run_atoll("--version")
    assert capsys.readouterr().out.strip() == f"atoll {__version__}"


class FakeTerminal:
    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_progress_shows_on_a_terminal_only_after_a_moment(monkeypatch) -> None:
    from atoll import cli

    clock = [100.0]
    monkeypatch.setattr(cli.time, "monotonic", lambda: clock[0])
    terminal = FakeTerminal()
    progress = cli._Progress(terminal)  # type: ignore[arg-type]
    progress(10, 1000)
    assert terminal.text == ""  # a quick build shows nothing
    clock[0] += 1
    progress(500, 1000)
    assert terminal.text == "\rRendering 500/1000 (50%)"
    progress.clear()
    assert terminal.text.endswith("\r\033[K")


def test_disk_trouble_is_a_message_not_a_traceback(tmp_path: Path, make_site) -> None:
    site = make_site({"content/index.md": "---\ntitle: Home\n---\n"})
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run_atoll("build", "--site", site, "--out", blocker / "dist")
    assert result.code == 1 and "Traceback" not in result.err
    new = run_atoll("new", blocker / "site")
    assert new.code == 1 and "cannot create the site" in new.err


def test_serve_port_range_is_checked() -> None:
    assert run_atoll("serve", "--port", "99999").code == 2
