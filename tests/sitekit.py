"""Helpers for tests that build sites through the real CLI."""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

from generator.cli import main

REPO = Path(__file__).resolve().parent.parent


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_atoll(*argv: str | Path) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return CliResult(code, out.getvalue(), err.getvalue())


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root
