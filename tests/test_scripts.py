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


def test_import_cycles_share_a_hash() -> None:
    out = bundle(src(a='import "./b.js";', b='import "./a.js";', c='import "./a.js";'))
    tag = out["a.js"].output.split(".")[1]
    assert out["b.js"].output.split(".")[1] == tag
    assert f"./{out['a.js'].output.split('/')[1]}" in out["c.js"].data.decode()


def test_missing_import_is_an_error() -> None:
    with pytest.raises(SiteError, match=r"imports ./gone.js"):
        bundle(src(a='import "./gone.js";'))


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
