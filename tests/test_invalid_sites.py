"""Every deliberately broken site under tests/sites_invalid/ fails with exactly its expected lines.

Each case folder holds a site and ``expected.txt``: the build's stderr, word for word.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sitekit import run_atoll

CASES = sorted(p for p in (Path(__file__).parent / "sites_invalid").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_site_reports_file_line_and_writes_nothing(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_atoll("build", "--site", case, "--out", out)
    assert result.code == 1
    assert result.err == (case / "expected.txt").read_text(encoding="utf-8")
    assert "Traceback" not in result.err
    assert not out.exists()
    assert not list(tmp_path.iterdir()), "a failed build must leave no staging folder behind"


def test_every_case_names_a_file_and_line() -> None:
    for case in CASES:
        first = (case / "expected.txt").read_text(encoding="utf-8").splitlines()[0]
        path, _, rest = first.partition(":")
        assert (case / path).exists(), f"{case.name}: {first}"
        if case.name != "public_collision":
            assert rest.split(":")[0].isdigit(), f"{case.name}: no line number in {first}"
