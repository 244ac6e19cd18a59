"""The sample site tests/sites/basic must build to exactly tests/golden/basic/.

After an intended change to the output (theme, markdown, feed...), regenerate
the golden tree and review the diff before committing:

    ATOLL_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from sitekit import run_atoll, tree

HERE = Path(__file__).parent
SITE = HERE / "sites" / "basic"
GOLDEN = HERE / "golden" / "basic"
REGENERATE = "ATOLL_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py"


def golden_diff(expected: dict[str, bytes], actual: dict[str, bytes]) -> str:
    """A unified diff of every file that differs (text), or a line saying so (binary)."""
    parts = []
    for name in sorted(expected.keys() | actual.keys()):
        before, after = expected.get(name), actual.get(name)
        if before == after:
            continue
        try:
            old = [] if before is None else before.decode().splitlines(keepends=True)
            new = [] if after is None else after.decode().splitlines(keepends=True)
        except UnicodeDecodeError:
            parts.append(f"Binary files golden/{name} and built/{name} differ\n")
            continue
        from_name = f"golden/{name}" if before is not None else "/dev/null"
        to_name = f"built/{name}" if after is not None else "/dev/null"
        parts.append("".join(difflib.unified_diff(old, new, from_name, to_name)))
    return "".join(part if part.endswith("\n") else part + "\n" for part in parts)


def test_golden_diff_names_the_changed_lines() -> None:
    diff = golden_diff({"a.html": b"<p>one</p>\n<p>two</p>\n", "gone.txt": b"x\n", "img.png": b"\x89PNG\xff"},
                       {"a.html": b"<p>one</p>\n<p>2</p>\n", "new.txt": b"y\n", "img.png": b"\x89PNG\xfe"})
    assert "--- golden/a.html\n+++ built/a.html\n" in diff
    assert "-<p>two</p>\n+<p>2</p>\n" in diff
    assert "--- golden/gone.txt\n+++ /dev/null\n" in diff and "--- /dev/null\n+++ built/new.txt\n" in diff
    assert "Binary files golden/img.png and built/img.png differ\n" in diff


def test_basic_site_matches_golden_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_atoll("build", "--site", SITE, "--out", out, "--no-cache")
    assert result.code == 0, result.err
    if os.environ.get("ATOLL_REGEN_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(out, GOLDEN)
    diff = golden_diff(tree(GOLDEN), tree(out))
    if diff:
        pytest.fail(f"the build differs from tests/golden/basic/ (if intended, regenerate: {REGENERATE}):\n{diff}",
                    pytrace=False)
