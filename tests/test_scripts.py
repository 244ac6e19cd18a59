from __future__ import annotations

import pytest

from generator.errors import SiteError
from generator.scripts import bundle


def src(**files: str) -> dict[str, tuple[str, str]]:
    return {f"{name}.js": (f"scripts/{name}.js", text) for name, text in files.items()}


def test_imports_are_rewritten_to_hashed_names() -> None:
    out = bundle(src(a='import { b } from "./b.js";\nconst m = await import("./c.js");\n',
                     b="export const b = 1;\n", c="export default 2;\n"))
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
    from generator.scripts import closure

    out = bundle(src(a='import "./b.js";', b='const c = () => import("./c.js");', c="", d=""))
    assert closure(out, "a.js") == ["b.js", "c.js"]
    assert closure(out, "d.js") == []
