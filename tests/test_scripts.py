from __future__ import annotations

import pytest

from atoll.build.scripts import bundle
from atoll.errors import SiteError


def src(**files: str) -> dict[str, tuple[str, str]]:
    return {f"{name}.js": (f"scripts/{name}.js", text) for name, text in files.items()}


def test_imports_are_rewritten_to_hashed_names() -> None:
    out = bundle(src(a='import { b } from "./b.js";\nconst m = await import("./c.js");\n',
                     b="export const b = 1;\n", c="export default 2;\n"), minify=False)
    b, c = out["b.js"].output.split("/")[1], out["c.js"].output.split("/")[1]
    assert out["a.js"].data.decode() == f'import {{ b }} from "./{b}";\nconst m = await import("./{c}");\n'
    assert out["a.js"].output.startswith("_atoll/a.") and out["a.js"].output.endswith(".js")


def test_a_dependency_change_renames_its_importers() -> None:
    one = bundle(src(a='import "./b.js";', b="1"))
    two = bundle(src(a='import "./b.js";', b="2"))
    assert one["a.js"].output != two["a.js"].output
    assert bundle(src(a='import "./b.js";', b="1"))["a.js"].output == one["a.js"].output


def test_each_script_has_its_own_hash() -> None:
    one = bundle(src(a='import "./b.js";', b="1", c="3"))
    two = bundle(src(a='import "./b.js";', b="2", c="3"))
    assert len({s.output.split(".")[1] for s in one.values()}) == 3
    assert one["c.js"].output == two["c.js"].output  # a script nothing changed in keeps its name


def test_an_import_cycle_is_an_error_naming_the_files() -> None:
    sources = src(b='import "./c.js";', c='\nconst a = () => import("./a.js");',
                  a='export const a = 1;\nimport "./b.js";')
    with pytest.raises(SiteError) as caught:
        bundle(sources)
    assert str(caught.value) == (
        "scripts/a.js:2: import cycle: scripts/a.js -> scripts/b.js -> scripts/c.js -> scripts/a.js\n"
        "  hint: move what they share into a module that imports neither of them")


def test_a_script_importing_itself_is_a_cycle() -> None:
    with pytest.raises(SiteError) as caught:
        bundle(src(a='import "./a.js";'))
    assert caught.value.location == "scripts/a.js:1"
    assert caught.value.message == "import cycle: scripts/a.js -> scripts/a.js"


def test_the_default_scripts_have_no_import_cycle() -> None:
    from atoll.build.scripts import load_sources
    from sitekit import REPO

    out = bundle(load_sources(REPO))
    assert "oidc.js" not in out["flows.js"].imports and "flows.js" in out["oidc.js"].imports


def test_missing_import_is_an_error() -> None:
    with pytest.raises(SiteError, match=r"imports ./gone.js") as caught:
        bundle(src(a='// one\nimport "./gone.js";'))
    assert caught.value.location == "scripts/a.js:2"


def test_closure_lists_everything_a_script_may_load() -> None:
    from atoll.build.scripts import closure

    out = bundle(src(a='import "./b.js";', b='const c = () => import("./c.js");', c="", d=""))
    assert closure(out, "a.js") == ["b.js", "c.js"]
    assert closure(out, "d.js") == []


def test_scripts_are_minified_and_still_parse(tmp_path) -> None:
    import shutil
    import subprocess

    from atoll.build.scripts import load_sources
    from sitekit import REPO

    sources = load_sources(REPO)
    out = bundle(sources)
    assert sum(len(s.data) for s in out.values()) < 0.8 * sum(len(t) for _, t in sources.values())
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot parse the minified modules")
    for script in out.values():
        module = tmp_path / (script.output.rsplit("/", 1)[1].removesuffix(".js") + ".mjs")
        module.write_bytes(script.data)
        done = subprocess.run([node, "--check", str(module)], capture_output=True, text=True)
        assert done.returncode == 0, f"{script.name}: {done.stderr}"
