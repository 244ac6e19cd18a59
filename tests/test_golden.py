"""The sample site tests/sites/basic must build to exactly tests/golden/basic/.

After an intended change to the output (theme, markdown, feed...), regenerate
the golden tree and review the diff before committing:

    ATOLL_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sitekit import run_atoll, tree

HERE = Path(__file__).parent
SITE = HERE / "sites" / "basic"
GOLDEN = HERE / "golden" / "basic"



def test_basic_site_matches_golden_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_atoll("build", "--site", SITE, "--out", out, "--no-cache")
    assert result.code == 0, result.err
    if os.environ.get("ATOLL_REGEN_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(out, GOLDEN)
    expected, actual = tree(GOLDEN), tree(out)
    assert sorted(actual) == sorted(expected)
    for name in expected:
        assert actual[name] == expected[name], f"{name} differs from the golden copy (see this module's docstring)"
