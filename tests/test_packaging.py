"""A non-editable install of the wheel, in a fresh virtual environment, used from
another folder, gives a working ``atoll new`` + ``atoll build``: the default
layouts, scripts and public files ship inside the wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sitekit import REPO

pytestmark = pytest.mark.slow


def run(*cmd: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # From a clean copy: setuptools reuses a checkout's build/ folder, which may
    # still hold files that have since moved or gone.
    source = tmp_path_factory.mktemp("source") / "atoll"
    top_level = {".git", ".venv", "build", "dist", "atoll.egg-info", ".atoll"}
    shutil.copytree(REPO, source, ignore=lambda folder, names: [
        n for n in names if (folder == str(REPO) and n in top_level) or n in ("node_modules", "__pycache__")])
    done = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, source)
    assert done.returncode == 0, done.stderr
    [built] = out.glob("atoll-*.whl")
    return built


def test_wheel_carries_the_default_theme(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("atoll/themes/default/layouts/base.html", "atoll/themes/default/layouts/callback.html",
                 "atoll/themes/default/public/css/site.css", "atoll/themes/default/scripts/islands.js",
                 "atoll/themes/default/scripts/callback.js", "atoll/serve/client.js", "atoll/cli.py",
                 "atoll/build/pipeline.py", "atoll/companion/app.py"):
        assert name in names, name
    # the import package is `atoll`: nothing installs a top-level `generator`
    assert not any(n.startswith("generator/") for n in names)
    assert not any(n.startswith(("tests/", "content/", "example/")) for n in names)


def test_wheel_carries_no_to_do_code(wheel: Path) -> None:
    """The to-do app is the example site's own (example/): no API, script, layout or style ships."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert [n for n in names if "todo" in n.lower()] == []
        for name in names:
            if name.endswith((".py", ".js", ".html", ".css")):
                text = archive.read(name).decode("utf-8")
                assert "mountTodos" not in text and "data-todos" not in text and ".todos" not in text, name


def test_installed_wheel_scaffolds_and_builds_a_site(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", venv).returncode == 0
    install = run(venv / "bin/pip", "install", "-q", wheel)
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    atoll, python = venv / "bin/atoll", venv / "bin/python"
    assert run(atoll, "--version", cwd=elsewhere).stdout.startswith("atoll ")
    assert run(python, "-m", "atoll", "--version", cwd=elsewhere).stdout.startswith("atoll ")
    # what a production WSGI file imports, from the installed wheel and not from a checkout
    companion = run(python, "-c", "import atoll.companion.wsgi as m; print(m.__file__)", cwd=elsewhere)
    assert companion.returncode == 0, companion.stderr
    assert companion.stdout.startswith(str(venv)) and "/site-packages/atoll/companion/wsgi.py" in companion.stdout
    assert run(python, "-c", "import generator", cwd=elsewhere).returncode != 0
    new = run(atoll, "new", "mysite", cwd=elsewhere)
    assert new.returncode == 0, new.stderr
    built = run(atoll, "build", cwd=elsewhere / "mysite")
    assert built.returncode == 0, built.stderr
    dist = elsewhere / "mysite" / "dist"
    assert (dist / "index.html").exists() and (dist / "css/site.css").exists()
    assert list((dist / "_atoll").glob("islands.*.js")) and (dist / "callback/index.html").exists()
    # a new sign-in site carries no to-do code: no script, no style, no mention in its pages
    assert [p.name for p in dist.rglob("*") if "todo" in p.name.lower()] == []
    for page in dist.rglob("*"):
        if page.suffix in (".html", ".js", ".css"):
            assert "todos" not in page.read_text(encoding="utf-8"), page
